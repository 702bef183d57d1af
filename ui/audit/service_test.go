package audit

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/audit"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// The screen on a real central database, as a viewer sees it (its
// service read-only): the changes an operator made, newest first, and a
// tenant:NAME filter that finds the tenant's entries by its id.
func TestViewerReadsTheLog(t *testing.T) {
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	log := audit.New(svc.Central(), func(e access.Entry, err error) { t.Errorf("%v: %v", e, err) })
	ctx := access.WithPrincipal(context.Background(), access.Principal{User: "otto", Role: access.Operator, Via: "ssh", Audit: log})
	acme, err := svc.Create(ctx, tenants.CreateRequest{Name: "Acme Corp", Domains: []string{"acme.localhost"}, NoMigrate: true}, nil)
	require.NoError(t, err)
	globex, err := svc.Create(ctx, tenants.CreateRequest{Name: "Globex", Domains: []string{"globex.localhost"}, NoMigrate: true}, nil)
	require.NoError(t, err)
	_, err = svc.SetStatus(ctx, acme, tenants.StatusBlocked)
	require.NoError(t, err)
	require.ErrorIs(t, svc.Delete(ctx, globex, tenants.DeleteOptions{}, nil), access.ErrDenied)

	ro, err := tenants.Open(context.Background(), env.Config, tenants.Options{ReadOnly: true})
	require.NoError(t, err)
	defer ro.Close()
	c := uitest.Context(t, true, 80, 22)
	c.Service = ro
	m := New(c, "")
	m.SetSize(80, 22)
	require.Empty(t, uitest.Drive(m, m.Init()))
	var got []string
	for _, e := range m.rows {
		got = append(got, string(e.Action)+" "+e.Target+" "+e.Outcome)
	}
	require.Equal(t, []string{
		"tenant.delete " + globex.ID + " denied",
		"tenant.status " + acme.ID + " ok",
		"tenant.create " + globex.ID + " ok",
		"tenant.create " + acme.ID + " ok",
	}, got)
	require.Contains(t, uitest.Plain(m.View()), "otto")

	m.query = "tenant:acme.localhost action:tenant.status"
	require.Empty(t, uitest.Drive(m, m.load(true)))
	require.Len(t, m.rows, 1)
	require.Equal(t, "status=blocked", m.rows[0].Detail)
}
