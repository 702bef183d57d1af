package backup

import (
	"context"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/tenants"
)

// requireTenantIntact checks the tenant is registered and its database
// still holds its rows.
func (f *fixture) requireTenantIntact(t *testing.T, tn tenants.Tenant, rows int) {
	t.Helper()
	_, err := f.ts.Get(context.Background(), tn.ID)
	require.NoError(t, err, "the tenant is still registered")
	var n int
	require.NoError(t, f.env.Server.Get(&n, "SELECT COUNT(*) FROM "+tenants.QuoteIdent(tn.Database)+".t"))
	require.Equal(t, rows, n, "its database is untouched")
}

// flippingWriter changes one byte after the backup hashed it: the file
// on disk no longer matches its checksum, so the verify catches it.
type flippingWriter struct {
	w    io.Writer
	done bool
}

func (fw *flippingWriter) Write(p []byte) (int, error) {
	if !fw.done && len(p) > 100 {
		q := append([]byte(nil), p...)
		q[len(q)/2] ^= 0xff
		fw.done = true
		return fw.w.Write(q)
	}
	return fw.w.Write(p)
}

// TestDeleteWithFinalFailureDeletesNothing: when the final backup cannot
// be written, or does not verify, the tenant and its database remain.
func TestDeleteWithFinalFailureDeletesNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inject func(*Service)
		want   string
	}{
		{"disk full", func(s *Service) {
			s.wrapWrite = func(w io.Writer) io.Writer { return &failingWriter{w: w, left: 64} }
		}, "no space left"},
		{"fsync fails", func(s *Service) { s.failSync = syscall.EIO }, "input/output error"},
		{"damaged on disk", func(s *Service) {
			s.wrapWrite = func(w io.Writer) io.Writer { return &flippingWriter{w: w} }
		}, "do not restore it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tn := f.tenant(t, "leaving", "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(200))",
				"INSERT INTO t SELECT seq, REPEAT('x', 150) FROM seq_1_to_500")
			tc.inject(f.bs)
			var steps []tenants.Progress
			_, err := f.bs.DeleteWithFinal(context.Background(), tn, tenants.DeleteOptions{}, func(p tenants.Progress) {
				if p.State != tenants.StepStarted {
					steps = append(steps, p)
				}
			})
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, "nothing was deleted")
			f.requireTenantIntact(t, tn, 500)
			require.Equal(t, tenants.StepFailed, steps[len(steps)-1].State)
			for _, p := range steps {
				require.NotEqual(t, tenants.StepDropDatabase, p.Step, "the deletion never started")
			}
		})
	}
}

// TestDeleteWithFinalKeepsBackup: the final backup is complete and
// verified, outlives its tenant in the catalog, restores into a new
// tenant, and goes with the cleanup only after keep_deleted.
func TestDeleteWithFinalKeepsBackup(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tn := f.tenant(t, "leaving", "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))", "INSERT INTO t SELECT seq, 'row' FROM seq_1_to_300")
	stays := f.tenant(t, "staying", "CREATE TABLE t (id INT PRIMARY KEY)")
	f.backup(t, tn, KindFull, "")
	staysFinal := f.backup(t, stays, KindFinal, "") // a final backup of a tenant that still exists
	want := f.checksums(t, tn.Database)

	var done []tenants.Step
	var between error // another session's try for the lock after the verify
	b, err := f.bs.DeleteWithFinal(ctx, tn, tenants.DeleteOptions{}, func(p tenants.Progress) {
		if p.State == tenants.StepDone {
			done = append(done, p.Step)
		}
		if p.Step == StepFinalVerify && p.State == tenants.StepDone {
			l, err := tenants.AcquireLock(ctx, f.ts.Central(), tn.ID)
			l.Release()
			between = err
		}
	})
	require.NoError(t, err)
	var locked *tenants.LockedError
	require.ErrorAs(t, between, &locked, "the lock is held from the backup to the deletion")
	require.Equal(t, []tenants.Step{StepFinalBackup, StepFinalVerify, tenants.StepLock, tenants.StepDropDatabase, tenants.StepDeleteRows}, done)
	_, err = f.ts.Get(ctx, tn.ID)
	require.ErrorIs(t, err, tenants.ErrNotFound)
	exists, err := tenants.DatabaseExists(ctx, f.env.Server, tn.Database)
	require.NoError(t, err)
	require.False(t, exists)

	// The catalog still lists it, complete and verified.
	list, err := f.bs.List(ctx, tn.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	final := list[0]
	if final.Kind != KindFinal {
		final = list[1]
	}
	require.Equal(t, b.ID, final.ID)
	require.Equal(t, StatusComplete, final.Status)
	require.NotNil(t, final.VerifiedAt)

	// It restores into a new tenant (`backup restore ID --into NEW`).
	fresh := f.tenant(t, "revived")
	_, err = f.bs.Restore(ctx, RestoreRequest{Backup: final, Target: fresh}, nil)
	require.NoError(t, err)
	require.Equal(t, want, f.checksums(t, fresh.Database))

	// The cleanup keeps it within keep_deleted; the deleted tenant's full
	// backup follows the policy as before (its newest is kept).
	policy := Policy{Last: 1}
	plan, err := f.bs.Cleanup(ctx, "", policy, false)
	require.NoError(t, err)
	require.True(t, kept(t, plan, final.ID))
	require.Contains(t, reasons(plan, final.ID), "kept until")
	require.True(t, kept(t, plan, staysFinal.ID))

	// Past keep_deleted it goes (file, row); the living tenant's stays.
	f.bs.cfg.KeepDeleted = 0
	plan, err = f.bs.Cleanup(ctx, "", policy, false)
	require.NoError(t, err)
	require.False(t, kept(t, plan, final.ID))
	require.True(t, kept(t, plan, staysFinal.ID))
	_, err = os.Stat(f.bs.Path(final))
	require.ErrorIs(t, err, os.ErrNotExist)
	list, err = f.bs.List(ctx, tn.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, KindFull, list[0].Kind)
}

// TestDeleteWithFinalNeedsAdmin: an operator may back up but not delete,
// so no final backup is made either.
func TestDeleteWithFinalNeedsAdmin(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "guarded", "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	ctx := access.WithPrincipal(context.Background(), access.Principal{User: "op", Role: access.Operator, Via: "ssh"})
	_, err := f.bs.DeleteWithFinal(ctx, tn, tenants.DeleteOptions{}, nil)
	require.ErrorIs(t, err, access.ErrDenied)
	f.requireTenantIntact(t, tn, 1)
	list, err := f.bs.List(context.Background(), tn.ID)
	require.NoError(t, err)
	require.Empty(t, list)
}

func TestPlanFinalBackupsOfDeletedTenants(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	backups := []Backup{
		{ID: 1, TenantID: "gone", Kind: KindFinal, Status: StatusComplete, StartedAt: now.Add(-31 * 24 * time.Hour)},
		{ID: 2, TenantID: "gone", Kind: KindFinal, Status: StatusComplete, StartedAt: now.Add(-29 * 24 * time.Hour)},
		{ID: 3, TenantID: "gone", Kind: KindFinal, Status: StatusFailed, StartedAt: now.Add(-time.Hour)},
		{ID: 4, TenantID: "here", Kind: KindFinal, Status: StatusComplete, StartedAt: now.Add(-400 * 24 * time.Hour)},
		{ID: 5, TenantID: "gone", Kind: KindOrphan, Status: StatusComplete, StartedAt: now.Add(-400 * 24 * time.Hour)},
		{ID: 6, TenantID: "gone", Kind: KindFinal, Status: StatusRunning, StartedAt: now.Add(-40 * 24 * time.Hour)},
	}
	gone := Departed{Exists: func(id string) bool { return id == "here" }, Keep: 30 * 24 * time.Hour, Now: now}
	plan, err := Plan(backups, Policy{Last: 1}, gone)
	require.NoError(t, err)
	require.Len(t, plan, len(backups))
	for id, keep := range map[int64]bool{1: false, 2: true, 3: false, 4: true, 5: true, 6: true} {
		require.Equal(t, keep, kept(t, plan, id), "backup %d: %v", id, reasons(plan, id))
	}
	// Without the registry's word every final backup stays.
	plan, err = Plan(backups, Policy{Last: 1}, Departed{})
	require.NoError(t, err)
	for _, d := range plan {
		require.True(t, d.Keep, d.Reasons)
	}
}

func kept(t *testing.T, plan []Decision, id int64) bool {
	t.Helper()
	for _, d := range plan {
		if d.Backup.ID == id {
			return d.Keep
		}
	}
	require.Failf(t, "not in the plan", "backup %d", id)
	return false
}

func reasons(plan []Decision, id int64) string {
	for _, d := range plan {
		if d.Backup.ID == id {
			return d.Reasons[0]
		}
	}
	return ""
}
