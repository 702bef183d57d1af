package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	humanize "github.com/dustin/go-humanize"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
)

// MoveOpName is the move operation's name in fleet runs (and the queue's
// kind of work for its items).
const MoveOpName = "move"

// describeTimeout bounds the queries of one dry-run line.
const describeTimeout = 30 * time.Second

// Register adds the move operation to ops, so that a process that
// resumes a move run (`tenancy runs resume`, the dashboard, a queue
// worker) can rebuild it from its recorded arguments.
func Register(ops *fleet.Operations) {
	ops.Register(MoveOpName, moveFactory)
}

// MoveOp moves each tenant of a run to a server (`tenancy tenants move
// --to S --all ...`, `tenants rebalance`): one Service.Move per item,
// recorded in tenancy_moves as a single move is. A tenant already on its
// target is done ("already on S"), so a resumed or retried run does not
// fail on the tenants it moved; a tenant with an unfinished move to the
// same target has it resumed. Besides the engine's limit per source
// server, each move takes a slot of its source and of its target (at
// most PerServer moves of the run touch one server at once).
type MoveOp struct {
	// To is the target of every tenant not in Targets.
	To string `json:"to,omitempty"`
	// Targets gives some tenants (by id) their own target (a rebalance).
	Targets    map[string]string `json:"targets,omitempty"`
	KeepSource time.Duration     `json:"keep_source_ns,omitempty"`
	// PerServer is the run's limit per server, applied to both ends of
	// each move (0: no limit of the operation's own).
	PerServer int `json:"per_server,omitempty"`
	// Timeout stops one tenant's move after this long (0: no limit); a
	// move stopped before its switch rolls back.
	Timeout time.Duration `json:"timeout_ns,omitempty"`
	// Scope names the run's slots (GET_LOCK names), recorded so that
	// every process working the run shares them.
	Scope string `json:"scope"`

	mu  sync.Mutex
	svc *Service
}

// NewMoveOp checks and returns a move operation to server to (or to the
// targets of the tenants in targets); keep 0 is DefaultKeepSource.
func NewMoveOp(to string, targets map[string]string, keep time.Duration, perServer int, timeout time.Duration) (*MoveOp, error) {
	o := &MoveOp{To: to, Targets: targets, KeepSource: keep, PerServer: perServer, Timeout: timeout, Scope: newScope()}
	return o, o.check()
}

func (o *MoveOp) check() error {
	switch {
	case o.To == "" && len(o.Targets) == 0:
		return errors.New("a move run needs a target server: give --to SERVER")
	case o.KeepSource < 0 || o.Timeout < 0:
		return fmt.Errorf("--keep-source %s and --timeout %s cannot be negative", o.KeepSource, o.Timeout)
	case o.PerServer < 0:
		return fmt.Errorf("--per-server %d cannot be negative", o.PerServer)
	}
	for id, to := range o.Targets {
		if to == "" {
			return fmt.Errorf("a move run names no target for tenant %s", id)
		}
	}
	return nil
}

func moveFactory(args json.RawMessage) (fleet.Operation, error) {
	var o MoveOp
	if err := json.Unmarshal(args, &o); err != nil {
		return nil, fmt.Errorf("move run's recorded arguments: %w", err)
	}
	if o.Scope == "" {
		o.Scope = newScope()
	}
	return &o, o.check()
}

// WithService makes the operation use svc (the CLI's, with its cache
// invalidator) instead of opening its own.
func (o *MoveOp) WithService(svc *Service) *MoveOp {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.svc = svc
	return o
}

// service opens the lifecycle service once per operation (a run's items
// share it), with OpenFromConfig.
func (o *MoveOp) service(ctx context.Context, ts *tenants.Service) (*Service, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.svc != nil {
		return o.svc, nil
	}
	svc, err := OpenFromConfig(ctx, ts)
	if err != nil {
		return nil, err
	}
	o.svc = svc
	return svc, nil
}

// OpenFromConfig opens the service with what the config gives: its own
// backup service, and a cache invalidator built from the config as the
// CLI builds its own (resolver.OpenInvalidator), with a client per
// invalidation, so that nothing is left open in a worker or a dashboard
// that keeps the service.
func OpenFromConfig(ctx context.Context, ts *tenants.Service) (*Service, error) {
	bs, err := backup.Open(ctx, ts)
	if err != nil {
		return nil, err
	}
	cfg := ts.Config()
	invalidate := func(ctx context.Context, domains []string) error {
		inv, closeClient, err := resolver.OpenInvalidator(cfg)
		if err != nil || inv == nil {
			return err
		}
		defer closeClient() //nolint:errcheck // a client that only sent two commands
		return inv.Invalidate(ctx, domains)
	}
	return Open(ctx, ts, bs, Options{Invalidate: invalidate})
}

// Name implements fleet.Operation.
func (o *MoveOp) Name() string { return MoveOpName }

// Args implements fleet.Operation.
func (o *MoveOp) Args() any { return o }

// target is where tenant t goes.
func (o *MoveOp) target(t tenants.Tenant) string {
	if to, ok := o.Targets[t.ID]; ok {
		return to
	}
	return o.To
}

// Describe implements fleet.Operation: the move's plan (size, expected
// time and freeze) or why it would be refused. Without a service (the
// operation rebuilt but never run) it names the ends only.
func (o *MoveOp) Describe(t tenants.Tenant) string {
	to := o.target(t)
	o.mu.Lock()
	svc := o.svc
	o.mu.Unlock()
	if svc == nil {
		return fmt.Sprintf("move %s from %s to %s", t.Database, t.Server, to)
	}
	ctx, cancel := context.WithTimeout(context.Background(), describeTimeout)
	defer cancel()
	m, err := activeMove(ctx, svc.tenants.Central(), t.ID)
	switch {
	case err != nil:
		return "unknown: " + err.Error()
	case m != nil && m.To == to:
		return fmt.Sprintf("resume its unfinished move from %s to %s (phase %s)", m.From, m.To, m.Phase)
	case m == nil && t.Server == to:
		return "nothing: already on " + to
	}
	p, err := svc.Plan(ctx, t, to)
	if err != nil {
		return "unknown: " + err.Error()
	}
	if len(p.Problems) > 0 {
		return "refused: " + strings.Join(p.Problems, "; ")
	}
	return fmt.Sprintf("move %s (%d tables) %s -> %s: ~%s in all, writes frozen ~%s", humanize.IBytes(uint64(max(p.Bytes, 0))), p.Tables,
		p.From, p.To, p.Copy.Round(100*time.Millisecond), p.Freeze.Round(100*time.Millisecond))
}

// Do implements fleet.Operation: it moves one tenant (under the lock the
// run holds) once it holds a slot of both servers.
func (o *MoveOp) Do(ctx context.Context, env fleet.Env, t tenants.Tenant) (fleet.Result, error) {
	svc, err := o.service(ctx, env.Tenants)
	if err != nil {
		return fleet.Result{}, err
	}
	to := o.target(t) // t is as the registry has it now: the engine reads it under the lock
	m, err := activeMove(ctx, svc.tenants.Central(), t.ID)
	switch {
	case err != nil:
		return fleet.Result{}, err
	case m != nil && m.To != to:
		return fleet.Result{}, fmt.Errorf("tenant %s has an unfinished move to %s (phase %s): resume it with `tenancy tenants move %s --resume` or roll it back with --abort, then retry", t.ID, m.To, m.Phase, t.ID)
	case m == nil && t.Server == to:
		return fleet.Result{Summary: "already on " + to}, nil
	}
	from := t.Server
	if m != nil {
		from = m.From
	}
	if err := reachable(ctx, env, from); err != nil {
		return fleet.Result{}, err
	}
	if err := reachable(ctx, env, to); err != nil {
		var down *fleet.ServerDownError
		if len(o.Targets) > 0 && errors.As(err, &down) {
			// Only this target is down: the source's other items may go elsewhere.
			return fleet.Result{}, fmt.Errorf("target %s", down.Error())
		}
		return fleet.Result{}, err
	}
	if m == nil {
		p, err := svc.Plan(ctx, t, to)
		if err != nil {
			return fleet.Result{}, err
		}
		if len(p.Problems) > 0 {
			return fleet.Result{}, fmt.Errorf("not moved to %s: %s", to, strings.Join(p.Problems, "; "))
		}
	}
	pool := slots{central: svc.tenants.Central(), scope: o.Scope, per: o.PerServer}
	held, waited, err := pool.take(ctx, from, to)
	if err != nil {
		return fleet.Result{}, err
	}
	defer held.release()
	mctx := ctx
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		mctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	mv, err := svc.Move(mctx, MoveRequest{Tenant: t, To: to, KeepSource: o.KeepSource}, nil)
	if err != nil {
		return fleet.Result{}, err
	}
	return fleet.Result{Summary: moveSummary(mv, m != nil, waited)}, nil
}

// reachable checks an end of a move: a server that does not answer fails
// the item as the engine expects (it fails the source's other items at
// once: with one target for the run, they would all fail on it).
func reachable(ctx context.Context, env fleet.Env, server string) error {
	if _, ok := env.Tenants.Config().Server(server); !ok {
		return nil // Plan says so, with the servers that are known
	}
	db, err := env.Servers.DB(ctx, server)
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil && ctx.Err() == nil {
		return &fleet.ServerDownError{Server: server, Err: err}
	}
	return ctx.Err()
}

// moveSummary is a finished move's item result: what was copied, how
// long writes were frozen, how long it waited for a slot.
func moveSummary(m Move, resumed bool, waited time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "moved %s -> %s (move %d", m.From, m.To, m.ID)
	if resumed {
		b.WriteString(", resumed")
	}
	fmt.Fprintf(&b, "): %s copied in %s, writes frozen %s", humanize.IBytes(uint64(max(m.Bytes, 0))),
		time.Duration(m.CopyMS)*time.Millisecond, time.Duration(m.FreezeMS)*time.Millisecond)
	if waited >= time.Second {
		fmt.Fprintf(&b, "; waited %s for a slot", waited.Round(100*time.Millisecond))
	}
	if m.KeepUntil != nil {
		fmt.Fprintf(&b, "; source kept until %s", m.KeepUntil.UTC().Format(time.DateTime+" UTC"))
	}
	return b.String()
}
