package queue

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/tenants"
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

// hitMigration is a migration that takes a while and leaves one row in
// the tenant's hits table: goose commits the row and its version
// together, and a tenant at the version is never migrated again.
const hitMigration = "-- +goose Up\nDO SLEEP(0.2);\nINSERT INTO hits VALUES (1);\n-- +goose Down\nDELETE FROM hits;\n"

// migrateRun creates a migrate run to the latest of migrations holding
// hitMigration, over every tenant.
func (f *fixture) migrateRun(t *testing.T, l fleet.Limits) fleet.Run {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "00001_hit.sql"), []byte(hitMigration), 0o600))
	m, err := fleet.LoadMigrations(dir)
	require.NoError(t, err)
	op, err := fleet.NewMigrate(m, fleet.Up, nil, 0)
	require.NoError(t, err)
	run, _, err := f.fs.CreateMigrate(context.Background(), fleet.CreateRequest{Operation: op, Selection: fleet.Selection{All: true}, Limits: l})
	require.NoError(t, err)
	return run
}

// requireMigratedOnce: the tenant's migration ran exactly once (one row
// of its work, goose's table with one row for version 0 and one for 1).
func (f *fixture) requireMigratedOnce(t *testing.T, tn tenants.Tenant) {
	t.Helper()
	require.Equal(t, 1, f.hits(t, tn), "tenant %s: the migration's work done once", tn.Name)
	var rows []struct {
		Version int64 `db:"version_id"`
		N       int   `db:"n"`
	}
	require.NoError(t, f.env.Server.Select(&rows, "SELECT version_id, COUNT(*) AS n FROM "+tenants.QuoteIdent(tn.Database)+".goose_db_version GROUP BY version_id ORDER BY version_id"))
	require.Len(t, rows, 2, "versions 0 and 1 in %s", tn.Database)
	for i, r := range rows {
		require.EqualValues(t, i, r.Version)
		require.Equal(t, 1, r.N, "one row per migration in %s", tn.Database)
	}
}

// TestThreeWorkersOneKilled: three `tenancy worker` processes migrate
// 300 tenants; one is killed with SIGKILL mid-run, with items running.
// The run completes: every item done exactly once by the MySQL ledger
// (its runs tables) and by the tenants' migration tables; the killed
// worker's interrupted items were retried by a survivor (attempts 2)
// after asynq's lease expired (one to two minutes: see docs/queue.md),
// every other item ran once.
func TestThreeWorkersOneKilled(t *testing.T) {
	f := newFixture(t)
	list := f.tenants(t, 300, config.CentralServerName)
	run := f.migrateRun(t, fleet.Limits{Parallel: 12})
	require.Equal(t, 300, run.Total)
	workers := []*workerProc{f.startWorker(t, nil), f.startWorker(t, nil), f.startWorker(t, nil)}
	victim := workers[0]
	started, err := f.fs.Start(context.Background(), run.ID, false)
	require.NoError(t, err)
	require.Equal(t, fleet.RunRunning, started.State)

	victimRunning := func() int {
		var n int
		require.NoError(t, f.ts.Central().Get(&n, "SELECT COUNT(*) FROM tenancy_run_items WHERE run_id = ? AND state = ? AND pid = ?",
			run.ID, fleet.ItemRunning, victim.cmd.Process.Pid))
		return n
	}
	require.Eventually(t, func() bool { return f.count(t, run.ID, fleet.ItemDone) >= 60 && victimRunning() > 0 },
		2*time.Minute, 5*time.Millisecond, "the victim's log: %s", victim.log())
	require.NoError(t, victim.cmd.Process.Signal(syscall.SIGKILL))
	_ = victim.wait(t, 10*time.Second)
	killedAt := time.Now()
	interrupted := map[string]bool{}
	for id, it := range f.items(t, run.ID) {
		if it.State == fleet.ItemRunning && it.PID == victim.cmd.Process.Pid {
			interrupted[id] = true
		}
	}
	require.NotEmpty(t, interrupted)
	require.Less(t, f.count(t, run.ID, fleet.ItemDone), 300, "killed mid-run")

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	done, err := f.fs.Follow(ctx, run.ID, fleet.WorkOptions{Tick: 200 * time.Millisecond})
	require.NoError(t, err)
	require.Equal(t, fleet.RunDone, done.State, "survivors: %s\n%s", workers[1].log(), workers[2].log())
	require.Equal(t, 300, done.Done)
	t.Logf("%d interrupted items were done %s after the kill", len(interrupted), time.Since(killedAt).Round(time.Second))
	for _, tn := range list {
		f.requireMigratedOnce(t, tn)
	}
	// Each item ran once, or twice when the victim died in it: the
	// items seen running under the victim at the kill, and maybe one more
	// whose start the victim sent just before it died (the server still
	// commits a statement whose client is gone, after our read).
	survivors := map[int]bool{workers[1].cmd.Process.Pid: true, workers[2].cmd.Process.Pid: true}
	byPID := map[int]int{}
	retried := 0
	for id, it := range f.items(t, run.ID) {
		require.Equal(t, fleet.ItemDone, it.State)
		byPID[it.PID]++
		switch it.Attempts {
		case 1:
			require.False(t, interrupted[id], "interrupted item %s is tried again and counted", id)
		case 2:
			retried++
			require.True(t, survivors[it.PID], "item %s retried by a surviving worker, not pid %d", id, it.PID)
		default:
			require.Fail(t, "too many attempts", "item %s: %d attempts", id, it.Attempts)
		}
	}
	require.LessOrEqual(t, retried, 4, "at most the victim's concurrency was interrupted")
	require.Len(t, byPID, 3, "every worker took items: %v", byPID)
	for _, w := range workers[1:] {
		require.NoError(t, w.cmd.Process.Signal(syscall.SIGTERM))
		require.NoError(t, w.wait(t, 30*time.Second))
	}
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
