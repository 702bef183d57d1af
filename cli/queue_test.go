package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/testdb"
)

// lockedBuffer is a worker's stderr, read while it writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestQueuedRunCommands: with [queue] url set, `run sql` queues its items
// and follows the run to the same summary and exit code while a
// `tenancy worker` works them; --detach prints the id and returns;
// queue stats and schedule list read the queue and the config.
func TestQueuedRunCommands(t *testing.T) {
	env := testdb.New(t)
	plain := writeConfig(t, env)
	text, err := os.ReadFile(plain)
	require.NoError(t, err)
	prefix := strings.TrimSuffix(env.Prefix, "_")
	cfg := filepath.Join(t.TempDir(), "queued.toml")
	require.NoError(t, os.WriteFile(cfg, append(text, []byte("[queue]\nurl = \"redis://"+testdb.RedisAddr()+"/0\"\nprefix = \""+prefix+"\"\n"+
		"[[schedule]]\nname = \"nightly\"\ncron = \"0 2 * * *\"\ncommand = \"backup create --all\"\n")...), 0o600))
	r := runCLI(t, cfg, "init")
	require.Equal(t, 0, r.code, r.stderr)
	for _, name := range []string{"Acme", "Beta", "Gamma"} {
		r = runCLI(t, cfg, "tenants", "create", "--name", name, "--no-migrate")
		require.Equal(t, 0, r.code, r.stderr)
	}
	script := filepath.Join(t.TempDir(), "notes.sql")
	require.NoError(t, os.WriteFile(script, []byte("CREATE TABLE IF NOT EXISTS notes (id INT);\nINSERT INTO notes VALUES (1);\n"), 0o600))

	r = runCLI(t, plain, "run", "sql", script, "--all", "--detach")
	require.Equal(t, 2, r.code, "--detach without a queue is a usage error")
	require.Contains(t, r.stderr, "--detach needs a queue")
	r = runCLI(t, cfg, "worker", "--queues", "nope")
	require.Equal(t, 2, r.code)

	// Queued before any worker runs: it waits in the queue.
	r = runCLI(t, cfg, "run", "sql", script, "--all", "--detach")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "1\n", r.stdout)

	ctx, stop := context.WithCancel(context.Background())
	var werr lockedBuffer
	workerDone := make(chan int, 1)
	go func() {
		app := &App{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &werr}
		workerDone <- run(ctx, app, []string{"--config", cfg, "worker", "--json", "--concurrency", "2"})
	}()
	defer func() {
		stop()
		require.Equal(t, 0, <-workerDone, werr.String())
	}()

	r = runCLI(t, cfg, "run", "sql", script, "--all")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stderr, "queued for `tenancy worker`")
	require.Contains(t, r.stdout, "Run 2 done: 3 done, 0 failed")
	require.Eventually(t, func() bool {
		r = runCLI(t, cfg, "runs", "show", "1")
		return strings.Contains(r.stdout, "Run 1: sql, done")
	}, 30*time.Second, 50*time.Millisecond, r.stdout)
	require.Contains(t, werr.String(), `"event":"item"`)
	require.Contains(t, werr.String(), `"state":"done"`)

	r = runCLI(t, cfg, "queue", "stats")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, prefix+":sql")
	require.Contains(t, r.stdout, "WORKER")
	require.Eventually(t, func() bool {
		r = runCLI(t, cfg, "queue", "stats", "--json")
		return strings.Contains(r.stdout, `"name": "nightly"`)
	}, 30*time.Second, 200*time.Millisecond, "the worker's scheduler registers the schedule (heartbeat every 5s)")
	r = runCLI(t, cfg, "queue", "list", "sql", "completed")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "2:")

	// Pause and resume go through access: done, and audited.
	r = runCLI(t, cfg, "queue", "pause", "sql")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Queue "+prefix+":sql: pause done.")
	r = runCLI(t, cfg, "queue", "stats", "--json")
	require.Contains(t, r.stdout, `"paused": true`)
	r = runCLI(t, cfg, "queue", "resume", "sql")
	require.Equal(t, 0, r.code, r.stderr)
	r = runCLI(t, cfg, "queue", "stats", "--json")
	require.NotContains(t, r.stdout, `"paused": true`)
	r = runCLI(t, cfg, "audit", "--action", "queue")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "queue.pause")
	require.Contains(t, r.stdout, "queue.resume")
	r = runCLI(t, cfg, "queue", "retry", "sql", "nope:1")
	require.Equal(t, 1, r.code, "a task that is not there: %s", r.stdout)
	require.Contains(t, r.stderr, "retry task nope:1 of queue "+prefix+":sql")

	r = runCLI(t, cfg, "schedule", "list")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "backup create --all")
	require.Contains(t, r.stdout, " 02:00")
}
