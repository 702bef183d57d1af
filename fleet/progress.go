package fleet

import (
	"maps"
	"time"
)

// Progress is a run as its runner sees it. It is reported on every item
// state change (Item set) and on every tick (Item nil).
type Progress struct {
	RunID     int64 `json:"run_id"`
	Total     int   `json:"total"`
	Done      int   `json:"done"`
	Failed    int   `json:"failed"`
	Running   int   `json:"running"`
	Pending   int   `json:"pending"`
	Skipped   int   `json:"skipped"`
	Cancelled int   `json:"cancelled"`
	// PerServer is how many items run on each server now.
	PerServer      map[string]int `json:"per_server"`
	Parallel       int            `json:"parallel"`
	PerServerLimit int            `json:"per_server_limit"`
	// Rate is items finished per second since this runner started.
	Rate    float64       `json:"rate"`
	ETA     time.Duration `json:"eta_ns"`
	Elapsed time.Duration `json:"elapsed_ns"`
	// Slowest is the item running the longest, nil when none runs.
	Slowest *Active `json:"slowest,omitempty"`
	// Stopping says why no new item starts: "" (they do), "cancelled",
	// "max-failures", "error".
	Stopping string `json:"stopping,omitempty"`
	// Item is the item whose state just changed.
	Item *Item `json:"item,omitempty"`
}

// Active is an item running now.
type Active struct {
	TenantID   string        `json:"tenant_id"`
	TenantName string        `json:"tenant_name"`
	Server     string        `json:"server"`
	Elapsed    time.Duration `json:"elapsed_ns"`
}

// Why a runner stops starting items.
const (
	stopCancelled = "cancelled"
	stopFailures  = "max-failures"
	stopError     = "error"
)

func (r *runner) emit(it *Item) {
	if r.report == nil {
		return
	}
	now := time.Now()
	p := Progress{
		RunID: r.run.ID, Total: r.run.Total,
		Done: r.counts[ItemDone], Failed: r.counts[ItemFailed], Skipped: r.counts[ItemSkipped], Cancelled: r.counts[ItemCancelled],
		Running: len(r.active), Pending: r.counts[ItemPending] - len(r.active),
		PerServer: map[string]int{}, Parallel: r.limits.Parallel, PerServerLimit: r.limits.PerServer,
		Elapsed: now.Sub(r.started), Stopping: r.stop,
	}
	for k, v := range maps.All(r.perServer) {
		if v > 0 {
			p.PerServer[k] = v
		}
	}
	if secs := p.Elapsed.Seconds(); secs > 0 && r.finishedHere > 0 {
		p.Rate = float64(r.finishedHere) / secs
		p.ETA = time.Duration(float64(p.Pending+p.Running) / p.Rate * float64(time.Second))
	}
	for _, a := range r.active {
		if p.Slowest == nil || now.Sub(a.since) > p.Slowest.Elapsed {
			p.Slowest = &Active{TenantID: a.item.TenantID, TenantName: a.item.TenantName, Server: a.item.Server, Elapsed: now.Sub(a.since)}
		}
	}
	if it != nil {
		c := *it
		p.Item = &c
	}
	r.report(p)
}
