package fleet

import (
	"context"
	"fmt"
	"os"
	"os/user"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/tenants"
)

// Service creates, works, resumes and cancels runs. One per process (or
// per SSH session); it holds no state between calls besides its handles.
type Service struct {
	tenants *tenants.Service
	ops     *Operations
	store   *store
	host    string
	pid     int
	user    string
	// executor, when set, takes runs' items (the queue); opCache keeps
	// the operations WorkItem rebuilt.
	executor Executor
	opCache  opCache
}

// Open creates the runs tables if they are absent (unless read-only) and
// returns the service. ops rebuilds recorded runs (DefaultOperations).
func Open(ctx context.Context, ts *tenants.Service, ops *Operations) (*Service, error) {
	if !ts.ReadOnly() {
		if _, err := Init(ctx, ts.Central()); err != nil {
			return nil, err
		}
	}
	host, _ := os.Hostname()
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	return &Service{tenants: ts, ops: ops, store: &store{db: ts.Central()}, host: host, pid: os.Getpid(), user: who + "@" + host}, nil
}

// env is what the service's operations get.
func (s *Service) env() Env { return Env{Servers: s.tenants.Servers(), Tenants: s.tenants} }

// Operations returns the operations the service can rebuild.
func (s *Service) Operations() *Operations { return s.ops }

// CreateRequest is a run to record.
type CreateRequest struct {
	Operation Operation
	Selection Selection
	Limits    Limits
}

// PlanItem is what a dry run shows for one tenant.
type PlanItem struct {
	Position int            `json:"position"`
	Tenant   tenants.Tenant `json:"tenant"`
	Action   string         `json:"action"`
}

// Plan is a run that would be created: its items and how many per server.
type Plan struct {
	Operation string         `json:"operation"`
	Selection Selection      `json:"selection"`
	Limits    Limits         `json:"limits"`
	Items     []PlanItem     `json:"items"`
	PerServer map[string]int `json:"per_server"`
}

// Plan resolves the request's selection and says what each item would
// do, changing nothing: the dry run. Nothing is recorded.
func (s *Service) Plan(ctx context.Context, req CreateRequest) (Plan, error) {
	list, err := s.resolve(ctx, req.Selection)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Operation: req.Operation.Name(), Selection: req.Selection, Limits: req.Limits.WithDefaults(), PerServer: map[string]int{}}
	for i, t := range list {
		p.Items = append(p.Items, PlanItem{Position: i, Tenant: t, Action: req.Operation.Describe(t)})
		p.PerServer[t.Server]++
	}
	return p, nil
}

// startAction is what starting a run of op needs: arbitrary SQL or
// commands on every tenant can drop anything.
func startAction(op Operation) access.Action {
	if n := op.Name(); n == SQLName || n == ExecName {
		return access.RunStartSQL
	}
	return access.RunStart
}

// Create resolves the selection and records the run and its items,
// pending; Work then works it.
func (s *Service) Create(ctx context.Context, req CreateRequest) (_ Run, err error) {
	if err := access.Require(ctx, startAction(req.Operation), req.Operation.Name()); err != nil {
		return Run{}, err
	}
	defer access.Done(ctx, startAction(req.Operation), req.Operation.Name(), &err)
	if s.tenants.ReadOnly() {
		return Run{}, tenants.ErrReadOnly
	}
	if req.Limits.Canary < 0 || req.Limits.Parallel < 0 || req.Limits.PerServer < 0 {
		return Run{}, fmt.Errorf("--parallel, --per-server and --canary cannot be negative")
	}
	list, err := s.resolve(ctx, req.Selection)
	if err != nil {
		return Run{}, err
	}
	return s.createFor(ctx, req, list)
}

// Get returns a run.
func (s *Service) Get(ctx context.Context, id int64) (Run, error) { return s.store.get(ctx, id) }

// List returns the latest runs, newest first.
func (s *Service) List(ctx context.Context, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = 50
	}
	return s.store.list(ctx, limit)
}

// Items returns a run's items in order.
func (s *Service) Items(ctx context.Context, id int64) ([]Item, error) {
	if _, err := s.store.get(ctx, id); err != nil {
		return nil, err
	}
	return s.store.items(ctx, id)
}

// Counts returns how many of a run's items are in each state now.
func (s *Service) Counts(ctx context.Context, id int64) (map[ItemState]int, error) {
	return s.store.counts(ctx, id)
}

// Alive reports whether a process is working the run right now (its run
// lock is held).
// A queued run is in its workers' hands until it ends.
func (s *Service) Alive(ctx context.Context, id int64) (bool, error) {
	held, err := runLockHeld(ctx, s.store.db, id)
	if err != nil || held {
		return held, err
	}
	run, err := s.store.get(ctx, id)
	return run.Queued() && run.State == RunRunning, err
}
