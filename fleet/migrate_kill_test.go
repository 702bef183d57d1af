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

// TestMigrateKillAndResume: kill -9 the runner process (the test binary
// re-executed, as TestKillAndResume does) in the middle of a migrate run
// whose migration sleeps, then resume it: every tenant at the target
// version, goose's table with one row per migration, the migration's
// work done once per tenant, done items never run again.
//
// The migration runs in goose's transaction: its INSERT and goose's
// version row commit together, so an item killed midway leaves neither.
// The kill is made deterministic with a gate the migration passes before
// its INSERT (see TestKillAndResume).
func TestMigrateKillAndResume(t *testing.T) {
	f := newFixture(t)
	gate := f.env.Prefix + "mgate"
	m := builtIn(t, map[string]string{"00004_hit.sql": "-- +goose Up\nDO SLEEP(0.05);\nDO GET_LOCK('" + gate + "', 60);\nDO RELEASE_LOCK('" + gate + "');\n" +
		"INSERT INTO hits VALUES (1);\n-- +goose Down\nDELETE FROM hits;\n"})
	list := f.tenants(t, 12, config.CentralServerName)
	for _, tn := range list {
		f.migrateTo(t, tn, m, 3)
	}
	op, err := NewMigrate(m, Up, nil, 0)
	require.NoError(t, err)
	run, _, err := f.fs.CreateMigrate(context.Background(), CreateRequest{Operation: op, Selection: Selection{All: true}, Limits: Limits{Parallel: 3}})
	require.NoError(t, err)
	require.Equal(t, 12, run.Total)

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
	}, 30*time.Second, 5*time.Millisecond)

	done, err := f.fs.Work(context.Background(), run.ID, fastTick)
	require.NoError(t, err)
	require.Equal(t, RunDone, done.State)
	require.Equal(t, 12, done.Done)
	require.Less(t, doneBefore, 12)
	for _, tn := range list {
		require.Equal(t, 1, f.hits(t, tn), "tenant %s: the migration's work done once", tn.Name)
		var rows []struct {
			Version int64 `db:"version_id"`
			N       int   `db:"n"`
		}
		require.NoError(t, f.env.Server.Select(&rows, "SELECT version_id, COUNT(*) AS n FROM "+tenants.QuoteIdent(tn.Database)+".goose_db_version GROUP BY version_id ORDER BY version_id"))
		require.Len(t, rows, 5, "versions 0 to 4")
		for i, r := range rows {
			require.EqualValues(t, i, r.Version)
			require.Equal(t, 1, r.N, "one row per migration in %s", tn.Database)
		}
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
	st := f.status(t, Selection{All: true}, m)
	require.Equal(t, map[int64]int{4: 12}, st.Summary.AtVersion)
}
