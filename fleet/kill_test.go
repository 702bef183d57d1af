package fleet

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// The child: when FLEET_TEST_RUN is set, this test binary is a runner
// process that works that run (TestKillAndResume kills it).
func TestMain(m *testing.M) {
	if id := os.Getenv("FLEET_TEST_RUN"); id != "" {
		os.Exit(childRunner(id))
	}
	os.Exit(m.Run())
}

func childRunner(idText string) int {
	id, _ := strconv.ParseInt(idText, 10, 64)
	cfg := config.Default()
	cfg.Central.DSN = os.Getenv("FLEET_TEST_CENTRAL")
	cfg.Tenancy.DatabasePrefix = os.Getenv("FLEET_TEST_PREFIX")
	ctx := context.Background()
	ts, err := tenants.Open(ctx, cfg, tenants.Options{})
	if err != nil {
		os.Stderr.WriteString(err.Error())
		return 3
	}
	fs, err := Open(ctx, ts, DefaultOperations())
	if err != nil {
		os.Stderr.WriteString(err.Error())
		return 3
	}
	if _, err := fs.Work(ctx, id, WorkOptions{}); err != nil {
		os.Stderr.WriteString(err.Error())
		return 1
	}
	return 0
}

// TestKillAndResume: kill -9 the runner process mid-run, then resume:
// every item done, every tenant's row inserted exactly once, the items
// that were running counted a second attempt.
//
// The kill is made deterministic with a gate: each tenant's script waits
// on a MySQL lock the test holds before it inserts, and the test kills
// the child only when every item the central tables call running is
// waiting at the gate (so none is between its insert and its record).
func TestKillAndResume(t *testing.T) {
	f := newFixture(t)
	list := f.tenants(t, 12, config.CentralServerName)
	gate := f.env.Prefix + "gate"
	script := "DO SLEEP(0.05);\nDO GET_LOCK('" + gate + "', 60);\nDO RELEASE_LOCK('" + gate + "');\nINSERT INTO hits VALUES (1);\n"
	run := f.create(t, f.sqlOp(t, script, false), Selection{All: true}, Limits{Parallel: 3})

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "FLEET_TEST_RUN="+strconv.FormatInt(run.ID, 10),
		"FLEET_TEST_CENTRAL="+f.env.Config.Central.DSN, "FLEET_TEST_PREFIX="+f.env.Config.Tenancy.DatabasePrefix)
	var stderr strings.Builder
	child.Stderr = &stderr
	require.NoError(t, child.Start())
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()

	count := func(state ItemState) int {
		var n int
		require.NoError(t, f.central.Get(&n, "SELECT COUNT(*) FROM tenancy_run_items WHERE run_id = ? AND state = ?", run.ID, state))
		return n
	}
	require.Eventually(t, func() bool { return count(ItemDone) >= 3 }, 30*time.Second, 5*time.Millisecond, "child: %s", &stderr)

	// Close the gate.
	conn, err := f.env.Server.Conn(context.Background())
	require.NoError(t, err)
	defer conn.Close()
	var got sql.NullInt64
	require.NoError(t, conn.QueryRowContext(context.Background(), "SELECT GET_LOCK(?, 30)", gate).Scan(&got))
	require.EqualValues(t, 1, got.Int64)
	waiting := func() int {
		var n int
		require.NoError(t, f.env.Server.Get(&n, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO LIKE 'DO GET_LOCK%' AND INFO LIKE ?", "%"+gate+"%"))
		return n
	}
	require.Eventually(t, func() bool {
		r := count(ItemRunning)
		return r > 0 && r == waiting()
	}, 30*time.Second, 2*time.Millisecond)
	doneBefore := count(ItemDone)
	require.NoError(t, child.Process.Kill())
	<-exited
	_, err = conn.ExecContext(context.Background(), "DO RELEASE_LOCK(?)", gate)
	require.NoError(t, err)

	leftRunning := f.items(t, run.ID)
	require.Eventually(t, func() bool {
		alive, err := f.fs.Alive(context.Background(), run.ID)
		return err == nil && !alive
	}, 30*time.Second, 5*time.Millisecond, "the dead runner's lock is freed")
	r, err := f.fs.Get(context.Background(), run.ID)
	require.NoError(t, err)
	require.Equal(t, RunRunning, r.State, "the record still says running: nobody closed it")

	done, err := f.fs.Work(context.Background(), run.ID, fastTick)
	require.NoError(t, err)
	require.Equal(t, RunDone, done.State)
	require.Equal(t, 12, done.Done)
	require.Less(t, doneBefore, 12)
	for _, tn := range list {
		require.Equal(t, 1, f.hits(t, tn), "tenant %s done once", tn.Name)
	}
	for id, it := range f.items(t, run.ID) {
		require.Equal(t, ItemDone, it.State)
		switch leftRunning[id].State {
		case ItemRunning:
			require.Equal(t, 2, it.Attempts, "an interrupted item is retried and counted")
		case ItemDone:
			require.Equal(t, 1, it.Attempts)
			require.Equal(t, leftRunning[id].FinishedAt, it.FinishedAt, "a done item never runs again")
		}
	}
}
