package queue

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

// The child: when QUEUE_TEST_WORKER is set, this test binary is a
// `tenancy worker` process (the tests start two, kill one, stop one).
func TestMain(m *testing.M) {
	if os.Getenv("QUEUE_TEST_WORKER") != "" {
		os.Exit(childWorker())
	}
	os.Exit(m.Run())
}

func childWorker() int {
	var cfg config.Config
	if err := json.Unmarshal([]byte(os.Getenv("QUEUE_TEST_WORKER")), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	ts, err := tenants.Open(ctx, &cfg, tenants.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	defer ts.Close()
	fs, err := fleet.Open(ctx, ts, fleet.DefaultOperations())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	q, err := Open(cfg.Queue)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	defer q.Close()
	var mu sync.Mutex
	enc := json.NewEncoder(os.Stderr)
	w := q.NewWorker(fs, WorkerOptions{Log: func(e Event) { mu.Lock(); defer mu.Unlock(); _ = enc.Encode(e) }})
	if err := w.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

type fixture struct {
	env *testdb.Env
	cfg *config.Config
	ts  *tenants.Service
	fs  *fleet.Service
	q   *Queue
}

// newFixture: a central database whose config names extra servers (the
// same test server under other names), and a queue with its own prefix
// on the test Redis.
func newFixture(t *testing.T, servers ...string) *fixture {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test (needs MariaDB and Redis)")
	}
	env := testdb.NewCentral(t)
	for _, name := range servers {
		env.Config.Servers = append(env.Config.Servers, config.Server{Name: name, DSN: testdb.DSN()})
	}
	env.Config.Queue.URL = "redis://" + testdb.RedisAddr() + "/0"
	env.Config.Queue.Prefix = strings.TrimSuffix(env.Prefix, "_")
	env.Config.Queue.Concurrency = 4
	ts := env.Service(t)
	fs, err := fleet.Open(context.Background(), ts, fleet.DefaultOperations())
	require.NoError(t, err)
	q, err := Open(env.Config.Queue)
	require.NoError(t, err)
	require.NoError(t, q.Ping(context.Background()), "the queue tests need Redis at %s (TENANCY_TEST_REDIS_ADDR)", testdb.RedisAddr())
	t.Cleanup(func() { q.cleanup(t); q.Close() })
	fs.UseExecutor(q)
	return &fixture{env: env, cfg: env.Config, ts: ts, fs: fs, q: q}
}

// cleanup deletes the test's queues.
func (q *Queue) cleanup(t *testing.T) {
	in := q.Inspector()
	names, err := in.Queues()
	if err != nil {
		t.Logf("list queues: %v", err)
		return
	}
	for _, n := range names {
		if strings.HasPrefix(n, q.cfg.Prefix+":") {
			if err := in.DeleteQueue(n, true); err != nil {
				t.Logf("delete queue %s: %v", n, err)
			}
		}
	}
}

func (f *fixture) tenants(t *testing.T, n int, server string) []tenants.Tenant {
	t.Helper()
	var out []tenants.Tenant
	for i := 0; i < n; i++ {
		tn, err := f.ts.Create(context.Background(), tenants.CreateRequest{
			Name: fmt.Sprintf("%s-%02d-%s", server, i, uuid.NewString()[:4]), Server: server, NoMigrate: true,
		}, nil)
		require.NoError(t, err)
		_, err = f.env.Server.Exec("CREATE TABLE " + tenants.QuoteIdent(tn.Database) + ".hits (n INT)")
		require.NoError(t, err)
		out = append(out, tn)
	}
	return out
}

func (f *fixture) hits(t *testing.T, tn tenants.Tenant) int {
	t.Helper()
	var n int
	require.NoError(t, f.env.Server.Get(&n, "SELECT COUNT(*) FROM "+tenants.QuoteIdent(tn.Database)+".hits"))
	return n
}

func (f *fixture) create(t *testing.T, script string, l fleet.Limits) fleet.Run {
	t.Helper()
	op, err := fleet.NewSQL("test.sql", script, false, 0)
	require.NoError(t, err)
	run, err := f.fs.Create(context.Background(), fleet.CreateRequest{Operation: op, Selection: fleet.Selection{All: true}, Limits: l})
	require.NoError(t, err)
	return run
}

func (f *fixture) items(t *testing.T, id int64) map[string]fleet.Item {
	t.Helper()
	list, err := f.fs.Items(context.Background(), id)
	require.NoError(t, err)
	out := map[string]fleet.Item{}
	for _, it := range list {
		out[it.TenantID] = it
	}
	return out
}

func (f *fixture) count(t *testing.T, id int64, state fleet.ItemState) int {
	t.Helper()
	var n int
	require.NoError(t, f.ts.Central().Get(&n, "SELECT COUNT(*) FROM tenancy_run_items WHERE run_id = ? AND state = ?", id, state))
	return n
}

// workerProc is a worker process: the test binary re-executed.
type workerProc struct {
	cmd    *exec.Cmd
	exited chan error
	mu     sync.Mutex
	events []Event
	raw    strings.Builder
}

func (f *fixture) startWorker(t *testing.T, mutate func(*config.Config)) *workerProc {
	t.Helper()
	cfg := *f.cfg
	if mutate != nil {
		mutate(&cfg)
	}
	blob, err := json.Marshal(cfg)
	require.NoError(t, err)
	w := &workerProc{cmd: exec.Command(os.Args[0], "-test.run=^$"), exited: make(chan error, 1)}
	w.cmd.Env = append(os.Environ(), "QUEUE_TEST_WORKER="+string(blob))
	stderr, err := w.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, w.cmd.Start())
	read := make(chan struct{})
	go func() {
		defer close(read)
		w.read(stderr)
	}()
	go func() { <-read; w.exited <- w.cmd.Wait() }()
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			_ = w.cmd.Process.Kill()
			<-w.exited
		}
	})
	return w
}

func (w *workerProc) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e Event
		w.mu.Lock()
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Event != "" {
			w.events = append(w.events, e)
		}
		w.raw.Write(sc.Bytes())
		w.raw.WriteByte('\n')
		w.mu.Unlock()
	}
}

func (w *workerProc) log() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.raw.String()
}

func (w *workerProc) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case err := <-w.exited:
		return err
	case <-time.After(d):
		t.Fatalf("worker pid %d did not exit within %s; its log:\n%s", w.cmd.Process.Pid, d, w.log())
		return nil
	}
}
