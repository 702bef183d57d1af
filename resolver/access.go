package resolver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Toucher writes one tenant's last access; tenants.Service.TouchLastAccess
// is one.
type Toucher func(ctx context.Context, id string, at time.Time) error

// AccessRecorder collects tenants' last accesses in memory and writes
// them in batches: one UPDATE per accessed tenant per interval, and a
// last flush on Close. A request costs a map write under a lock.
type AccessRecorder struct {
	touch    Toucher
	interval time.Duration
	timeout  time.Duration

	mu      sync.Mutex
	pending map[string]time.Time
	lastErr error

	stop chan struct{}
	done chan struct{}
}

// NewAccessRecorder starts a recorder flushing every interval; Close
// stops it.
func NewAccessRecorder(touch Toucher, interval time.Duration) *AccessRecorder {
	a := &AccessRecorder{
		touch: touch, interval: interval, timeout: max(interval, 10*time.Second),
		pending: map[string]time.Time{}, stop: make(chan struct{}), done: make(chan struct{}),
	}
	go a.loop()
	return a
}

// Record notes that tenant id was accessed now.
func (a *AccessRecorder) Record(id string) {
	now := time.Now()
	a.mu.Lock()
	a.pending[id] = now
	a.mu.Unlock()
}

func (a *AccessRecorder) loop() {
	defer close(a.done)
	tick := time.NewTicker(a.interval)
	defer tick.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), a.timeout)
			a.remember(a.Flush(ctx))
			cancel()
		}
	}
}

// Flush writes every pending access now. Accesses that fail to write are
// kept for the next flush unless a newer one replaced them.
func (a *AccessRecorder) Flush(ctx context.Context) error {
	a.mu.Lock()
	batch := a.pending
	a.pending = make(map[string]time.Time, len(batch))
	a.mu.Unlock()
	var errs []error
	for id, at := range batch {
		if err := a.touch(ctx, id, at); err != nil {
			errs = append(errs, err)
			a.mu.Lock()
			if _, newer := a.pending[id]; !newer {
				a.pending[id] = at
			}
			a.mu.Unlock()
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("write last access of %d tenant(s): %w", len(errs), errors.Join(errs...))
	}
	return nil
}

func (a *AccessRecorder) remember(err error) {
	if err == nil {
		return
	}
	a.mu.Lock()
	a.lastErr = err
	a.mu.Unlock()
}

// Err returns the last background flush's failure, if any.
func (a *AccessRecorder) Err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lastErr
}

// Close stops the background flushes and writes what is pending (call it
// on shutdown, after the HTTP server stopped serving).
func (a *AccessRecorder) Close(ctx context.Context) error {
	select {
	case <-a.stop:
	default:
		close(a.stop)
	}
	<-a.done
	return a.Flush(ctx)
}
