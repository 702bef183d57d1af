package fleet

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

type fixture struct {
	env     *testdb.Env
	ts      *tenants.Service
	fs      *Service
	central *sqlx.DB
}

// newFixture makes a central database whose config names extra servers,
// each the same test server under another name (so per-server limits can
// be tested on one MariaDB).
func newFixture(t *testing.T, servers ...string) *fixture {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test (needs MariaDB)")
	}
	env := testdb.NewCentral(t)
	for _, name := range servers {
		env.Config.Servers = append(env.Config.Servers, config.Server{Name: name, DSN: testdb.DSN()})
	}
	ts := env.Service(t)
	fs, err := Open(context.Background(), ts, DefaultOperations())
	require.NoError(t, err)
	return &fixture{env: env, ts: ts, fs: fs, central: ts.Central()}
}

// tenants creates n tenants on server, each with a tiny table
// hits(n INT) and whatever stmts add.
func (f *fixture) tenants(t *testing.T, n int, server string, stmts ...string) []tenants.Tenant {
	t.Helper()
	var out []tenants.Tenant
	for i := 0; i < n; i++ {
		tn, err := f.ts.Create(context.Background(), tenants.CreateRequest{
			Name: fmt.Sprintf("%s-%02d-%s", server, i, uuid.NewString()[:4]), Server: server, NoMigrate: true,
			Domains: []string{fmt.Sprintf("t%d-%s.example.test", i, uuid.NewString()[:8])},
		}, nil)
		require.NoError(t, err)
		f.execIn(t, tn, append([]string{"CREATE TABLE hits (n INT)"}, stmts...)...)
		out = append(out, tn)
	}
	return out
}

func (f *fixture) execIn(t *testing.T, tn tenants.Tenant, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		conn, err := f.env.Server.Conn(context.Background())
		require.NoError(t, err)
		_, err = conn.ExecContext(context.Background(), "USE "+tenants.QuoteIdent(tn.Database))
		require.NoError(t, err)
		_, err = conn.ExecContext(context.Background(), s)
		conn.Close()
		require.NoError(t, err, s)
	}
}

func (f *fixture) hits(t *testing.T, tn tenants.Tenant) int {
	t.Helper()
	var n int
	require.NoError(t, f.env.Server.Get(&n, "SELECT COUNT(*) FROM "+tenants.QuoteIdent(tn.Database)+".hits"))
	return n
}

func (f *fixture) sqlOp(t *testing.T, script string, tx bool) *SQL {
	t.Helper()
	op, err := NewSQL("test.sql", script, tx, 0)
	require.NoError(t, err)
	return op
}

// create records a run over the given tenants.
func (f *fixture) create(t *testing.T, op Operation, sel Selection, l Limits) Run {
	t.Helper()
	run, err := f.fs.Create(context.Background(), CreateRequest{Operation: op, Selection: sel, Limits: l})
	require.NoError(t, err)
	return run
}

func refs(list []tenants.Tenant) []string {
	var out []string
	for _, t := range list {
		out = append(out, t.ID)
	}
	return out
}

func (f *fixture) items(t *testing.T, id int64) map[string]Item {
	t.Helper()
	list, err := f.fs.Items(context.Background(), id)
	require.NoError(t, err)
	out := map[string]Item{}
	for _, it := range list {
		out[it.TenantID] = it
	}
	return out
}

func countStates(items map[string]Item) map[ItemState]int {
	out := map[ItemState]int{}
	for _, it := range items {
		out[it.State]++
	}
	return out
}

// fastTick keeps tests that wait for locks or cancels quick.
var fastTick = WorkOptions{Tick: 20 * time.Millisecond}

// recorder is a test operation that records when each tenant was worked
// and fails if two workers ever hold the same tenant at once.
type recorder struct {
	mu        sync.Mutex
	busy      map[string]bool
	overlaps  []string
	intervals map[string][][2]time.Time
	work      time.Duration
}

func newRecorder(work time.Duration) *recorder {
	return &recorder{busy: map[string]bool{}, intervals: map[string][][2]time.Time{}, work: work}
}

func (r *recorder) Name() string                   { return "record" }
func (r *recorder) Args() any                      { return map[string]any{} }
func (r *recorder) Describe(tenants.Tenant) string { return "record" }

func (r *recorder) Do(_ context.Context, _ Env, t tenants.Tenant) (Result, error) {
	r.mu.Lock()
	if r.busy[t.ID] {
		r.overlaps = append(r.overlaps, t.ID)
	}
	r.busy[t.ID] = true
	start := time.Now()
	r.mu.Unlock()
	time.Sleep(r.work) // the work itself, not a wait for something
	r.mu.Lock()
	defer r.mu.Unlock()
	r.busy[t.ID] = false
	r.intervals[t.ID] = append(r.intervals[t.ID], [2]time.Time{start, time.Now()})
	return Result{Summary: "recorded"}, nil
}
