package perf

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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
