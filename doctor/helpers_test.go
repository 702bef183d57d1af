package doctor

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

type fixture struct {
	env *testdb.Env
	ts  *tenants.Service
	bs  *backup.Service
	doc *Service
}

func newFixture(t *testing.T) *fixture { return newFixtureTB(t) }

func newFixtureTB(t testing.TB) *fixture {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test (needs MariaDB)")
	}
	env := testdb.NewCentral(t)
	ts := env.Service(t)
	bs, err := backup.Open(context.Background(), ts)
	require.NoError(t, err)
	return &fixture{env: env, ts: ts, bs: bs, doc: New(ts, bs)}
}

func yes() *bool { v := true; return &v }

// tenant creates a tenant with a user, migrations and one domain.
func (f *fixture) tenant(t *testing.T, name string, mod func(*tenants.CreateRequest)) tenants.Tenant {
	t.Helper()
	req := tenants.CreateRequest{Name: name, DBUser: yes(), Domains: []string{strings.ToLower(name) + "-" + uuid.NewString()[:6] + ".example.test"}}
	if mod != nil {
		mod(&req)
	}
	tn, err := f.ts.Create(context.Background(), req, nil)
	require.NoError(t, err)
	return tn
}

// user creates a server account the test drops at its end.
func (f *fixture) user(t *testing.T, name string, grants ...string) {
	t.Helper()
	f.env.Exec(t, "CREATE USER "+tenants.QuoteString(name)+"@'%' IDENTIFIED BY 'pw-"+name+"'")
	t.Cleanup(func() { _, _ = f.env.Server.Exec("DROP USER IF EXISTS " + tenants.QuoteString(name) + "@'%'") })
	for _, g := range grants {
		f.env.Exec(t, fmt.Sprintf(g, tenants.QuoteString(name)+"@'%'"))
	}
}

func (f *fixture) run(t *testing.T, opts Options) Report {
	t.Helper()
	rep, err := f.doc.Run(context.Background(), opts)
	require.NoError(t, err)
	return rep
}

func (f *fixture) databaseExists(t *testing.T, name string) bool {
	t.Helper()
	ok, err := tenants.DatabaseExists(context.Background(), f.env.Server, name)
	require.NoError(t, err)
	return ok
}

// find returns the findings of one check about object or tenant.
func find(rep Report, check, about string) []Finding {
	var out []Finding
	for _, f := range rep.Findings {
		if (check == "" || f.Check == check) && (about == "" || f.Object == about || f.Tenant == about) {
			out = append(out, f)
		}
	}
	return out
}

func randomUser() string { return "t" + strings.ReplaceAll(uuid.NewString(), "-", "")[:15] }

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
