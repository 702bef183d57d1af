package queue

import (
	"context"
	"database/sql"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/fleet"
)

// gate is a MySQL lock the test holds: items of a gated script wait at
// it (DO GET_LOCK) before their INSERT, so the test knows every running
// item is before its work and its record.
type gate struct {
	name string
	conn *sql.Conn
}

func (f *fixture) closeGate(t *testing.T) *gate {
	t.Helper()
	g := &gate{name: f.env.Prefix + "gate"}
	var err error
	g.conn, err = f.env.Server.Conn(context.Background())
	require.NoError(t, err)
	var got sql.NullInt64
	require.NoError(t, g.conn.QueryRowContext(context.Background(), "SELECT GET_LOCK(?, 30)", g.name).Scan(&got))
	require.EqualValues(t, 1, got.Int64)
	t.Cleanup(func() { g.conn.Close() })
	return g
}

func (g *gate) script() string {
	return "DO GET_LOCK('" + g.name + "', 600);\nDO RELEASE_LOCK('" + g.name + "');\nINSERT INTO hits VALUES (1);\n"
}

func (g *gate) open(t *testing.T) {
	_, err := g.conn.ExecContext(context.Background(), "DO RELEASE_LOCK(?)", g.name)
	require.NoError(t, err)
}

func (f *fixture) waitingAtGate(t *testing.T, g *gate) int {
	var n int
	require.NoError(t, f.env.Server.Get(&n, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO LIKE 'DO GET_LOCK%' AND INFO LIKE ?", "%"+g.name+"%"))
	return n
}

// TestWorkerKilledMidItem: kill -9 a worker while its items wait at the
// gate; the other worker finishes the rest at once and the killed
// worker's items after asynq's lease expires: every tenant worked once,
// the interrupted items show 2 attempts and the surviving worker's pid.
// (asynq's lease is 30s and its recoverer sweeps each minute: this test
// takes one to two minutes.)
func TestWorkerKilledMidItem(t *testing.T) {
	f := newFixture(t)
	list := f.tenants(t, 6, config.CentralServerName)
	g := f.closeGate(t)
	run := f.create(t, g.script(), fleet.Limits{Parallel: 2})
	started, err := f.fs.Start(context.Background(), run.ID, false)
	require.NoError(t, err)
	require.Equal(t, fleet.RunRunning, started.State)

	victim := f.startWorker(t, nil)
	require.Eventually(t, func() bool {
		r := f.count(t, run.ID, fleet.ItemRunning)
		return r == 2 && f.waitingAtGate(t, g) == 2
	}, 30*time.Second, 5*time.Millisecond, "the victim's log: %s", victim.log())
	interrupted := map[string]bool{}
	for id, it := range f.items(t, run.ID) {
		if it.State == fleet.ItemRunning {
			require.Equal(t, victim.cmd.Process.Pid, it.PID)
			interrupted[id] = true
		}
	}
	require.NoError(t, victim.cmd.Process.Signal(syscall.SIGKILL))
	_ = victim.wait(t, 10*time.Second)
	killedAt := time.Now()

	survivor := f.startWorker(t, nil)
	g.open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	done, err := f.fs.Follow(ctx, run.ID, fleet.WorkOptions{Tick: 100 * time.Millisecond})
	require.NoError(t, err)
	require.Equal(t, fleet.RunDone, done.State, "survivor: %s", survivor.log())
	t.Logf("the killed worker's items were done %s after the kill", time.Since(killedAt).Round(time.Second))
	for _, tn := range list {
		require.Equal(t, 1, f.hits(t, tn), "tenant %s worked exactly once", tn.Name)
	}
	for id, it := range f.items(t, run.ID) {
		require.Equal(t, fleet.ItemDone, it.State)
		require.Equal(t, survivor.cmd.Process.Pid, it.PID)
		if interrupted[id] {
			require.Equal(t, 2, it.Attempts, "an interrupted item is tried again and counted")
		} else {
			require.Equal(t, 1, it.Attempts)
		}
	}
	require.NoError(t, survivor.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, survivor.wait(t, 30*time.Second))
}

// TestSIGTERM: a worker told to stop lets its running items finish
// (within [queue] shutdown_timeout) and exits 0; a worker whose items
// outlast the grace period puts them back in the queue (pending again),
// and another worker finishes them: nothing is lost.
func TestSIGTERM(t *testing.T) {
	f := newFixture(t)
	list := f.tenants(t, 6, config.CentralServerName)

	// Items that finish within the grace period.
	run := f.create(t, "DO SLEEP(0.5);\nINSERT INTO hits VALUES (1);\n", fleet.Limits{Parallel: 2})
	_, err := f.fs.Start(context.Background(), run.ID, false)
	require.NoError(t, err)
	w := f.startWorker(t, nil)
	require.Eventually(t, func() bool { return f.count(t, run.ID, fleet.ItemRunning) == 2 }, 30*time.Second, 5*time.Millisecond)
	require.NoError(t, w.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, w.wait(t, 30*time.Second), "exit 0: %s", w.log())
	require.Zero(t, f.count(t, run.ID, fleet.ItemRunning), "the running items finished before it exited")
	doneFirst := f.count(t, run.ID, fleet.ItemDone)
	require.GreaterOrEqual(t, doneFirst, 2)
	require.Less(t, doneFirst, 6, "no new item started after SIGTERM")

	// Items that outlast a 1s grace period go back to the queue.
	g := f.closeGate(t)
	run2 := f.create(t, g.script(), fleet.Limits{Parallel: 2})
	_, err = f.fs.Start(context.Background(), run2.ID, false)
	require.NoError(t, err)
	w2 := f.startWorker(t, func(c *config.Config) { c.Queue.ShutdownTimeout = config.Duration(time.Second) })
	require.Eventually(t, func() bool { return f.count(t, run2.ID, fleet.ItemRunning) == 2 && f.waitingAtGate(t, g) == 2 }, 30*time.Second, 5*time.Millisecond)
	require.NoError(t, w2.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, w2.wait(t, 30*time.Second), "exit 0: %s", w2.log())
	require.Zero(t, f.count(t, run2.ID, fleet.ItemRunning), "interrupted items are recorded back to pending")
	require.Equal(t, 6, f.count(t, run2.ID, fleet.ItemPending))
	g.open(t)

	w3 := f.startWorker(t, nil)
	for _, id := range []int64{run.ID, run2.ID} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		done, err := f.fs.Follow(ctx, id, fleet.WorkOptions{Tick: 50 * time.Millisecond})
		cancel()
		require.NoError(t, err)
		require.Equal(t, fleet.RunDone, done.State, "worker 3: %s", w3.log())
	}
	for _, tn := range list {
		require.Equal(t, 2, f.hits(t, tn), "tenant %s worked once by each run", tn.Name)
	}
	two := 0
	for _, it := range f.items(t, run2.ID) {
		if it.Attempts == 2 {
			two++
		}
	}
	require.Equal(t, 2, two, "the two requeued items were tried twice")
	require.NoError(t, w3.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, w3.wait(t, 30*time.Second))
}
