package perf

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
)

var shortRun = Options{Users: 2, Duration: time.Second, SeedRows: 50, Interval: 250 * time.Millisecond}

func TestInjectedCrossTenantWriteIsCaught(t *testing.T) {
	env, svc, list := fleet(t, 3, false)
	a, b, c := list[0], list[1], list[2]
	r := NewRunner(svc)
	r.afterLoad = func(ctx context.Context, tables map[string]*target) error {
		// A row carrying tenant a's marker lands in b's table, and one of
		// c's committed rows disappears.
		q := "INSERT INTO " + tenants.QuoteIdent(b.Database) + "." + table + " (tenant_marker, run_id, user_no, payload, created_at, updated_at) VALUES (?, ?, 7, 'stray', NOW(6), NOW(6))"
		if _, err := env.Server.ExecContext(ctx, q, a.ID, tables[a.ID].runID); err != nil {
			return err
		}
		_, err := env.Server.ExecContext(ctx, "DELETE FROM "+tenants.QuoteIdent(c.Database)+"."+table+" ORDER BY id LIMIT 1")
		return err
	}
	rep, err := r.Run(context.Background(), list, shortRun, nil)
	require.NoError(t, err)
	require.False(t, rep.Isolation.Passed)
	require.False(t, rep.Passed())
	rows := map[string]RowCheck{}
	for _, rc := range rep.Isolation.Rows {
		rows[rc.Tenant] = rc
	}
	require.True(t, rows[a.ID].Passed, "%+v", rows[a.ID])
	require.False(t, rows[b.ID].Passed)
	require.Equal(t, int64(1), rows[b.ID].Foreign)
	require.Contains(t, strings.Join(rows[b.ID].Evidence, "\n"), `tenant_marker="`+a.ID+`"`)
	require.False(t, rows[c.ID].Passed)
	require.Equal(t, rows[c.ID].Expected-1, rows[c.ID].Found)
	require.Contains(t, strings.Join(rows[c.ID].Evidence, "\n"), "rows were lost")
	require.Contains(t, rep.Isolation.Note, "no tenant has its own database user")
	var text strings.Builder
	require.NoError(t, rep.WriteText(&text))
	require.Contains(t, text.String(), "FAILED rows of "+b.Name)
	require.Equal(t, "dropped", rep.Cleanup)
	require.False(t, tableExists(t, env, b.Database))
}

func TestTenantUserReadingAnotherTenantIsCaught(t *testing.T) {
	env, svc, list := fleet(t, 3, true)
	a, b := list[0], list[1]
	env.Exec(t, "GRANT SELECT ON "+tenants.QuoteIdent(tenants.EscapeGrantPattern(b.Database))+".* TO "+tenants.QuoteString(a.DBUser)+"@'%'")
	rep, err := NewRunner(svc).Run(context.Background(), list, shortRun, nil)
	require.NoError(t, err)
	require.False(t, rep.Isolation.Passed)
	require.Len(t, rep.Isolation.Pairs, 6)
	for _, rc := range rep.Isolation.Rows {
		require.True(t, rc.Passed, "rows are fine: %+v", rc)
	}
	for _, p := range rep.Isolation.Pairs {
		if p.From == a.Name && p.To == b.Name {
			require.False(t, p.Passed)
			ev := strings.Join(p.Evidence, "\n")
			require.Contains(t, ev, "SELECT COUNT(*) FROM "+tenants.QuoteIdent(b.Database)+"."+table+" succeeded and returned")
			require.Contains(t, ev, "SHOW TABLES FROM "+tenants.QuoteIdent(b.Database)+" succeeded and returned 1 row(s): "+Table)
			continue
		}
		require.True(t, p.Passed, "%+v", p)
		require.Len(t, p.Refusals, 3)
	}
}

func TestCancelledRunStillVerifiesAndDrops(t *testing.T) {
	env, svc, list := fleet(t, 2, true)
	ctx, cancel := context.WithCancel(context.Background())
	opts := shortRun
	opts.Duration = time.Minute
	began := time.Now()
	rep, err := NewRunner(svc).Run(ctx, list, opts, func(p Progress) {
		if p.Snapshot != nil && !p.Snapshot.Warmup {
			cancel()
		}
	})
	cancel()
	require.NoError(t, err)
	require.Less(t, time.Since(began), 20*time.Second)
	require.True(t, rep.Cancelled)
	require.Positive(t, rep.Total.Ops)
	require.True(t, rep.Isolation.Passed, "%+v", rep.Isolation)
	require.Equal(t, "dropped", rep.Cleanup)
	for _, tn := range list {
		require.False(t, tableExists(t, env, tn.Database), "table dropped in %s", tn.Database)
	}
}

func TestKeepAndReadOnly(t *testing.T) {
	env, svc, list := fleet(t, 1, false)
	opts := shortRun
	opts.Keep = true
	opts.Duration, opts.Ops = 0, 200
	rep, err := NewRunner(svc).Run(context.Background(), list, opts, nil)
	require.NoError(t, err)
	require.Equal(t, int64(200), rep.Total.Ops)
	require.Equal(t, "kept", rep.Cleanup)
	require.True(t, tableExists(t, env, list[0].Database))

	ro, err := tenants.Open(context.Background(), env.Config, tenants.Options{ReadOnly: true})
	require.NoError(t, err)
	defer ro.Close()
	_, err = NewRunner(ro).Run(context.Background(), list, shortRun, nil)
	require.ErrorIs(t, err, tenants.ErrReadOnly)
}
