package access

// Action names one kind of change, as audited ("tenant.delete").
type Action string

// The actions services check, with the least role each needs (Needs).
const (
	TenantCreate       Action = "tenant.create"
	TenantDelete       Action = "tenant.delete"
	TenantStatus       Action = "tenant.status"
	TenantDomainAdd    Action = "tenant.domain.add"
	TenantDomainRemove Action = "tenant.domain.remove"
	TenantEdit         Action = "tenant.edit"
	TenantMaintenance  Action = "tenant.maintenance"

	BackupCreate Action = "backup.create"
	// BackupRestore restores over an existing tenant's database.
	BackupRestore Action = "backup.restore"
	// BackupRestoreNew restores into a new database (nothing is replaced).
	BackupRestoreNew Action = "backup.restore.new"
	// BackupDelete deletes one backup; BackupCleanup applies the retention
	// policy an admin configured (its deletions are its part: Within).
	BackupDelete  Action = "backup.delete"
	BackupCleanup Action = "backup.cleanup"

	// RunStart starts a fleet run of a known operation (migrate, seed,
	// backup, repair); RunStartSQL one that executes arbitrary SQL or
	// commands on every tenant, which can drop anything.
	RunStart    Action = "run.start"
	RunStartSQL Action = "run.start.sql"
	RunCancel   Action = "run.cancel"

	DoctorFix Action = "doctor.fix"
	// DoctorFixDestructive drops or deletes (orphan databases, users).
	DoctorFixDestructive Action = "doctor.fix.destructive"

	// TenantMove copies a tenant to another server and switches it there
	// (its source is kept read-only); TenantMoveCleanup drops the sources
	// whose keep time is up.
	TenantMove        Action = "tenant.move"
	TenantMoveCleanup Action = "tenant.move.cleanup"

	// The work queue's tasks and queues: retry, archive, pause and resume
	// change when work runs; deleting a task removes it for good.
	QueueTaskRetry   Action = "queue.task.retry"
	QueueTaskArchive Action = "queue.task.archive"
	QueueTaskDelete  Action = "queue.task.delete"
	QueuePause       Action = "queue.pause"
	QueueResume      Action = "queue.resume"
)

var needs = map[Action]Role{
	TenantCreate: Operator, TenantDelete: Admin, TenantStatus: Operator,
	TenantDomainAdd: Operator, TenantDomainRemove: Operator,
	TenantEdit: Operator, TenantMaintenance: Operator,
	BackupCreate: Operator, BackupRestore: Admin, BackupRestoreNew: Operator,
	BackupDelete: Admin, BackupCleanup: Operator,
	RunStart: Operator, RunStartSQL: Admin, RunCancel: Operator,
	DoctorFix: Operator, DoctorFixDestructive: Admin,
	TenantMove: Operator, TenantMoveCleanup: Admin,
	QueueTaskRetry: Operator, QueueTaskArchive: Operator, QueueTaskDelete: Admin,
	QueuePause: Operator, QueueResume: Operator,
}

// Needs is the least role that may perform a; an action not listed
// needs Admin (a new action is closed until someone opens it).
func (a Action) Needs() Role {
	if r, ok := needs[a]; ok {
		return r
	}
	return Admin
}

// Actions lists every known action (for help and tests).
func Actions() []Action {
	out := make([]Action, 0, len(needs))
	for a := range needs {
		out = append(out, a)
	}
	return out
}
