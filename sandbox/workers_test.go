package sandbox

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/queue"
)

// TestWorkers: a sandbox with --workers puts [queue] on its Redis; two
// real `tenancy worker` processes (built from this tree) start, register
// with the queue and work a run started by the CLI; Stop ends them.
func TestWorkers(t *testing.T) {
	b, err := FindBinaries()
	if errors.Is(err, ErrNoServer) {
		t.Skip("no MariaDB/MySQL server binary installed: " + err.Error())
	}
	require.NotEmpty(t, b.Redis, "this test needs redis-server")
	dir := t.TempDir()
	t.Cleanup(func() { require.NoError(t, Stop(dir)) })
	bin := filepath.Join(t.TempDir(), "tenancy")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/tenancy-dev/tenancy").CombinedOutput()
	require.NoError(t, err, "build tenancy: %s", out)

	ctx := context.Background()
	sb, err := Up(ctx, Options{Dir: dir, Tenants: smallFleet, Workers: 2}, nil)
	require.NoError(t, err)
	cfg, err := config.Load(sb.ConfigPath)
	require.NoError(t, err)
	require.Contains(t, cfg.Queue.URL, "/1", "the queue has a Redis database of its own")
	said, err := StartWorkers(dir, bin, 2)
	require.NoError(t, err)
	require.Contains(t, said, "2 workers")
	pidText, err := os.ReadFile(filepath.Join(dir, "workers.pid"))
	require.NoError(t, err)
	var pids []int
	for _, f := range strings.Fields(string(pidText)) {
		pid, err := strconv.Atoi(f)
		require.NoError(t, err)
		pids = append(pids, pid)
	}
	require.Len(t, pids, 2)

	q, err := queue.Open(cfg.Queue)
	require.NoError(t, err)
	defer q.Close()
	require.Eventually(t, func() bool {
		st, err := q.Stats()
		return err == nil && len(st.Workers) == 2
	}, time.Minute, 50*time.Millisecond, "the workers register; their log: %s", tail(filepath.Join(dir, "workers.log"), 20))

	script := filepath.Join(t.TempDir(), "hello.sql")
	require.NoError(t, os.WriteFile(script, []byte("SELECT 1;\n"), 0o600))
	run := exec.Command(bin, "--config", sb.ConfigPath, "run", "sql", script, "--all")
	out, err = run.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "queued for `tenancy worker`")
	require.Contains(t, string(out), "done: "+strconv.Itoa(smallFleet)+" done")

	require.NoError(t, Stop(dir))
	for _, pid := range pids {
		require.False(t, alive(pid), "worker %d stopped with the sandbox", pid)
	}
	require.NoFileExists(t, filepath.Join(dir, "workers.pid"))
}
