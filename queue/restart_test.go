package queue

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/fleet"
)

// ownRedis is a redis-server of the test's own (the shared one is never
// restarted), persisting every write to its append-only file, as a queue's
// Redis should: a restart keeps the queue.
type ownRedis struct {
	dir  string
	port int
	cmd  *exec.Cmd
}

func startOwnRedis(t *testing.T) *ownRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	require.NoError(t, err, "this test starts its own redis-server: install it")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &ownRedis{dir: t.TempDir(), port: l.Addr().(*net.TCPAddr).Port}
	require.NoError(t, l.Close())
	r.start(t, bin)
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *ownRedis) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

func (r *ownRedis) start(t *testing.T, bin string) {
	t.Helper()
	r.cmd = exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(r.port), "--dir", r.dir, "--save", "",
		"--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no")
	log, err := os.Create(filepath.Join(r.dir, "redis.log"))
	require.NoError(t, err)
	r.cmd.Stdout, r.cmd.Stderr = log, log
	require.NoError(t, r.cmd.Start())
	rc := redis.NewClient(&redis.Options{Addr: r.addr()})
	defer rc.Close()
	require.Eventually(t, func() bool { return rc.Ping(context.Background()).Err() == nil }, 20*time.Second, 20*time.Millisecond,
		"the test's redis-server on %s answers", r.addr())
}

// stop shuts it down (SIGTERM: it writes what it holds and exits).
func (r *ownRedis) stop(t *testing.T) {
	if r.cmd == nil || r.cmd.ProcessState != nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	if err := r.cmd.Wait(); err != nil {
		t.Logf("redis-server on %s: %v", r.addr(), err)
	}
}

// TestRedisRestartedMidRun: the queue's Redis stops while three workers
// work a run and comes back a few seconds later on the same port and
// files: the workers reconnect and the run completes, every tenant
// worked exactly once.
func TestRedisRestartedMidRun(t *testing.T) {
	own := startOwnRedis(t)
	f := newFixtureOn(t, "redis://"+own.addr()+"/0")

	list := f.tenants(t, 60, config.CentralServerName)
	run := f.create(t, "DO SLEEP(0.1);\nINSERT INTO hits VALUES (1);\n", fleet.Limits{Parallel: 6})
	workers := []*workerProc{f.startWorker(t, nil), f.startWorker(t, nil), f.startWorker(t, nil)}
	f.serving(t, 3)
	_, err := f.fs.Start(context.Background(), run.ID, false)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return f.count(t, run.ID, fleet.ItemDone) >= 10 }, time.Minute, 5*time.Millisecond)

	own.stop(t)
	doneWhileDown := f.count(t, run.ID, fleet.ItemDone)
	time.Sleep(3 * time.Second) // Redis is away for a while: the workers see errors, not a blip
	own.start(t, own.cmd.Path)
	restarted := time.Now()
	t.Logf("Redis was down 3s with %d of 60 items done", doneWhileDown)

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	done, err := f.fs.Follow(ctx, run.ID, fleet.WorkOptions{Tick: 200 * time.Millisecond})
	require.NoError(t, err)
	require.Equal(t, fleet.RunDone, done.State, "a worker's log: %s", workers[0].log())
	require.Equal(t, 60, done.Done)
	t.Logf("the run ended %s after Redis came back", time.Since(restarted).Round(time.Second))
	require.Less(t, doneWhileDown, 60, "Redis stopped mid-run")
	for _, tn := range list {
		require.Equal(t, 1, f.hits(t, tn), "tenant %s worked once", tn.Name)
	}
	rc := redis.NewClient(&redis.Options{Addr: own.addr()})
	defer rc.Close()
	for _, scope := range f.q.runTokens(itemPayload{RunID: run.ID, Server: config.CentralServerName}).scopes {
		held, err := rc.ZRange(context.Background(), semaphoreKey(scope), 0, -1).Result()
		require.NoError(t, err)
		require.Empty(t, held, "no token of %s is left behind (it would hold a slot of the run until item_timeout)", scope)
	}
	for _, w := range workers {
		require.NoError(t, w.cmd.Process.Signal(syscall.SIGTERM))
		require.NoError(t, w.wait(t, 30*time.Second), "the worker reconnected and stops cleanly: %s", w.log())
	}
}
