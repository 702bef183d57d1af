package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tenancy-dev/tenancy/tenants"
)

// Executor carries a run's items to workers outside this process (package
// queue). With one set (Service.UseExecutor), Work hands the run's
// pending items to it and follows the run from its records instead of
// working them here; the workers call WorkItem. The runs tables stay the
// truth: the executor only carries work.
type Executor interface {
	// Enqueue hands items over. Handing over an item that is already
	// queued is not an error and does not queue it twice.
	Enqueue(ctx context.Context, run Run, items []Item) error
}

// QueueHost is a queued run's host: its items are worked by whichever
// workers take them, not by one process.
const QueueHost = "(queue)"

// Queued reports whether the run's items were handed to the queue.
func (r Run) Queued() bool { return r.Host == QueueHost }

// ErrTenantBusy is WorkItem's error when another process holds the
// tenant's lock: nothing was done, try the item again later.
var ErrTenantBusy = errors.New("the tenant is locked by another process")

// UseExecutor makes Work hand runs to e (nil: work them in process).
func (s *Service) UseExecutor(e Executor) { s.executor = e }

// opCache keeps the operations of the runs a worker works, rebuilt once
// per run rather than once per item.
type opCache struct {
	mu  sync.Mutex
	ops map[int64]Operation
}

func (s *Service) operation(run Run) (Operation, error) {
	s.opCache.mu.Lock()
	defer s.opCache.mu.Unlock()
	if op, ok := s.opCache.ops[run.ID]; ok {
		return op, nil
	}
	op, err := s.ops.Build(run.Operation, json.RawMessage(run.Args))
	if err != nil {
		return nil, fmt.Errorf("run %d: %w", run.ID, err)
	}
	if s.opCache.ops == nil || len(s.opCache.ops) > 64 {
		s.opCache.ops = map[int64]Operation{}
	}
	s.opCache.ops[run.ID] = op
	return op, nil
}

// startQueued marks the run running on the queue and hands its pending
// (and, after a lost worker, running) items to the executor; with a
// canary, only the canary's items. Handing items over twice is harmless
// (the queue refuses duplicates), so this is also how a queued run is
// resumed.
func (s *Service) startQueued(ctx context.Context, run Run) (Run, error) {
	if err := s.store.setPending(ctx, run.ID, ItemSkipped, ItemCancelled); err != nil {
		return run, err
	}
	now := time.Now().UTC()
	if _, err := s.store.exec(ctx, fmt.Sprintf("queue run %d", run.ID),
		"UPDATE `tenancy_runs` SET `state` = ?, `started_at` = COALESCE(`started_at`, ?), `finished_at` = NULL, `host` = ?, `pid` = 0, "+
			"`cancel_requested` = 0, `error` = '' WHERE `id` = ?", RunRunning, now, QueueHost, run.ID); err != nil {
		return run, err
	}
	items, err := s.store.items(ctx, run.ID)
	if err != nil {
		return run, err
	}
	var send []Item
	left, finished := -1, 0
	if run.CanaryPending {
		for _, it := range items {
			if it.State == ItemDone || it.State == ItemFailed || it.State == ItemRunning {
				finished++
			}
		}
		left = max(0, run.Canary-finished)
	}
	for _, it := range items {
		switch {
		case it.State == ItemRunning:
			send = append(send, it)
		case it.State == ItemPending && left != 0:
			send = append(send, it)
			left--
		}
	}
	run, err = s.store.get(ctx, run.ID)
	if err != nil {
		return run, err
	}
	if err := s.executor.Enqueue(ctx, run, send); err != nil {
		return run, fmt.Errorf("queue the items of run %d: %w (fix [queue] and `tenancy runs resume %d`)", run.ID, err, run.ID)
	}
	if err := s.closeIfFinished(context.WithoutCancel(ctx), run); err != nil {
		return run, err
	}
	return s.store.get(ctx, run.ID)
}

// Start hands a run to the executor and returns at once (--detach); Work
// does the same and then follows it.
func (s *Service) Start(ctx context.Context, id int64, lift bool) (Run, error) {
	if s.executor == nil {
		return Run{}, errors.New("no queue: set [queue] url to hand runs to `tenancy worker` processes")
	}
	run, op, err := s.begin(ctx, id, lift)
	if err != nil || op == nil {
		return run, err
	}
	return s.startQueued(ctx, run)
}

// WorkItem works one item of a queued run in this process: the queue's
// worker calls it. It checks the run (cancelled, max failures), takes the
// tenant's lock (ErrTenantBusy when another process holds it), records
// the start (attempts + 1, this host and pid), runs the operation and
// records the end; the last item to end closes the run. An item that is
// no longer pending or running is left alone. When ctx is cancelled
// while the operation runs (the worker stops, or lost its lease) the
// item goes back to pending for the queue to retry, and ctx's error is
// returned; an operation that ran out of time fails the item.
func (s *Service) WorkItem(ctx context.Context, runID int64, tenantID string) (Item, error) {
	it, run, err := s.store.queuedItem(ctx, runID, tenantID)
	if err != nil || (it.State != ItemPending && it.State != ItemRunning) {
		return it, err
	}
	if reason := s.refusal(ctx, run); reason != nil {
		return s.closeItem(ctx, it, run, reason.state, reason.text)
	}
	op, err := s.operation(run)
	if err != nil {
		return it, err
	}
	lock, err := tenants.AcquireLock(ctx, s.store.db, tenantID)
	var locked *tenants.LockedError
	switch {
	case errors.As(err, &locked):
		return it, fmt.Errorf("%w: %v", ErrTenantBusy, err)
	case err != nil:
		return it, err
	}
	defer lock.Release() //nolint:errcheck // the connection closes either way
	t, gone, err := s.lockedTenant(ctx, it)
	switch {
	case err != nil:
		return it, err // the queue tries it again
	case gone != nil:
		return s.closeItem(ctx, it, run, ItemFailed, gone.Error())
	}
	wctx := context.WithoutCancel(ctx)
	start := time.Now().UTC()
	ok, err := s.store.startQueuedItem(wctx, &it, s.host, s.pid, start)
	if err != nil || !ok {
		return it, err
	}
	res, derr := op.Do(tenants.WithHeldLock(ctx, lock), s.env(), t)
	end := time.Now().UTC()
	state, errText := ItemDone, ""
	if derr != nil {
		state, errText = ItemFailed, derr.Error()
	}
	if derr != nil && errors.Is(ctx.Err(), context.Canceled) {
		_, err := s.store.exec(wctx, "put tenant "+tenantID+" back in the queue",
			"UPDATE `tenancy_run_items` SET `state` = ?, `error` = ? WHERE `run_id` = ? AND `tenant_id` = ? AND `state` = ?",
			ItemPending, "interrupted: its worker stopped; the queue tries it again", runID, tenantID, ItemRunning)
		return it, errors.Join(ctx.Err(), err)
	}
	if err := s.store.finishItem(wctx, &it, state, res, errText, end); err != nil {
		return it, err
	}
	it.State, it.Result, it.Error, it.StartedAt, it.FinishedAt = state, res, errText, &start, &end
	return it, s.closeIfFinished(wctx, run)
}

// lockedTenant reads an item's tenant under its lock, as the registry has
// it now: the run's list and the queue's task are snapshots, older than a
// move to another server (which holds the same lock) or a new database
// name. gone is the item's error when the tenant left the registry.
func (s *Service) lockedTenant(ctx context.Context, it Item) (t tenants.Tenant, gone, err error) {
	t, err = s.tenants.Current(ctx, it.TenantID)
	if errors.Is(err, tenants.ErrNotFound) {
		return t, fmt.Errorf("tenant %s (%s) is no longer in the registry; nothing was done", it.TenantID, it.TenantName), nil
	}
	return t, nil, err
}

type refusal struct {
	state ItemState
	text  string
}

// refusal says why a queued item must not start: its run was cancelled
// or stopped, or more items failed than its max failures allow.
func (s *Service) refusal(ctx context.Context, run Run) *refusal {
	switch {
	case run.CancelRequested || run.State == RunCancelled:
		return &refusal{ItemCancelled, "not started: the run was cancelled"}
	case run.State != RunRunning && run.State != RunPaused:
		return &refusal{ItemSkipped, fmt.Sprintf("not started: the run is %s", run.State)}
	}
	mf, err := ParseMaxFailures(run.MaxFailures)
	if err != nil || !mf.Set() {
		return nil
	}
	var failed int
	if err := s.store.db.GetContext(ctx, &failed, "SELECT COUNT(*) FROM `tenancy_run_items` WHERE `run_id` = ? AND `state` = ?", run.ID, ItemFailed); err != nil {
		return nil
	}
	if mf.Exceeded(failed, run.Total) {
		return &refusal{ItemSkipped, fmt.Sprintf("not started: stopped starting items after %d failures (max failures %s)", failed, mf)}
	}
	return nil
}

// closeItem ends an item without running it and closes the run (as read
// before) if it was the last.
func (s *Service) closeItem(ctx context.Context, it Item, run Run, state ItemState, reason string) (Item, error) {
	wctx := context.WithoutCancel(ctx)
	if _, err := s.store.exec(wctx, "close tenant "+it.TenantID,
		"UPDATE `tenancy_run_items` SET `state` = ?, `error` = ? WHERE `run_id` = ? AND `tenant_id` = ? AND `state` IN (?, ?)",
		state, reason, it.RunID, it.TenantID, ItemPending, ItemRunning); err != nil {
		return it, err
	}
	it.State, it.Error = state, reason
	return it, s.closeIfFinished(wctx, run)
}

// closeIfFinished records a queued run's end once none of its items is
// pending or running (or, under a canary, once the canary's items ended).
// Two workers ending the last items at once write the same thing. before
// is the run as read earlier: a run without a pending canary never gets
// one, so while it has items to work (one index probe) it is not read
// again.
func (s *Service) closeIfFinished(ctx context.Context, before Run) error {
	id := before.ID
	// A canary pauses with items pending: it needs the counts.
	if !before.CanaryPending {
		if busy, err := s.store.unfinished(ctx, id); err != nil || busy {
			return err
		}
	}
	run, err := s.store.get(ctx, id)
	if err != nil || run.State != RunRunning {
		return err
	}
	c, err := s.store.counts(ctx, id)
	if err != nil {
		return err
	}
	if c[ItemRunning] > 0 {
		return nil
	}
	state, errText := RunDone, ""
	switch {
	case c[ItemPending] > 0 && run.CanaryPending && !run.CancelRequested && c[ItemDone]+c[ItemFailed] >= run.Canary:
		state = RunPaused
	case c[ItemPending] > 0:
		return nil
	case run.CancelRequested || c[ItemCancelled] > 0:
		state = RunCancelled
	case c[ItemSkipped] > 0:
		state, errText = RunFailed, fmt.Sprintf("stopped starting items after %d failures (max failures %s)", c[ItemFailed], run.MaxFailures)
	case c[ItemFailed] > 0:
		state, errText = RunFailed, fmt.Sprintf("%d of %d items failed", c[ItemFailed], run.Total)
	}
	return s.store.finishRun(ctx, id, state, errText, time.Now().UTC())
}
