package resolver

import (
	"sync"
	"sync/atomic"
	"time"
)

// BreakerState is the Redis circuit breaker's state.
type BreakerState int32

// Breaker states: closed lets every call through, open sends lookups
// straight to the database, half-open lets one probe through.
const (
	BreakerClosed BreakerState = iota
	BreakerOpen
	BreakerHalfOpen
)

func (s BreakerState) String() string {
	switch s {
	case BreakerOpen:
		return "open"
	case BreakerHalfOpen:
		return "half-open"
	}
	return "closed"
}

// breaker opens after threshold consecutive failures, stays open for
// cooldown, then lets a single probe through: its success closes the
// breaker, its failure opens it again. The closed path is one atomic load.
type breaker struct {
	state     atomic.Int32
	threshold int
	cooldown  time.Duration

	mu       sync.Mutex
	failures int
	openedAt time.Time
	probing  bool
	opens    atomic.Int64
}

func newBreaker(threshold int, cooldown time.Duration) *breaker {
	return &breaker{threshold: max(1, threshold), cooldown: cooldown}
}

func (b *breaker) State() BreakerState { return BreakerState(b.state.Load()) }

// allow reports whether a Redis call may be made now.
func (b *breaker) allow() bool {
	if b.State() == BreakerClosed {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.State() {
	case BreakerClosed:
		return true
	case BreakerOpen:
		if time.Since(b.openedAt) < b.cooldown {
			return false
		}
		b.state.Store(int32(BreakerHalfOpen))
		b.probing = true
		return true
	default: // half-open: one probe at a time
		if b.probing {
			return false
		}
		b.probing = true
		return true
	}
}

func (b *breaker) success() {
	if b.State() == BreakerClosed {
		b.mu.Lock()
		b.failures = 0
		b.mu.Unlock()
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures, b.probing = 0, false
	b.state.Store(int32(BreakerClosed))
}

func (b *breaker) failure() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	if b.State() == BreakerHalfOpen || (b.State() == BreakerClosed && b.failures >= b.threshold) {
		b.state.Store(int32(BreakerOpen))
		b.openedAt, b.probing = time.Now(), false
		b.opens.Add(1)
	}
}
