package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tenancy-dev/tenancy/tenants"
)

// lockRetry is how long an item whose tenant is locked by another process
// waits before it is tried again.
const lockRetry = 100 * time.Millisecond

// runner works one run in one process. Only its loop goroutine touches
// its fields; item goroutines send their outcome back on results.
type runner struct {
	s       *Service
	run     Run
	op      Operation
	env     Env
	limits  Limits
	report  func(Progress)
	itemCtx context.Context
	tick    time.Duration

	queue     []*Item // pending, by position
	notBefore map[string]time.Time
	active    map[string]*activeItem
	perServer map[string]int
	down      map[string]*ServerDownError
	counts    map[ItemState]int
	// canaryLeft is how many items may still start before the run
	// pauses; -1 is no canary.
	canaryLeft   int
	failedHere   int
	finishedHere int
	started      time.Time
	results      chan outcome
	stop         string
	fatal        error
}

type activeItem struct {
	item  *Item
	since time.Time
}

// outcome is what an item goroutine reports.
type outcome struct {
	a *activeItem
	// notStarted: the tenant was locked elsewhere, or the runner was
	// aborted before the item started; it goes back to the queue.
	notStarted bool
	locked     bool
	state      ItemState
	res        Result
	err        error
	started    time.Time
	ended      time.Time
	// storeErr: the central database could not record the item.
	storeErr error
}

func (r *runner) loop(ctx context.Context) (Run, error) {
	tick := time.NewTicker(r.tick)
	defer tick.Stop()
	done := ctx.Done()
	r.emit(nil)
	for {
		if r.stop == "" {
			r.fill()
		}
		if len(r.active) == 0 && (r.stop != "" || len(r.queue) == 0 || r.canaryLeft == 0) {
			break
		}
		select {
		case o := <-r.results:
			r.finish(o)
		case <-tick.C:
			r.poll(ctx)
			r.emit(nil)
		case <-done:
			r.halt(stopCancelled)
			done = nil
		}
	}
	return r.close()
}

func (r *runner) halt(reason string) {
	if r.stop == "" {
		r.stop = reason
	}
}

// fill starts queued items while the limits allow.
func (r *runner) fill() {
	now := time.Now()
	for i := 0; i < len(r.queue); {
		if len(r.active) >= r.limits.Parallel || r.canaryLeft == 0 {
			return
		}
		if r.limits.MaxFailures.Exceeded(r.failedHere, r.run.Total) {
			r.halt(stopFailures)
			return
		}
		it := r.queue[i]
		if r.perServer[it.Server] >= r.limits.PerServer || now.Before(r.notBefore[it.TenantID]) {
			i++
			continue
		}
		r.queue = slices.Delete(r.queue, i, i+1)
		if sd := r.down[it.Server]; sd != nil {
			r.failNow(it, sd)
			continue
		}
		a := &activeItem{item: it, since: now}
		r.active[it.TenantID] = a
		r.perServer[it.Server]++
		if r.canaryLeft > 0 {
			r.canaryLeft--
		}
		go func() { r.results <- r.work(a) }()
	}
}

// failNow fails an item without starting it.
func (r *runner) failNow(it *Item, err error) {
	now := time.Now().UTC()
	if werr := r.s.store.failUnstarted(context.Background(), it, err.Error(), r.s.host, r.s.pid, now); werr != nil {
		r.fatal = werr
		r.halt(stopError)
		return
	}
	r.counts[ItemPending]--
	r.counts[ItemFailed]++
	r.failedHere++
	r.finishedHere++
	it.State, it.Error, it.Attempts = ItemFailed, err.Error(), it.Attempts+1
	it.StartedAt, it.FinishedAt = &now, &now
	r.emit(it)
}

// finish takes an item goroutine's outcome.
func (r *runner) finish(o outcome) {
	it := o.a.item
	delete(r.active, it.TenantID)
	r.perServer[it.Server]--
	switch {
	case o.storeErr != nil:
		r.fatal = o.storeErr
		r.halt(stopError)
		return
	case o.notStarted:
		if r.canaryLeft >= 0 {
			r.canaryLeft++
		}
		if o.locked {
			r.notBefore[it.TenantID] = time.Now().Add(lockRetry)
		}
		pos, _ := slices.BinarySearchFunc(r.queue, it.Position, func(q *Item, p int) int { return q.Position - p })
		r.queue = slices.Insert(r.queue, pos, it)
		return
	}
	r.counts[ItemPending]--
	r.counts[o.state]++
	r.finishedHere++
	if o.state == ItemFailed {
		r.failedHere++
		if sd, ok := asServerDown(o.err); ok && r.down[it.Server] == nil {
			r.down[it.Server] = sd
		}
	}
	it.State, it.Result, it.Attempts = o.state, o.res, it.Attempts+1
	it.StartedAt, it.FinishedAt = &o.started, &o.ended
	it.Error = ""
	if o.err != nil {
		it.Error = o.err.Error()
	}
	r.emit(it)
}

// poll notices a cancel asked for by another process.
func (r *runner) poll(ctx context.Context) {
	var asked bool
	err := r.s.store.db.GetContext(context.WithoutCancel(ctx), &asked, "SELECT `cancel_requested` FROM `tenancy_runs` WHERE `id` = ?", r.run.ID)
	if err == nil && asked {
		r.halt(stopCancelled)
	}
}

// work runs one item under its tenant's lock (in its own goroutine).
func (r *runner) work(a *activeItem) outcome {
	it := a.item
	lock, err := tenants.AcquireLock(r.itemCtx, r.s.store.db, it.TenantID)
	var locked *tenants.LockedError
	switch {
	case errors.As(err, &locked):
		return outcome{a: a, notStarted: true, locked: true}
	case err != nil && r.itemCtx.Err() != nil:
		return outcome{a: a, notStarted: true}
	case err != nil:
		return outcome{a: a, storeErr: err}
	}
	defer lock.Release()
	t, gone, err := r.s.lockedTenant(r.itemCtx, *it)
	switch {
	case err != nil && r.itemCtx.Err() != nil:
		return outcome{a: a, notStarted: true}
	case err != nil:
		return outcome{a: a, storeErr: err}
	}
	wctx := context.WithoutCancel(r.itemCtx)
	start := time.Now().UTC()
	ok, err := r.s.store.startItem(wctx, it, r.s.host, r.s.pid, start)
	if err != nil {
		return outcome{a: a, storeErr: err}
	}
	if !ok {
		return outcome{a: a, storeErr: fmt.Errorf("item %s of run %d was not pending when it was started: another process is working the run", it.TenantID, it.RunID)}
	}
	var res Result
	derr := gone
	if gone == nil {
		res, derr = r.op.Do(tenants.WithHeldLock(r.itemCtx, lock), r.env, t)
	}
	o := outcome{a: a, state: ItemDone, res: res, err: derr, started: start, ended: time.Now().UTC()}
	errText := ""
	if derr != nil {
		o.state, errText = ItemFailed, derr.Error()
		if r.itemCtx.Err() != nil {
			o.state = ItemCancelled
		}
	}
	if err := r.s.store.finishItem(wctx, it, o.state, res, errText, o.ended); err != nil {
		return outcome{a: a, storeErr: err}
	}
	return o
}

// close records how the run ended.
func (r *runner) close() (Run, error) {
	ctx := context.Background()
	state, errText := RunDone, ""
	var err error
	switch {
	case r.stop == stopError:
		state, errText = RunFailed, "stopped: "+r.fatal.Error()
	case r.stop == stopCancelled:
		state = RunCancelled
		err = r.s.store.closePending(ctx, r.run.ID, ItemCancelled, "not started: the run was cancelled")
	case r.stop == stopFailures:
		state = RunFailed
		errText = fmt.Sprintf("stopped starting items after %d failures (max failures %s)", r.failedHere, r.limits.MaxFailures)
		err = r.s.store.closePending(ctx, r.run.ID, ItemSkipped, "not started: "+errText)
	case len(r.queue) > 0 && r.canaryLeft == 0:
		state = RunPaused
	case r.counts[ItemFailed] > 0:
		state, errText = RunFailed, fmt.Sprintf("%d of %d items failed", r.counts[ItemFailed], r.run.Total)
	}
	if err == nil {
		err = r.s.store.finishRun(ctx, r.run.ID, state, errText, time.Now().UTC())
	}
	if c, cerr := r.s.store.counts(ctx, r.run.ID); cerr == nil {
		r.counts = c
	}
	r.emit(nil)
	run, gerr := r.s.store.get(ctx, r.run.ID)
	return run, errors.Join(r.fatal, err, gerr)
}
