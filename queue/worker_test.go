package queue

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/fleet"
)

// processlistWatcher samples the server's PROCESSLIST for statements
// containing marker and records the most seen at once per server (by the
// tenant database each runs in).
type processlistWatcher struct {
	mu    sync.Mutex
	most  map[string]int
	stop  chan struct{}
	ended chan struct{}
}

func (f *fixture) watch(t *testing.T, marker string, serverOf map[string]string) *processlistWatcher {
	w := &processlistWatcher{most: map[string]int{}, stop: make(chan struct{}), ended: make(chan struct{})}
	go func() {
		defer close(w.ended)
		for {
			select {
			case <-w.stop:
				return
			default:
			}
			var dbs []sql.NullString
			if err := f.env.Server.Select(&dbs, "SELECT DB FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO LIKE ?", "%"+marker+"%"); err != nil {
				continue
			}
			now := map[string]int{}
			for _, db := range dbs {
				if s, ok := serverOf[db.String]; ok {
					now[s]++
				}
			}
			w.mu.Lock()
			for s, n := range now {
				w.most[s] = max(w.most[s], n)
			}
			w.mu.Unlock()
			time.Sleep(2 * time.Millisecond)
		}
	}()
	t.Cleanup(w.end)
	return w
}

func (w *processlistWatcher) end() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.ended
}

// serving waits until n workers serve the fixture's queues (asynq's
// heartbeat registers a server when it starts).
func (f *fixture) serving(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		st, err := f.q.Stats()
		return err == nil && len(st.Workers) == n
	}, time.Minute, 20*time.Millisecond, "%d workers serve the queues", n)
}

// TestThreeWorkersShareTheRun: a run queued and worked by three worker
// processes: every item done once, the work spread over them, and the
// per-server limit of 2 holds across all three (counted on the server).
func TestThreeWorkersShareTheRun(t *testing.T) {
	f := newFixture(t, "eu")
	list := append(f.tenants(t, 12, config.CentralServerName), f.tenants(t, 12, "eu")...)
	serverOf := map[string]string{}
	for _, tn := range list {
		serverOf[tn.Database] = tn.Server
	}
	marker := f.env.Prefix + "limit"
	run := f.create(t, fmt.Sprintf("SELECT SLEEP(0.25) AS `%s`;\nINSERT INTO hits VALUES (1);\n", marker), fleet.Limits{Parallel: 8, PerServer: 2})
	watcher := f.watch(t, marker, serverOf)
	// Two items at a time each: no worker can hold all four of the run's
	// slots, so the work spreads (asynq promises no fairness beyond that).
	workers := []*workerProc{f.startWorker(t, nil, "--concurrency", "2"), f.startWorker(t, nil, "--concurrency", "2"), f.startWorker(t, nil, "--concurrency", "2")}
	f.serving(t, 3)

	var events []fleet.Progress
	done, err := f.fs.Work(context.Background(), run.ID, fleet.WorkOptions{Tick: 50 * time.Millisecond, Report: func(p fleet.Progress) {
		events = append(events, p)
		for s, n := range p.PerServer {
			require.LessOrEqual(t, n, 2, "the run's records never show more than 2 running on %s", s)
		}
	}})
	require.NoError(t, err)
	watcher.end()
	require.Equal(t, fleet.RunDone, done.State)
	require.Equal(t, 24, done.Done)
	require.Equal(t, fleet.QueueHost, done.Host)
	for s, n := range watcher.most {
		require.LessOrEqual(t, n, 2, "server %s ran more than 2 items at once", s)
	}
	require.Equal(t, 2, watcher.most[config.CentralServerName], "the limit is reached, not just respected")
	require.Equal(t, 2, watcher.most["eu"])
	pids := map[int]int{}
	for _, tn := range list {
		require.Equal(t, 1, f.hits(t, tn), "tenant %s worked once", tn.Name)
	}
	for _, it := range f.items(t, run.ID) {
		require.Equal(t, fleet.ItemDone, it.State)
		require.Equal(t, 1, it.Attempts)
		pids[it.PID]++
	}
	ours := map[int]bool{}
	for _, w := range workers {
		ours[w.cmd.Process.Pid] = true
	}
	for pid := range pids {
		require.True(t, ours[pid], "items worked only by the test's workers: %v", pids)
	}
	require.GreaterOrEqual(t, len(pids), 2, "the work spread over the workers: %v", pids)
	finished := 0
	for _, p := range events {
		if p.Item != nil {
			finished++
		}
	}
	require.Equal(t, 24, finished, "the follower reported each item once")

	for _, w := range workers {
		require.NoError(t, w.cmd.Process.Signal(syscall.SIGTERM))
		require.NoError(t, w.wait(t, 30*time.Second), "a stopped idle worker exits 0: %s", w.log())
	}
}

// TestDuplicatesRefused: an item is one task (runID:tenantID): queuing a
// run twice queues nothing more.
func TestDuplicatesRefused(t *testing.T) {
	f := newFixture(t)
	f.tenants(t, 3, config.CentralServerName)
	run := f.create(t, "INSERT INTO hits VALUES (1);", fleet.Limits{})
	items, err := f.fs.Items(context.Background(), run.ID)
	require.NoError(t, err)
	ctx := context.Background()
	for _, it := range items {
		added, err := f.q.enqueueItem(ctx, run, it)
		require.NoError(t, err)
		require.True(t, added)
	}
	for _, it := range items {
		added, err := f.q.enqueueItem(ctx, run, it)
		require.NoError(t, err)
		require.False(t, added, "task %s is refused the second time", TaskID(run.ID, it.TenantID))
	}
	require.NoError(t, f.q.Enqueue(ctx, run, items), "Enqueue of queued items is not an error")
	info, err := f.q.Inspector().GetQueueInfo(f.q.Name(fleet.SQLName))
	require.NoError(t, err)
	require.Equal(t, 3, info.Pending)
	ti, err := f.q.Inspector().GetTaskInfo(f.q.Name(fleet.SQLName), TaskID(run.ID, items[0].TenantID))
	require.NoError(t, err)
	require.Equal(t, TypeItem, ti.Type)
}
