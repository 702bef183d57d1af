package backup

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// TestKilledRestoreProcessLeavesNoScratch kills a restoring process with
// SIGKILL in the middle of its load: its scratch database stays and is
// listed as a leftover; the next restore of the tenant drops it, and a
// database that only looks like a scratch one is never touched.
func TestKilledRestoreProcessLeavesNoScratch(t *testing.T) {
	if os.Getenv("TENANCY_TEST_RESTORE_CHILD") != "" {
		restoreUntilKilled(t)
		return
	}
	f := newFixture(t)
	tn := f.tenant(t, "killed process", bigTable...)
	b := f.backup(t, tn, KindFull, CompressZstd)
	lookalike := scratchName(tn.Database)
	f.env.Exec(t, "CREATE DATABASE "+tenants.QuoteIdent(lookalike))

	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledRestoreProcessLeavesNoScratch$")
	cmd.Env = append(os.Environ(), "TENANCY_TEST_RESTORE_CHILD=1",
		"TENANCY_TEST_CHILD_CENTRAL="+f.env.Config.Central.DSN,
		"TENANCY_TEST_CHILD_PREFIX="+f.env.Config.Tenancy.DatabasePrefix,
		"TENANCY_TEST_CHILD_DIR="+f.env.Config.Backup.Dir,
		"TENANCY_TEST_CHILD_BACKUP="+strconv.FormatInt(b.ID, 10),
		"TENANCY_TEST_CHILD_TENANT="+tn.ID)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(out)
	loading := false
	for lines.Scan() {
		if lines.Text() == "LOADING" {
			loading = true
			break
		}
	}
	require.True(t, loading, "the child restore never reached its data load")
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	// The server frees the child's tenant lock once it sees the socket
	// close, a moment after the kill.
	require.Eventually(t, func() bool {
		held, err := tenants.LockHeld(context.Background(), f.ts.Central(), tn.ID)
		return err == nil && !held
	}, time.Minute, 20*time.Millisecond, "the killed process's lock was never freed")

	scratch := f.scratchLeft(t)
	require.Len(t, scratch, 2, "the killed restore's scratch database and the look-alike")
	left, err := f.bs.Leftovers(context.Background())
	require.NoError(t, err)
	require.Len(t, left, 1)
	require.Equal(t, tn.ID, left[0].TenantID)
	require.NotEqual(t, lookalike, left[0].Database)
	require.Contains(t, scratch, left[0].Database)

	_, err = f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn}, nil)
	require.NoError(t, err)
	require.Equal(t, []string{lookalike}, f.scratchLeft(t), "only the look-alike is left")
	left, err = f.bs.Leftovers(context.Background())
	require.NoError(t, err)
	require.Empty(t, left)
}

// restoreUntilKilled is the child process: it restores the backup and
// stops dead in the data load, telling the parent, which kills it.
func restoreUntilKilled(t *testing.T) {
	cfg := config.Default()
	cfg.Central.DSN = os.Getenv("TENANCY_TEST_CHILD_CENTRAL")
	cfg.Tenancy.DatabasePrefix = os.Getenv("TENANCY_TEST_CHILD_PREFIX")
	cfg.Backup.Dir = os.Getenv("TENANCY_TEST_CHILD_DIR")
	ctx := context.Background()
	ts, err := tenants.Open(ctx, cfg, tenants.Options{})
	require.NoError(t, err)
	bs, err := Open(ctx, ts)
	require.NoError(t, err)
	b, err := bs.Find(ctx, os.Getenv("TENANCY_TEST_CHILD_BACKUP"))
	require.NoError(t, err)
	tn, err := ts.Find(ctx, os.Getenv("TENANCY_TEST_CHILD_TENANT"))
	require.NoError(t, err)
	_, err = bs.Restore(ctx, RestoreRequest{Backup: b, Target: tn}, func(p Progress) {
		if p.Step == StepLoad && p.Table == "data" && p.Bytes > 1<<20 {
			os.Stdout.WriteString("LOADING\n")
			select {} // until the parent's SIGKILL
		}
	})
	t.Fatalf("the restore returned (%v) instead of being killed", err)
}
