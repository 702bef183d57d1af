package perf

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/tenancy-dev/tenancy/tenants"
)

// Phase is a stage of a run.
type Phase string

// Phases in order.
const (
	PhasePrepare Phase = "prepare"
	PhaseWarmup  Phase = "warmup"
	PhaseRun     Phase = "run"
	PhaseVerify  Phase = "verify"
	PhaseCleanup Phase = "cleanup"
)

// Progress is what a run reports while it goes: a phase with a count of
// tenants done, or (during warm-up and the run) an interval Snapshot.
type Progress struct {
	Phase       Phase
	Done, Total int
	Snapshot    *Snapshot
}

// Runner runs load tests on the tenants of a service.
type Runner struct {
	svc *tenants.Service
	// afterLoad, when set (by tests), runs between the load and the
	// isolation check: the seam to inject a cross-tenant write.
	afterLoad func(ctx context.Context, tables map[string]*target) error
}

// NewRunner returns a runner on svc.
func NewRunner(svc *tenants.Service) *Runner { return &Runner{svc: svc} }

// prepareParallelism bounds how many tenants' tables are made or dropped at once.
const prepareParallelism = 8

// cleanupTimeout bounds the isolation check and the cleanup, which run on
// a context detached from the caller's so a cancelled run still does them.
const cleanupTimeout = 2 * time.Minute

// Run loads the tenants as opts say, verifies isolation, drops the work
// tables (unless Keep) and returns the report. Cancelling ctx stops the
// load early; the check, the cleanup and the report still happen and the
// report says Cancelled.
func (r *Runner) Run(ctx context.Context, list []tenants.Tenant, opts Options, report func(Progress)) (*Report, error) {
	if r.svc.ReadOnly() {
		return nil, fmt.Errorf("load test: %w", tenants.ErrReadOnly)
	}
	if err := opts.normalize(); err != nil {
		return nil, fmt.Errorf("load test: %w", err)
	}
	list = distinct(list)
	if len(list) == 0 {
		return nil, fmt.Errorf("load test: no tenants selected")
	}
	if report == nil {
		report = func(Progress) {}
	}
	ru := &run{id: uuid.NewString(), opts: opts, report: report, started: time.Now()}
	defer ru.close()
	detached, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	for i, t := range list {
		if err := ru.open(r.svc.Servers(), i, t); err != nil {
			return nil, err
		}
	}
	cleanup := func() []string { return ru.cleanup(detached) }
	if err := ru.prepare(ctx); err != nil {
		if errs := cleanup(); len(errs) > 0 {
			err = fmt.Errorf("%w (and cleaning up: %s)", err, errs[0])
		}
		return nil, err
	}
	ru.load(ctx)
	if r.afterLoad != nil {
		if err := r.afterLoad(detached, ru.byTenant()); err != nil {
			cleanup()
			return nil, err
		}
	}
	report(Progress{Phase: PhaseVerify})
	iso := verifyIsolation(detached, r.svc.Servers(), ru, list)
	rep := ru.buildReport(iso)
	if opts.Keep {
		rep.Cleanup = "kept"
	} else {
		rep.CleanupErrors = cleanup()
		rep.Cleanup = "dropped"
	}
	rep.Finished = time.Now()
	return rep, nil
}

func distinct(list []tenants.Tenant) []tenants.Tenant {
	seen := map[string]bool{}
	out := list[:0:0]
	for _, t := range list {
		if !seen[t.ID] {
			seen[t.ID] = true
			out = append(out, t)
		}
	}
	return out
}

// run is one load test in progress.
type run struct {
	id      string
	opts    Options
	report  func(Progress)
	targets []*target
	tenants []tenants.Tenant

	started, measureFrom, ended time.Time
	pace                        *pacer
	claimed                     atomic.Int64
	lastTick                    time.Time
	total                       *acc
	scratch                     *acc
	cancelled                   bool
}

func (ru *run) open(servers *tenants.Servers, i int, t tenants.Tenant) error {
	db, err := openPool(servers, t, ru.opts.MaxOpenConns, ru.opts.OpTimeout)
	if err != nil {
		return err
	}
	tg := &target{index: i, name: t.Name, marker: t.ID, runID: ru.id, db: db, interval: newAcc(), total: newAcc()}
	for n := range ru.opts.Users {
		tg.users = append(tg.users, newUser(n, tg, uint64(i)<<32|uint64(time.Now().UnixNano()&0xffffffff), ru.opts.PayloadBytes))
	}
	ru.targets = append(ru.targets, tg)
	ru.tenants = append(ru.tenants, t)
	return nil
}

func (ru *run) close() {
	for _, t := range ru.targets {
		for _, u := range t.users {
			u.detach()
		}
		t.stmts.close()
		t.db.Close()
	}
}

func (ru *run) byTenant() map[string]*target {
	m := make(map[string]*target, len(ru.targets))
	for _, t := range ru.targets {
		m[t.marker] = t
	}
	return m
}

// forEach runs fn for every tenant, a few at a time, reporting progress.
func (ru *run) forEach(ctx context.Context, phase Phase, fn func(context.Context, *target) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(prepareParallelism)
	var mu sync.Mutex
	done := 0
	ru.report(Progress{Phase: phase, Total: len(ru.targets)})
	for _, t := range ru.targets {
		g.Go(func() error {
			if err := fn(gctx, t); err != nil {
				return fmt.Errorf("tenant %s: %w", t.name, err)
			}
			mu.Lock()
			done++
			ru.report(Progress{Phase: phase, Done: done, Total: len(ru.targets)})
			mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

func (ru *run) prepare(ctx context.Context) error {
	return ru.forEach(ctx, PhasePrepare, func(ctx context.Context, t *target) error {
		if err := prepareTable(ctx, t.db, t.marker, t.runID, ru.opts.SeedRows, ru.opts.PayloadBytes); err != nil {
			return err
		}
		var top int64
		if err := t.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM "+table).Scan(&top); err != nil {
			return fmt.Errorf("read %s: %w", Table, err)
		}
		t.maxID.Store(top)
		t.seeded = int64(ru.opts.SeedRows)
		if ru.opts.MaxOpenConns >= ru.opts.Users {
			for _, u := range t.users {
				u.dedicated = true
				if err := u.attach(ctx); err != nil {
					return fmt.Errorf("user %d: %w%s", u.no, err, tooManyHint(err))
				}
			}
			return nil
		}
		return t.stmts.prepare(ctx, t.db)
	})
}

// cleanup drops every work table, collecting (not stopping at) failures.
func (ru *run) cleanup(ctx context.Context) []string {
	var mu sync.Mutex
	var errs []string
	_ = ru.forEach(ctx, PhaseCleanup, func(ctx context.Context, t *target) error {
		if err := dropTable(ctx, t.db); err != nil {
			mu.Lock()
			errs = append(errs, fmt.Sprintf("tenant %s: %v", t.name, err))
			mu.Unlock()
		}
		return nil
	})
	return errs
}

// tooManyHint says what to do when the server runs out of connections.
func tooManyHint(err error) string {
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1040 {
		return " (every user holds a connection: use fewer users or tenants, or set perf.max_open_conns to share a smaller pool)"
	}
	return ""
}

// claim takes one measured operation from the --ops budget.
func (ru *run) claim() bool {
	if ru.opts.Ops == 0 {
		return true
	}
	n := ru.claimed.Add(1)
	if n >= ru.opts.Ops {
		ru.pace.halt()
	}
	return n <= ru.opts.Ops
}

// load runs the users and reports snapshots until the duration is over,
// the operation budget is spent or ctx is cancelled.
func (ru *run) load(ctx context.Context) {
	now := time.Now()
	ru.measureFrom = now.Add(ru.opts.Warmup)
	ru.lastTick = now
	ru.pace = newPacer(now, ru.opts.Rate)
	ru.total, ru.scratch = newAcc(), newAcc()
	conns := 0
	for _, t := range ru.targets {
		conns += min(len(t.users), ru.opts.MaxOpenConns)
	}
	defer holdProcs(conns)()
	var wg sync.WaitGroup
	for _, t := range ru.targets {
		for _, u := range t.users {
			wg.Go(func() { u.loop(ru) })
		}
	}
	ru.collect(ctx)
	ru.pace.halt()
	wg.Wait()
	ru.ended = time.Now()
	for _, t := range ru.targets {
		for _, u := range t.users {
			u.detach() // hands the connections back for the check and cleanup
		}
	}
	ru.tick(ru.ended, !ru.ended.Before(ru.measureFrom))
}

func (ru *run) collect(ctx context.Context) {
	ticker := time.NewTicker(ru.opts.Interval)
	defer ticker.Stop()
	warm := time.NewTimer(ru.opts.Warmup)
	defer warm.Stop()
	warming := ru.opts.Warmup > 0
	var end <-chan time.Time
	if ru.opts.Duration > 0 {
		t := time.NewTimer(ru.opts.Warmup + ru.opts.Duration)
		defer t.Stop()
		end = t.C
	}
	for {
		select {
		case now := <-ticker.C:
			ru.tick(now, !warming)
		case now := <-warm.C:
			if warming {
				ru.tick(now, false)
				warming = false
				ticker.Reset(ru.opts.Interval)
			}
		case <-end:
			return
		case <-ru.pace.stop:
			return
		case <-ctx.Done():
			ru.cancelled = true
			return
		}
	}
}

// tick drains every user's interval into its tenant, adds measured
// intervals to the totals and reports a Snapshot.
func (ru *run) tick(now time.Time, measured bool) {
	secs := now.Sub(ru.lastTick).Seconds()
	ru.lastTick = now
	if secs <= 0 {
		return
	}
	// The warm-up's end and the run's end often fall just after a tick:
	// such a sliver is drained (into the totals when measured) but not
	// reported, since a rate over a few milliseconds means nothing.
	silent := secs < ru.opts.Interval.Seconds()/10
	ru.scratch.reset()
	snap := &Snapshot{Warmup: !measured, Tenants: make([]TenantInterval, 0, len(ru.targets))}
	snap.Elapsed = now.Sub(ru.started).Seconds()
	if measured {
		snap.Elapsed = now.Sub(ru.measureFrom).Seconds()
	}
	inUse := 0
	for _, t := range ru.targets {
		t.interval.reset()
		for _, u := range t.users {
			u.stats.drainInto(t.interval, measured)
		}
		if measured {
			t.total.add(t.interval)
		}
		ru.scratch.add(t.interval)
		conns := t.db.Stats().InUse
		inUse += conns
		snap.Tenants = append(snap.Tenants, TenantInterval{Tenant: t.marker, Name: t.name, Interval: intervalOf(t.interval, secs, conns)})
	}
	if measured {
		ru.total.add(ru.scratch)
	}
	snap.Total = intervalOf(ru.scratch, secs, inUse)
	phase := PhaseRun
	if !measured {
		phase = PhaseWarmup
	}
	if !silent {
		ru.report(Progress{Phase: phase, Snapshot: snap})
	}
}
