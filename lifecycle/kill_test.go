package lifecycle

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// childMove is this test binary run as a mover (TestKillMoveInEachPhase
// starts it): it moves LIFECYCLE_TEST_TENANT to the second server and,
// at LIFECYCLE_TEST_PAUSE, says so on stdout and waits to be killed.
func childMove() int {
	cfg := config.Default()
	cfg.Central.DSN = os.Getenv("LIFECYCLE_TEST_CENTRAL")
	cfg.Tenancy.DatabasePrefix = os.Getenv("LIFECYCLE_TEST_PREFIX")
	cfg.Servers = []config.Server{{Name: secondServer, DSN: secondDSN}}
	ctx := context.Background()
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	ts, err := tenants.Open(ctx, cfg, tenants.Options{})
	if err != nil {
		return fail(err)
	}
	bs, err := backup.Open(ctx, ts)
	if err != nil {
		return fail(err)
	}
	ls, err := Open(ctx, ts, bs, Options{})
	if err != nil {
		return fail(err)
	}
	want := os.Getenv("LIFECYCLE_TEST_PAUSE")
	ls.pause = func(point string) {
		if point == want {
			fmt.Printf("paused at %s\n", point)
			select {} // until killed
		}
	}
	t, err := ts.Get(ctx, os.Getenv("LIFECYCLE_TEST_TENANT"))
	if err != nil {
		return fail(err)
	}
	if _, err := ls.Move(ctx, MoveRequest{Tenant: t, To: secondServer}, nil); err != nil {
		return fail(err)
	}
	return 0
}

// killChildAt runs a mover process that pauses at point and kills it
// with SIGKILL once it says it is there.
func (f *fixture) killChildAt(t *testing.T, tn tenants.Tenant, point string) {
	t.Helper()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "LIFECYCLE_TEST_CHILD=1", "LIFECYCLE_TEST_PAUSE="+point,
		"LIFECYCLE_TEST_CENTRAL="+f.env.Config.Central.DSN, "LIFECYCLE_TEST_PREFIX="+f.env.Config.Tenancy.DatabasePrefix,
		"LIFECYCLE_TEST_SECOND="+secondDSN, "LIFECYCLE_TEST_TENANT="+tn.ID)
	var stderr strings.Builder
	child.Stderr = &stderr
	out, err := child.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, child.Start())
	paused := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		paused <- line
	}()
	select {
	case line := <-paused:
		require.Equal(t, "paused at "+point+"\n", line, "child: %s", &stderr)
	case <-time.After(2 * time.Minute):
		_ = child.Process.Kill()
		t.Fatalf("the mover never reached %s: %s", point, &stderr)
	}
	require.NoError(t, child.Process.Kill()) // SIGKILL: no deferred cleanup runs
	_ = child.Wait()
	// The server frees the dead session's tenant lock once it sees the
	// connection closed, a moment after the process is gone.
	require.Eventually(t, func() bool {
		held, err := tenants.LockHeld(context.Background(), f.ts.Central(), tn.ID)
		return err == nil && !held
	}, 30*time.Second, 10*time.Millisecond, "the killed mover's lock is released")
}

// TestKillMoveInEachPhase kills the mover (kill -9) in each phase, then
// resumes the move in this process: the target holds every table's data
// (checksums equal to the source's), the registry points at it, the
// tenant is up, the move is done and nothing is left behind. A move
// killed before its switch can also be rolled back instead.
func TestKillMoveInEachPhase(t *testing.T) {
	for _, point := range []string{pointCopy, pointFrozen, pointSwitched} {
		t.Run(point, func(t *testing.T) {
			f := newFixture(t, tenants.FlavourArtflow)
			tn := f.tenant(t, "Killed "+point, true, trickyTypes...)
			want := checksumsOn(t, f.env.Server, tn.Database)
			f.killChildAt(t, tn, point)
			m, err := activeMove(context.Background(), f.central, tn.ID)
			require.NoError(t, err)
			require.NotNil(t, m, "the killed move is recorded as unfinished")
			wantPhase := map[string]Phase{pointCopy: PhaseCopying, pointFrozen: PhaseFrozen, pointSwitched: PhaseSwitched}[point]
			require.Equal(t, wantPhase, m.Phase)

			// The writes the killed move left frozen are not lost: the
			// barrier died with its session, maintenance mode stays.
			if point != pointCopy {
				down, err := f.ts.Get(context.Background(), tn.ID)
				require.NoError(t, err)
				require.NotNil(t, down.Maintenance, "still down for maintenance until resumed")
			}
			moved, err := f.ls.Move(context.Background(), MoveRequest{Tenant: tn}, nil)
			require.NoError(t, err)
			require.Equal(t, PhaseDone, moved.Phase)
			f.requireMoved(t, tn, want)
		})
	}
	t.Run("abort", func(t *testing.T) {
		f := newFixture(t, tenants.FlavourStancl)
		tn := f.tenant(t, "Aborted", true, trickyTypes...)
		want := checksumsOn(t, f.env.Server, tn.Database)
		f.killChildAt(t, tn, pointFrozen)
		m, err := f.ls.Abort(context.Background(), tn)
		require.NoError(t, err)
		require.Equal(t, PhaseRolledBack, m.Phase)
		after, err := f.ts.Get(context.Background(), tn.ID)
		require.NoError(t, err)
		require.Equal(t, config.CentralServerName, after.Server)
		require.Nil(t, after.Maintenance, "up again")
		require.False(t, f.databaseExists(t, f.second, tn.Database), "the target database is gone")
		require.Equal(t, want, checksumsOn(t, f.env.Server, tn.Database))
		var users int
		require.NoError(t, f.second.Get(&users, "SELECT COUNT(*) FROM mysql.user WHERE User = ?", tn.DBUser))
		require.Zero(t, users, "the user recreated on the target is gone")
	})
}

// requireMoved checks a finished move of tn: the target's checksums are
// want, the registry points at the second server, the tenant is up, its
// user works there, the source is read-only for it, no scratch is left.
func (f *fixture) requireMoved(t *testing.T, tn tenants.Tenant, want map[string]int64) {
	t.Helper()
	require.Equal(t, want, checksumsOn(t, f.second, tn.Database))
	require.Equal(t, objectsOn(t, f.env.Server, tn.Database), objectsOn(t, f.second, tn.Database))
	after, err := f.ts.Get(context.Background(), tn.ID)
	require.NoError(t, err)
	require.Equal(t, secondServer, after.Server)
	require.Nil(t, after.Maintenance, "up again")
	if tn.DBUser != "" {
		var grants []string
		require.NoError(t, f.second.Select(&grants, "SHOW GRANTS FOR "+account(tn.DBUser, "%")))
		require.Contains(t, strings.Join(grants, "\n"), "INSERT", "the user may write on the target")
		require.NoError(t, f.env.Server.Select(&grants, "SHOW GRANTS FOR "+account(tn.DBUser, "%")))
		require.NotContains(t, strings.Join(grants, "\n"), "INSERT", "and only read on the source")
	}
	var scratch []string
	require.NoError(t, f.second.Select(&scratch, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '%\\_\\_restore\\_%' OR SCHEMA_NAME LIKE '%\\_\\_old\\_%'"))
	require.Empty(t, scratch)
	m, err := activeMove(context.Background(), f.central, tn.ID)
	require.NoError(t, err)
	require.Nil(t, m, "no unfinished move")
}
