package perf

import (
	"math"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds, from 1 µs to 10 minutes, at
// three significant digits.
const (
	histMin    = 1
	histMax    = int64(10 * time.Minute / time.Microsecond)
	histDigits = 3
)

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(histMin, histMax, histDigits) }

// acc accumulates operations: one latency histogram over every kind,
// counts and latency sums per kind, errors by kind and retries.
type acc struct {
	hist      *hdrhistogram.Histogram
	ops       [numKinds]int64
	latSum    [numKinds]int64 // µs
	errors    map[string]int64
	samples   map[string]string // one message per error kind
	deadlocks int64
	lockWaits int64
}

func newAcc() *acc {
	return &acc{hist: newHist(), errors: map[string]int64{}, samples: map[string]string{}}
}

// record adds one successful operation of kind k that took lat.
func (a *acc) record(k Kind, lat time.Duration) {
	us := max(lat.Microseconds(), histMin)
	if a.hist.RecordValue(min(us, histMax)) != nil {
		return
	}
	a.ops[k]++
	a.latSum[k] += us
}

func (a *acc) fail(kind, msg string) {
	if a.errors[kind] == 0 {
		a.samples[kind] = msg
	}
	a.errors[kind]++
}

func (a *acc) add(b *acc) {
	a.hist.Merge(b.hist)
	for k := range a.ops {
		a.ops[k] += b.ops[k]
		a.latSum[k] += b.latSum[k]
	}
	for kind, n := range b.errors {
		if _, ok := a.samples[kind]; !ok {
			a.samples[kind] = b.samples[kind]
		}
		a.errors[kind] += n
	}
	a.deadlocks += b.deadlocks
	a.lockWaits += b.lockWaits
}

func (a *acc) reset() {
	a.hist.Reset()
	a.ops = [numKinds]int64{}
	a.latSum = [numKinds]int64{}
	clear(a.errors)
	a.deadlocks, a.lockWaits = 0, 0
}

func (a *acc) totalOps() int64 {
	var n int64
	for _, v := range a.ops {
		n += v
	}
	return n
}

func (a *acc) totalErrors() int64 {
	var n int64
	for _, v := range a.errors {
		n += v
	}
	return n
}

// committed counts what a user's writes did to the table, warm-up
// included, for the isolation check. Uncertain writes ended without a
// reply (timeout, lost connection) and may or may not have committed.
type committed struct {
	Inserted         int64 `json:"inserted"`
	Deleted          int64 `json:"deleted"`
	UncertainInserts int64 `json:"uncertain_inserts,omitempty"`
	UncertainDeletes int64 `json:"uncertain_deletes,omitempty"`
}

func (c *committed) add(o committed) {
	c.Inserted += o.Inserted
	c.Deleted += o.Deleted
	c.UncertainInserts += o.UncertainInserts
	c.UncertainDeletes += o.UncertainDeletes
}

// userStats is one simulated user's recorder: the user writes to cur under
// mu, the collector drains cur every interval.
type userStats struct {
	mu        sync.Mutex
	cur       *acc
	measured  int64 // operations counted into the report (for fairness)
	committed committed
}

// drainInto moves the user's interval into dst; measured says whether the
// interval counts towards the report (it does not during warm-up).
func (u *userStats) drainInto(dst *acc, measured bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	dst.add(u.cur)
	if measured {
		u.measured += u.cur.totalOps()
	}
	u.cur.reset()
}

func (u *userStats) snapshotCommitted() committed {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.committed
}

// Latency is a latency distribution in milliseconds.
type Latency struct {
	Min  float64 `json:"min_ms"`
	Avg  float64 `json:"avg_ms"`
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P95  float64 `json:"p95_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
}

func latencyOf(h *hdrhistogram.Histogram) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	q := h.ValueAtPercentiles([]float64{50, 90, 95, 99, 99.9})
	return Latency{
		Min: ms(h.Min()), Avg: h.Mean() / 1000, P50: ms(q[50]), P90: ms(q[90]),
		P95: ms(q[95]), P99: ms(q[99]), P999: ms(q[99.9]), Max: ms(h.Max()),
	}
}

func ms(us int64) float64 { return float64(us) / 1000 }

// Fairness says how evenly the users shared the work.
type Fairness struct {
	Users int `json:"users"`
	// Jain is Jain's fairness index of ops per user: 1 when every user
	// did the same, 1/n when one user did everything.
	Jain   float64 `json:"jain_index"`
	MinOps int64   `json:"min_ops_per_user"`
	MaxOps int64   `json:"max_ops_per_user"`
}

func fairnessOf(perUser []int64) Fairness {
	f := Fairness{Users: len(perUser)}
	if len(perUser) == 0 {
		return f
	}
	var sum, sq float64
	f.MinOps = math.MaxInt64
	for _, n := range perUser {
		sum += float64(n)
		sq += float64(n) * float64(n)
		f.MinOps = min(f.MinOps, n)
		f.MaxOps = max(f.MaxOps, n)
	}
	if sq > 0 {
		f.Jain = sum * sum / (float64(len(perUser)) * sq)
	}
	return f
}
