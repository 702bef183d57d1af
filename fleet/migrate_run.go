package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/tenants"
)

// MigrateCheck is the batch read a migrate run starts from: where each
// selected tenant stands, and which of them have work.
type MigrateCheck struct {
	Status MigrateStatus    `json:"status"`
	Work   []tenants.Tenant `json:"-"`
	// Selected is how many tenants the selection held, NothingToDo how
	// many of them the run leaves out.
	Selected    int `json:"selected"`
	NothingToDo int `json:"nothing_to_do"`
}

// checkMigrate resolves the selection and reads every tenant's versions
// in batch (one connection per server), so that a run over a mostly
// current fleet holds items only for the tenants with work.
func (s *Service) checkMigrate(ctx context.Context, req CreateRequest) (*Migrate, MigrateCheck, error) {
	op, ok := req.Operation.(*Migrate)
	if !ok {
		return nil, MigrateCheck{}, fmt.Errorf("a migrate run needs a *fleet.Migrate operation, not %T", req.Operation)
	}
	list, err := s.resolve(ctx, req.Selection)
	if err != nil {
		return nil, MigrateCheck{}, err
	}
	st := migrateStatus(ctx, newBatchReader(s.tenants.Servers()), list, op.Migrations)
	c := MigrateCheck{Status: st, Selected: len(list)}
	op.status = make(map[string]TenantVersion, len(list))
	for i, v := range st.Tenants {
		op.status[v.Tenant.ID] = v
		if op.hasWork(v) {
			c.Work = append(c.Work, list[i])
		}
	}
	c.NothingToDo = len(list) - len(c.Work)
	op.Selected, op.NothingToDo = c.Selected, c.NothingToDo
	return op, c, nil
}

// PlanMigrate is the dry run of a migrate run: what each tenant with work
// would get (from the batch read), and the check it came from.
func (s *Service) PlanMigrate(ctx context.Context, req CreateRequest) (Plan, MigrateCheck, error) {
	op, c, err := s.checkMigrate(ctx, req)
	if err != nil {
		return Plan{}, c, err
	}
	p := Plan{Operation: op.Name(), Selection: req.Selection, Limits: req.Limits.WithDefaults(), PerServer: map[string]int{}}
	for i, t := range c.Work {
		p.Items = append(p.Items, PlanItem{Position: i, Tenant: t, Action: op.Describe(t)})
		p.PerServer[t.Server]++
	}
	return p, c, nil
}

// CreateMigrate records a migrate run over the selected tenants that have
// work; the others are counted in the run's arguments (nothing_to_do).
// When no tenant has work, no run is recorded and the Run is zero.
func (s *Service) CreateMigrate(ctx context.Context, req CreateRequest) (_ Run, _ MigrateCheck, err error) {
	if err := access.Require(ctx, access.RunStart, MigrateName); err != nil {
		return Run{}, MigrateCheck{}, err
	}
	defer access.Done(ctx, access.RunStart, MigrateName, &err)
	if s.tenants.ReadOnly() {
		return Run{}, MigrateCheck{}, tenants.ErrReadOnly
	}
	_, c, err := s.checkMigrate(ctx, req)
	if err != nil || len(c.Work) == 0 {
		return Run{}, c, err
	}
	run, err := s.createFor(ctx, req, c.Work)
	return run, c, err
}

// createFor records a run over list, which the caller resolved (Create)
// or resolved and filtered (CreateMigrate).
func (s *Service) createFor(ctx context.Context, req CreateRequest, list []tenants.Tenant) (Run, error) {
	if req.Limits.Canary < 0 || req.Limits.Parallel < 0 || req.Limits.PerServer < 0 {
		return Run{}, fmt.Errorf("--parallel, --per-server and --canary cannot be negative")
	}
	args, err := json.Marshal(req.Operation.Args())
	if err != nil {
		return Run{}, fmt.Errorf("record the %s arguments: %w", req.Operation.Name(), err)
	}
	sel, err := json.Marshal(req.Selection)
	if err != nil {
		return Run{}, err
	}
	l := req.Limits.WithDefaults()
	r := Run{
		Operation: req.Operation.Name(), Args: string(args), Selection: string(sel), State: RunPending,
		Parallel: l.Parallel, PerServer: l.PerServer, Canary: l.Canary, CanaryPending: l.Canary > 0,
		MaxFailures: l.MaxFailures.String(), StartedBy: s.user, Host: s.host, PID: s.pid,
		Total: len(list), CreatedAt: time.Now().UTC(),
	}
	id, err := s.store.create(ctx, r, list)
	if err != nil {
		return Run{}, err
	}
	return s.store.get(ctx, id)
}
