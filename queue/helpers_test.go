package queue

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

// tenancyBin is the tenancy binary built from this tree, once per test
// process: the tests' workers are real `tenancy worker` processes.
var tenancyBin struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if tenancyBin.dir != "" {
		_ = os.RemoveAll(tenancyBin.dir)
	}
	os.Exit(code)
}

// buildTenancy builds ./tenancy from this tree (go's build cache makes
// it quick after the first time).
func buildTenancy(t *testing.T) string {
	t.Helper()
	tenancyBin.once.Do(func() {
		if tenancyBin.dir, tenancyBin.err = os.MkdirTemp("", "tenancy-queue-test-"); tenancyBin.err != nil {
			return
		}
		tenancyBin.path = filepath.Join(tenancyBin.dir, "tenancy")
		out, err := exec.Command("go", "build", "-o", tenancyBin.path, "github.com/tenancy-dev/tenancy").CombinedOutput()
		if err != nil {
			tenancyBin.err = fmt.Errorf("build tenancy: %w: %s", err, out)
		}
	})
	require.NoError(t, tenancyBin.err)
	return tenancyBin.path
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
func newFixture(t testing.TB, servers ...string) *fixture {
	t.Helper()
	return newFixtureOn(t, "redis://"+testdb.RedisAddr()+"/0", servers...)
}

// newFixtureOn is newFixture with the queue on the Redis at url.
func newFixtureOn(t testing.TB, url string, servers ...string) *fixture {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test (needs MariaDB and Redis)")
	}
	env := testdb.NewCentral(t)
	for _, name := range servers {
		env.Config.Servers = append(env.Config.Servers, config.Server{Name: name, DSN: testdb.DSN()})
	}
	env.Config.Queue.URL = url
	env.Config.Queue.Prefix = strings.TrimSuffix(env.Prefix, "_")
	env.Config.Queue.Concurrency = 4
	ts := env.Service(t)
	fs, err := fleet.Open(context.Background(), ts, fleet.DefaultOperations())
	require.NoError(t, err)
	q, err := Open(env.Config.Queue)
	require.NoError(t, err)
	require.NoError(t, q.Ping(context.Background()), "the queue tests need Redis at %s (TENANCY_TEST_REDIS_ADDR)", url)
	t.Cleanup(func() { q.cleanup(t); q.Close() })
	fs.UseExecutor(q)
	return &fixture{env: env, cfg: env.Config, ts: ts, fs: fs, q: q}
}

// cleanup deletes the test's queues.
func (q *Queue) cleanup(t testing.TB) {
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

func (f *fixture) tenants(t testing.TB, n int, server string) []tenants.Tenant {
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

// workerProc is a `tenancy worker --json` process.
type workerProc struct {
	cmd    *exec.Cmd
	exited chan error
	mu     sync.Mutex
	events []Event
	raw    strings.Builder
}

// startWorker starts `tenancy --config FILE worker --json` on the
// fixture's config (changed by mutate) with extra worker flags.
func (f *fixture) startWorker(t *testing.T, mutate func(*config.Config), flags ...string) *workerProc {
	t.Helper()
	bin := buildTenancy(t)
	cfg := *f.cfg
	if mutate != nil {
		mutate(&cfg)
	}
	path := filepath.Join(t.TempDir(), "tenancy.toml")
	file, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, toml.NewEncoder(file).Encode(cfg))
	require.NoError(t, file.Close())
	w := &workerProc{cmd: exec.Command(bin, append([]string{"--config", path, "worker", "--json"}, flags...)...), exited: make(chan error, 1)}
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
