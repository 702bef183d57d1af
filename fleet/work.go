package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/tenants"
)

// WorkOptions tune one working of a run.
type WorkOptions struct {
	// Abort, when done, cancels the items already running (the second
	// Ctrl-C). ctx given to Work only stops new items from starting. Nil:
	// running items always finish.
	Abort context.Context
	// Report receives progress; it is called from one goroutine.
	Report func(Progress)
	// Tick is how often the runner looks for a cancel from another
	// process and reports progress without a change (default 250ms).
	Tick time.Duration
}

// Work works a run until it is done, failed, cancelled or paused after
// its canary; it is also how a run is resumed after its process died:
// items left running are started again (their attempts counted), items
// skipped or cancelled are started again, done and failed items are left
// as they are (retry failed ones with Selection.FailedOf). Cancelling ctx
// stops new items from starting; running ones finish and the run records
// cancelled.
func (s *Service) Work(ctx context.Context, id int64, opts WorkOptions) (Run, error) {
	return s.work(ctx, id, opts, false)
}

// Continue lifts a run's canary and works the rest of it.
func (s *Service) Continue(ctx context.Context, id int64, opts WorkOptions) (Run, error) {
	return s.work(ctx, id, opts, true)
}

func (s *Service) work(ctx context.Context, id int64, opts WorkOptions, lift bool) (Run, error) {
	if s.executor != nil {
		run, err := s.Start(ctx, id, lift)
		if err != nil || run.State != RunRunning {
			return run, err
		}
		return s.Follow(ctx, id, opts)
	}
	if s.tenants.ReadOnly() {
		return Run{}, tenants.ErrReadOnly
	}
	lock, ok, err := acquireRunLock(ctx, s.store.db, id)
	if err != nil {
		return Run{}, err
	}
	if !ok {
		run, _ := s.store.get(ctx, id)
		return run, fmt.Errorf("run %d is being worked by another process (last started on %s, pid %d); wait for it, or `tenancy runs cancel %d`", id, run.Host, run.PID, id)
	}
	defer lock.release()
	run, op, err := s.check(ctx, id, lift)
	if err != nil || op == nil {
		return run, err
	}
	if run.Queued() && run.State == RunRunning {
		return run, fmt.Errorf("run %d is worked by the queue's workers: follow or resume it from a machine whose config sets [queue] url", id)
	}
	r, err := s.prepare(ctx, run, op, opts)
	if err != nil {
		return run, err
	}
	return r.loop(ctx)
}

// begin checks, under the run's lock, that no process works the run in
// process and that it may start (check); the queue then takes it.
func (s *Service) begin(ctx context.Context, id int64, lift bool) (Run, Operation, error) {
	if s.tenants.ReadOnly() {
		return Run{}, nil, tenants.ErrReadOnly
	}
	lock, ok, err := acquireRunLock(ctx, s.store.db, id)
	if err != nil {
		return Run{}, nil, err
	}
	if !ok {
		run, _ := s.store.get(ctx, id)
		return run, nil, fmt.Errorf("run %d is being worked by another process (last started on %s, pid %d); wait for it, or `tenancy runs cancel %d`", id, run.Host, run.PID, id)
	}
	defer lock.release()
	return s.check(ctx, id, lift)
}

// check reads the run and says whether it may be worked: a done run has
// nothing to do (nil operation), a paused one needs Continue (lift, which
// lifts its canary).
func (s *Service) check(ctx context.Context, id int64, lift bool) (Run, Operation, error) {
	run, err := s.store.get(ctx, id)
	if err != nil {
		return Run{}, nil, err
	}
	switch {
	case run.State == RunDone:
		return run, nil, nil
	case run.CanaryPending && lift:
		if _, err := s.store.exec(ctx, "lift the canary", "UPDATE `tenancy_runs` SET `canary_pending` = 0 WHERE `id` = ?", id); err != nil {
			return run, nil, err
		}
		run.CanaryPending = false
	case run.State == RunPaused:
		return run, nil, fmt.Errorf("run %d is paused after its canary of %d: look at `tenancy runs show %d`, then `tenancy runs continue %d`", id, run.Canary, id, id)
	}
	op, err := s.ops.Build(run.Operation, json.RawMessage(run.Args))
	if err != nil {
		return run, nil, fmt.Errorf("run %d: %w", id, err)
	}
	return run, op, nil
}

// prepare resets what a dead process left, marks the run running and
// loads its items (each item reads its tenant under its lock).
func (s *Service) prepare(ctx context.Context, run Run, op Operation, opts WorkOptions) (*runner, error) {
	if err := s.store.setPending(ctx, run.ID, ItemRunning, ItemSkipped, ItemCancelled); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if _, err := s.store.exec(ctx, fmt.Sprintf("start run %d", run.ID),
		"UPDATE `tenancy_runs` SET `state` = ?, `started_at` = COALESCE(`started_at`, ?), `finished_at` = NULL, `host` = ?, `pid` = ?, "+
			"`cancel_requested` = 0, `error` = '' WHERE `id` = ?", RunRunning, now, s.host, s.pid, run.ID); err != nil {
		return nil, err
	}
	items, err := s.store.items(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	mf, err := ParseMaxFailures(run.MaxFailures)
	if err != nil {
		return nil, err
	}
	r := &runner{
		s: s, run: run, op: op, env: s.env(),
		limits:  Limits{Parallel: run.Parallel, PerServer: run.PerServer, Canary: run.Canary, MaxFailures: mf}.WithDefaults(),
		report:  opts.Report,
		itemCtx: opts.Abort, tick: opts.Tick,
		notBefore: map[string]time.Time{},
		active:    map[string]*activeItem{}, perServer: map[string]int{}, down: map[string]*ServerDownError{},
		counts: map[ItemState]int{}, canaryLeft: -1, started: time.Now(),
	}
	if r.itemCtx == nil {
		r.itemCtx = context.Background()
	}
	if r.tick <= 0 {
		r.tick = 250 * time.Millisecond
	}
	r.results = make(chan outcome, r.limits.Parallel)
	for i := range items {
		it := &items[i]
		r.counts[it.State]++
		if it.State == ItemPending {
			r.queue = append(r.queue, it)
		}
	}
	if run.CanaryPending {
		r.canaryLeft = max(0, run.Canary-r.counts[ItemDone]-r.counts[ItemFailed])
	}
	return r, nil
}

// Cancel cancels a run. When a process is working it, it is asked to stop
// (it notices within its tick, lets running items finish and records
// cancelled); otherwise the run's unfinished items are marked cancelled
// here. alive reports which happened.
func (s *Service) Cancel(ctx context.Context, id int64) (run Run, alive bool, err error) {
	if err := access.Require(ctx, access.RunCancel, fmt.Sprintf("run %d", id)); err != nil {
		return Run{}, false, err
	}
	defer access.Done(ctx, access.RunCancel, fmt.Sprintf("run %d", id), &err)
	if s.tenants.ReadOnly() {
		return Run{}, false, tenants.ErrReadOnly
	}
	run, err = s.store.get(ctx, id)
	if err != nil {
		return run, false, err
	}
	if run.State == RunDone || run.State == RunCancelled {
		return run, false, fmt.Errorf("run %d is already %s: nothing to cancel", id, run.State)
	}
	if _, err := s.store.exec(ctx, fmt.Sprintf("ask run %d to cancel", id), "UPDATE `tenancy_runs` SET `cancel_requested` = 1 WHERE `id` = ?", id); err != nil {
		return run, false, err
	}
	if run.Queued() && run.State == RunRunning {
		// The queue's workers finish the running items and the last one
		// records the run cancelled; the pending ones are cancelled here.
		if err := s.store.closePending(ctx, id, ItemCancelled, "not started: the run was cancelled"); err != nil {
			return run, false, err
		}
		if err := s.closeIfFinished(ctx, run); err != nil {
			return run, false, err
		}
		run, err = s.store.get(ctx, id)
		return run, run.State == RunRunning, err
	}
	lock, ok, err := acquireRunLock(ctx, s.store.db, id)
	if err != nil {
		return run, false, err
	}
	if !ok {
		run, err = s.store.get(ctx, id)
		return run, true, err
	}
	defer lock.release()
	if err := s.store.closePending(ctx, id, ItemCancelled, "not started: the run was cancelled"); err != nil {
		return run, false, err
	}
	if _, err := s.store.exec(ctx, fmt.Sprintf("cancel run %d", id),
		"UPDATE `tenancy_run_items` SET `state` = ?, `error` = 'interrupted: its process died and the run was cancelled' WHERE `run_id` = ? AND `state` = ?",
		ItemCancelled, id, ItemRunning); err != nil {
		return run, false, err
	}
	if err := s.store.finishRun(ctx, id, RunCancelled, "", time.Now().UTC()); err != nil {
		return run, false, err
	}
	run, err = s.store.get(ctx, id)
	return run, false, err
}
