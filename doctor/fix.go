package doctor

import (
	"context"
	"fmt"
	"sort"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/tenants"
)

// action is how a finding's fix is applied.
type action struct {
	kind                   string
	server, database, user string
	host                   string
	backupID               int64
	// row is a domains row (kept and renamed to domain, or deleted);
	// dropRows are the rows a case duplicate's fix deletes.
	row      int64
	domain   string
	dropRows []int64
	status   string
}

// Action kinds: per-tenant ones run as fleet runs, the others directly.
const (
	actCreateDatabase  = "create-database"
	actMigrate         = "migrate"
	actRecreateUser    = "recreate-user"
	actFailBackup      = "fail-backup"
	actDropDatabase    = "drop-database"
	actDropUser        = "drop-user"
	actDeleteBackupRow = "delete-backup-row"
	actClearCache      = "clear-cache"
	actSetStatus       = "set-status"
	actNormalizeDomain = "normalize-domain"
	actDeleteDomain    = "delete-domain"
)

var runOps = map[string]string{actCreateDatabase: OpCreateDatabase, actMigrate: OpMigrate, actRecreateUser: OpRecreateUser}

// PlannedRun is a fleet run a fix would start.
type PlannedRun struct {
	Operation string   `json:"operation"`
	Tenants   []string `json:"tenants"`
}

// Plan is what --fix would do with a report.
type Plan struct {
	Runs []PlannedRun `json:"runs"`
	// Direct are safe fixes applied one by one (catalog rows).
	Direct []Finding `json:"direct"`
	// Destructive need AllowDrop and a confirmation.
	Destructive []Finding `json:"destructive"`
	// RestoreMissing lists tenants whose newest complete backup is
	// restored after their database is created (--restore-missing).
	RestoreMissing []string `json:"restore_missing,omitempty"`
}

// Empty reports whether the plan does nothing.
func (p Plan) Empty() bool {
	return len(p.Runs) == 0 && len(p.Direct) == 0 && len(p.Destructive) == 0
}

// PlanFixes says what fixing the report's findings would do.
func PlanFixes(rep Report, restoreMissing bool) Plan {
	p := Plan{Runs: []PlannedRun{}, Direct: []Finding{}, Destructive: []Finding{}}
	byOp := map[string][]string{}
	seen := map[string]bool{}
	creating := map[string]bool{}
	for _, f := range rep.Findings {
		if f.action.kind == actCreateDatabase {
			creating[f.Tenant] = true
		}
	}
	for _, f := range rep.Findings {
		switch {
		case f.FixKind == FixDestructive:
			p.Destructive = append(p.Destructive, f)
		case f.FixKind != FixSafe:
		case runOps[f.action.kind] != "":
			if f.action.kind == actMigrate && creating[f.Tenant] {
				continue // creating the database migrates it
			}
			op := runOps[f.action.kind]
			if seen[op+"\x00"+f.Tenant] {
				continue
			}
			seen[op+"\x00"+f.Tenant] = true
			byOp[op] = append(byOp[op], f.Tenant)
			if f.action.kind == actCreateDatabase && restoreMissing {
				p.RestoreMissing = append(p.RestoreMissing, f.Tenant)
			}
		default:
			p.Direct = append(p.Direct, f)
		}
	}
	// Databases first: a user's grants and migrations need them.
	for _, op := range []string{OpCreateDatabase, OpMigrate, OpRecreateUser} {
		if ids := byOp[op]; len(ids) > 0 {
			p.Runs = append(p.Runs, PlannedRun{Operation: op, Tenants: ids})
		}
	}
	return p
}

// FixOptions say how fixes are applied.
type FixOptions struct {
	// AllowDrop applies the destructive fixes too (the caller has asked
	// for confirmation).
	AllowDrop bool
	Limits    fleet.Limits
	// Report receives each run's progress.
	Report func(fleet.Progress)
	// Started is told each run's id before it is worked.
	Started func(fleet.Run)
}

// Applied is one fix's outcome.
type Applied struct {
	Finding Finding `json:"finding"`
	Done    bool    `json:"done"`
	Error   string  `json:"error,omitempty"`
	// Backup is the backup made before a drop.
	Backup *backup.Backup `json:"backup,omitempty"`
}

// FixResult is what Fix did.
type FixResult struct {
	Runs    []fleet.Run `json:"runs"`
	Applied []Applied   `json:"applied"`
	Failed  int         `json:"failed"`
}

// Fix applies a plan: the runs (each worked to its end), then the direct
// fixes, then, with AllowDrop, the destructive ones (each database backed
// up first; no backup, no drop).
func (s *Service) Fix(ctx context.Context, p Plan, opts FixOptions) (_ FixResult, err error) {
	action := access.DoctorFix
	if opts.AllowDrop {
		action = access.DoctorFixDestructive
	}
	if err := access.Require(ctx, action); err != nil {
		return FixResult{}, err
	}
	defer access.Done(ctx, action, "fleet", &err)
	// The fixes' runs are the fix's parts, whatever their operation.
	ctx = access.Within(access.Within(ctx, access.RunStart), access.RunStartSQL)
	res := FixResult{Runs: []fleet.Run{}, Applied: []Applied{}}
	if s.ts.ReadOnly() {
		return res, tenants.ErrReadOnly
	}
	if len(p.Runs) > 0 {
		fs, err := fleet.Open(ctx, s.ts, Operations(s.ts.Config()))
		if err != nil {
			return res, err
		}
		for _, pr := range p.Runs {
			run, err := s.work(ctx, fs, pr, opts)
			if run.ID != 0 {
				res.Runs = append(res.Runs, run)
				res.Failed += run.Failed + run.Cancelled + run.Skipped
			}
			if err != nil {
				return res, err
			}
		}
	}
	for _, id := range p.RestoreMissing {
		a := s.restoreNewest(ctx, id)
		res.add(a)
	}
	for _, f := range p.Direct {
		res.add(s.applyDirect(ctx, f))
	}
	if opts.AllowDrop && len(p.Destructive) > 0 {
		for _, f := range p.Destructive {
			res.add(s.applyDestructive(ctx, f))
		}
	}
	return res, nil
}

func (r *FixResult) add(a Applied) {
	r.Applied = append(r.Applied, a)
	if !a.Done {
		r.Failed++
	}
}

func (s *Service) work(ctx context.Context, fs *fleet.Service, pr PlannedRun, opts FixOptions) (fleet.Run, error) {
	op, err := fs.Operations().Build(pr.Operation, []byte("{}"))
	if err != nil {
		return fleet.Run{}, err
	}
	run, err := fs.Create(ctx, fleet.CreateRequest{Operation: op, Selection: fleet.Selection{Refs: pr.Tenants}, Limits: opts.Limits})
	if err != nil {
		return run, fmt.Errorf("start the %s run: %w", pr.Operation, err)
	}
	if opts.Started != nil {
		opts.Started(run)
	}
	return fs.Work(ctx, run.ID, fleet.WorkOptions{Report: opts.Report})
}

// restoreNewest restores a tenant's newest complete backup into its
// (just created) database.
func (s *Service) restoreNewest(ctx context.Context, id string) Applied {
	a := Applied{Finding: Finding{Check: "database-missing", Tenant: id, Fix: "restore the newest complete backup"}}
	if s.bs == nil {
		a.Error = "the backup service is not open"
		return a
	}
	t, err := s.ts.Find(ctx, id)
	if err != nil {
		a.Error = err.Error()
		return a
	}
	a.Finding.TenantName, a.Finding.Server, a.Finding.Object = t.Name, t.Server, t.Database
	list, err := s.bs.List(ctx, id)
	if err != nil {
		a.Error = err.Error()
		return a
	}
	var newest *backup.Backup
	for i := range list {
		b := &list[i]
		if b.Status == backup.StatusComplete && b.Kind == backup.KindFull && (newest == nil || b.StartedAt.After(newest.StartedAt)) {
			newest = b
		}
	}
	if newest == nil {
		a.Error = "no complete full backup to restore: the database was created and migrated empty"
		return a
	}
	if _, err := s.bs.Restore(ctx, backup.RestoreRequest{Backup: *newest, Target: t}, nil); err != nil {
		a.Error = err.Error()
		return a
	}
	a.Done, a.Backup = true, newest
	return a
}

// SortFindings orders findings by check group order, then severity (worst
// first), then tenant and object, so reports are stable.
func SortFindings(list []Finding) {
	order := map[string]int{}
	for i, n := range CheckNames() {
		order[n] = i
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if order[a.Check] != order[b.Check] {
			return order[a.Check] < order[b.Check]
		}
		if a.Severity.rank() != b.Severity.rank() {
			return a.Severity.rank() > b.Severity.rank()
		}
		if a.TenantName != b.TenantName {
			return a.TenantName < b.TenantName
		}
		return a.Object < b.Object
	})
}
