package backup

import (
	"sync"
	"time"
)

// tracker gathers the workers' counts and reports them, serialised and at
// most every reportEvery (always on a step change).
type tracker struct {
	mu         sync.Mutex
	fn         func(Progress)
	start      time.Time
	last       time.Time
	p          Progress
	tableDone  map[string]int64
	tableTotal map[string]int64
	// every is the least time between two reports.
	every time.Duration
}

const reportEvery = 100 * time.Millisecond

func newTracker(fn func(Progress)) *tracker {
	return &tracker{fn: fn, start: time.Now(), tableDone: map[string]int64{}, tableTotal: map[string]int64{}, every: reportEvery}
}

func (t *tracker) estimate(table string, rows, bytes int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tableTotal[table] = rows
	t.p.Total += rows
	t.p.EstimateBytes += bytes
}

func (t *tracker) step(step, table string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.p.Step, t.p.Table = step, table
	t.emit(true)
}

// add counts rows of table, raw SQL bytes and bytes written to the file.
func (t *tracker) add(table string, rows, raw, written int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if table != "" {
		t.p.Table = table
		t.tableDone[table] += rows
	}
	t.p.Done += rows
	t.p.Bytes += raw
	t.p.Written += written
	t.emit(false)
}

func (t *tracker) bytes() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.p.Bytes
}

func (t *tracker) totals() (rows, bytes int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.p.Done, t.p.Bytes
}

func (t *tracker) emit(force bool) {
	if t.fn == nil {
		return
	}
	now := time.Now()
	if !force && now.Sub(t.last) < t.every {
		return
	}
	t.last = now
	p := t.p
	p.Elapsed = now.Sub(t.start)
	if p.Table != "" {
		p.TableDone, p.TableTotal = t.tableDone[p.Table], t.tableTotal[p.Table]
	}
	t.fn(p)
}
