package perf

import (
	"sync"
	"sync/atomic"
	"time"
)

// pacer hands each operation its start time. Closed loop starts every
// operation at once. Fixed rate gives the n-th operation of the run the
// slot start+n/rate and latency is measured from that slot, not from when
// a user got round to it, so a stalled server shows up in the latencies
// instead of silently lowering the rate (no coordinated omission).
// x/time/rate's Limiter is not used for this: it keeps at most a burst of
// tokens, so the slots missed during a stall would be dropped, not queued.
type pacer struct {
	start  time.Time
	rate   float64 // ops/s; 0 = closed loop
	next   atomic.Int64
	stop   chan struct{}
	closed sync.Once
}

func newPacer(start time.Time, rate float64) *pacer {
	return &pacer{start: start, rate: rate, stop: make(chan struct{})}
}

// halt stops every user after its current operation.
func (p *pacer) halt() { p.closed.Do(func() { close(p.stop) }) }

func (p *pacer) halted() bool {
	select {
	case <-p.stop:
		return true
	default:
		return false
	}
}

// nextStart waits for the next slot and returns it, or false once halted.
// now is about the current time (when the caller's previous operation
// ended): in closed loop it is the slot.
func (p *pacer) nextStart(now time.Time) (time.Time, bool) {
	if p.halted() {
		return time.Time{}, false
	}
	if p.rate == 0 {
		return now, true
	}
	n := p.next.Add(1) - 1
	at := p.start.Add(time.Duration(float64(n) / p.rate * float64(time.Second)))
	if d := time.Until(at); d > 0 {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-p.stop:
			return time.Time{}, false
		}
	}
	return at, true
}
