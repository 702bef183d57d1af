package fleet

import (
	"context"
	"fmt"
	"time"
)

// Follow reports a queued run's progress from its records until it ends
// (or pauses after its canary), whoever works its items. Cancelling ctx
// cancels the run (pending items are cancelled, running ones finish) and
// follows it to its end; opts.Abort stops following at once and returns
// the run as it stands with an error saying it goes on.
func (s *Service) Follow(ctx context.Context, id int64, opts WorkOptions) (Run, error) {
	tick := opts.Tick
	if tick <= 0 {
		tick = 250 * time.Millisecond
	}
	abort := context.Background().Done()
	if opts.Abort != nil {
		abort = opts.Abort.Done()
	}
	f := &follower{s: s, report: opts.Report, seen: map[string]ItemState{}, started: time.Now(), changedAt: time.Unix(0, 0).UTC()}
	t := time.NewTicker(tick)
	defer t.Stop()
	done := ctx.Done()
	bg := context.WithoutCancel(ctx)
	for {
		run, err := f.poll(bg, id)
		if err != nil {
			return run, err
		}
		if run.State != RunRunning {
			return run, nil
		}
		select {
		case <-done:
			done = nil
			f.stopping = stopCancelled
			if _, _, err := s.Cancel(bg, id); err != nil {
				return run, err
			}
		case <-abort:
			return run, fmt.Errorf("stopped following run %d; its workers go on (`tenancy runs show %d`, `tenancy runs cancel %d`)", id, id, id)
		case <-t.C:
		}
	}
}

// follower turns a run's records into Progress: an event per item that
// changed since the last poll, and one per poll.
type follower struct {
	s        *Service
	report   func(Progress)
	seen     map[string]ItemState
	started  time.Time
	finished int
	stopping string
	// changedAt is when an item last changed, to read only those since.
	changedAt time.Time
}

func (f *follower) poll(ctx context.Context, id int64) (Run, error) {
	run, err := f.s.store.get(ctx, id)
	if err != nil {
		return run, err
	}
	if f.report == nil {
		return run, nil
	}
	var items []Item
	err = f.s.store.db.SelectContext(ctx, &items, "SELECT "+itemColumns+" FROM `tenancy_run_items` WHERE `run_id` = ? AND "+
		"(`state` = ? OR `finished_at` IS NULL AND `state` <> ? OR `finished_at` >= ?) ORDER BY `position`",
		id, ItemRunning, ItemPending, f.changedAt.Add(-2*time.Second))
	if err != nil {
		return run, fmt.Errorf("follow run %d: %w", id, err)
	}
	c, err := f.s.store.counts(ctx, id)
	if err != nil {
		return run, err
	}
	now := time.Now()
	p := Progress{
		RunID: id, Total: run.Total, Done: c[ItemDone], Failed: c[ItemFailed], Skipped: c[ItemSkipped], Cancelled: c[ItemCancelled],
		Running: c[ItemRunning], Pending: c[ItemPending], PerServer: map[string]int{},
		Parallel: run.Parallel, PerServerLimit: run.PerServer, Elapsed: now.Sub(f.started), Stopping: f.stopping,
	}
	for i := range items {
		it := &items[i]
		if it.State == ItemRunning {
			p.PerServer[it.Server]++
			if it.StartedAt != nil && (p.Slowest == nil || now.Sub(*it.StartedAt) > p.Slowest.Elapsed) {
				p.Slowest = &Active{TenantID: it.TenantID, TenantName: it.TenantName, Server: it.Server, Elapsed: now.Sub(*it.StartedAt)}
			}
		}
		if f.seen[it.TenantID] == it.State {
			continue
		}
		f.seen[it.TenantID] = it.State
		if it.FinishedAt != nil && it.FinishedAt.After(f.changedAt) {
			f.changedAt = *it.FinishedAt
		}
		// Items that ended before this follower began were reported by
		// whoever followed them then (a resume).
		if it.State != ItemRunning && (it.FinishedAt == nil || it.FinishedAt.After(f.started.Add(-5*time.Second))) {
			f.finished++
			e := p
			e.Item = it
			f.report(e)
		}
	}
	if secs := p.Elapsed.Seconds(); secs > 0 && f.finished > 0 {
		p.Rate = float64(f.finished) / secs
		p.ETA = time.Duration(float64(p.Pending+p.Running) / p.Rate * float64(time.Second))
	}
	f.report(p)
	return run, nil
}
