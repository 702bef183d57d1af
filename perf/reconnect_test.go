package perf

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
)

// A user whose connection the server kills counts the failure and goes
// on with a new connection; the row check still passes.
func TestKilledConnectionsReconnect(t *testing.T) {
	env, svc, list := fleet(t, 1, false)
	var once sync.Once
	killed := 0
	rep, err := NewRunner(svc).Run(context.Background(), list, Options{
		Users: 2, Duration: 1500 * time.Millisecond, SeedRows: 50, Interval: 250 * time.Millisecond,
	}, func(p Progress) {
		if p.Snapshot == nil {
			return
		}
		once.Do(func() {
			var ids []int64
			require.NoError(t, env.Server.Select(&ids, "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ?", list[0].Database))
			for _, id := range ids {
				if _, err := env.Server.Exec("KILL CONNECTION ?", id); err == nil {
					killed++
				}
			}
		})
	})
	require.NoError(t, err)
	require.Positive(t, killed)
	t.Logf("killed %d connections: %v", killed, rep.Total.ErrorKinds)
	require.Positive(t, rep.Total.Errors, "the killed connections' operations fail")
	require.LessOrEqual(t, rep.Total.Errors, int64(4*killed), "then the users reconnect: %v", rep.Total.ErrorKinds)
	require.Greater(t, rep.Total.Ops, int64(100))
	require.True(t, rep.Isolation.Passed, "%+v", rep.Isolation)
}

// A statement the server does not answer fails after the operation
// timeout instead of stalling its user (here every row is locked by
// another transaction, far longer than the timeout).
func TestStalledStatementTimesOut(t *testing.T) {
	env, svc, list := fleet(t, 1, false)
	r := NewRunner(svc)
	var tx *sql.Tx
	r.afterLoad = func(context.Context, map[string]*target) error { return tx.Rollback() }
	started := time.Now()
	rep, err := r.Run(context.Background(), list, Options{
		Users: 1, Duration: 1500 * time.Millisecond, SeedRows: 10, Mix: Mix{Update: 100}, OpTimeout: time.Second,
	}, func(p Progress) {
		if p.Phase != PhasePrepare || p.Done != 1 {
			return
		}
		var err error
		tx, err = env.Server.Begin()
		require.NoError(t, err)
		_, err = tx.Exec("SELECT id FROM " + tenants.QuoteIdent(list[0].Database) + "." + table + " FOR UPDATE")
		require.NoError(t, err)
	})
	require.NoError(t, err)
	t.Logf("%v", rep.Total.ErrorKinds)
	require.Positive(t, rep.Total.Errors, "the blocked updates time out")
	require.Less(t, time.Since(started), 10*time.Second, "not held for the lock wait timeout")
	require.True(t, rep.Isolation.Passed, "%+v", rep.Isolation)
}
