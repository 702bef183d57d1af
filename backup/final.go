package backup

import (
	"context"
	"fmt"

	"github.com/dustin/go-humanize"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/tenants"
)

// Steps a deletion with a final backup adds before the service's own.
const (
	StepFinalBackup tenants.Step = "final backup"
	StepFinalVerify tenants.Step = "verify backup"
)

// DeleteWithFinal deletes a tenant after a complete, verified backup of
// kind final: if the backup or its verification fails, nothing is
// deleted and the error says so. The final backup outlives the tenant
// for [backup] keep_deleted (see Plan). The CLI's `tenants delete
// --backup` and the dashboard's delete dialog both come here; report
// gets the backup's progress as steps, then the deletion's.
//
// The tenant's lock is held from the backup to the deletion, so no other
// tenancy process (a restore, a fleet run) changes the tenant in between;
// the application's own writes are not locked out: put the tenant down
// first for that.
func (s *Service) DeleteWithFinal(ctx context.Context, t tenants.Tenant, opts tenants.DeleteOptions, report func(tenants.Progress)) (Backup, error) {
	// Refused before anything is written: an operator may back up but not delete.
	if err := access.Require(ctx, access.TenantDelete, t.ID); err != nil {
		return Backup{}, err
	}
	lock, err := tenants.AcquireLock(ctx, s.tenants.Central(), t.ID)
	if err != nil {
		return Backup{}, err
	}
	defer lock.Release()
	ctx = tenants.WithHeldLock(ctx, lock)
	send := func(step tenants.Step, state tenants.StepState, msg string) {
		if report != nil {
			report(tenants.Progress{Step: step, State: state, Message: msg})
		}
	}
	fail := func(step tenants.Step, err error) (Backup, error) {
		send(step, tenants.StepFailed, err.Error())
		return Backup{}, fmt.Errorf("final backup of tenant %s failed, so nothing was deleted (fix it and delete again, or delete without the backup): %w", t.ID, err)
	}
	send(StepFinalBackup, tenants.StepStarted, "back up database "+t.Database+" on "+t.Server)
	b, err := s.Create(access.Within(ctx, access.BackupCreate), CreateRequest{Tenant: t, Kind: KindFinal}, func(p Progress) {
		send(StepFinalBackup, tenants.StepStarted, finalProgress(p))
	})
	if err != nil {
		return fail(StepFinalBackup, err)
	}
	send(StepFinalBackup, tenants.StepDone, s.Path(b))
	send(StepFinalVerify, tenants.StepStarted, "re-read "+s.Path(b))
	if _, err := s.Verify(ctx, b); err != nil {
		return fail(StepFinalVerify, err)
	}
	send(StepFinalVerify, tenants.StepDone, "")
	if err := s.tenants.Delete(ctx, t, opts, report); err != nil {
		return b, fmt.Errorf("%w (its final backup %d is kept: %s)", err, b.ID, s.Path(b))
	}
	return b, nil
}

// finalProgress is one line of a final backup's progress.
func finalProgress(p Progress) string {
	line := "final backup: " + p.Step
	if p.Table != "" {
		line += " " + p.Table
	}
	if p.Done > 0 || p.Total > 0 {
		line += fmt.Sprintf(", %s of ~%s rows", humanize.Comma(p.Done), humanize.Comma(p.Total))
	}
	if p.Written > 0 {
		line += ", " + humanize.IBytes(uint64(p.Written)) + " written"
	}
	return line
}
