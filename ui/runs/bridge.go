package runs

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/ui/common"
)

// Bridge carries a service's progress callback into the UI with one
// policy: keep the latest. The service never blocks on a slow or closed
// screen; a report replaces the one not yet read, which loses nothing
// because reports are cumulative (fleet.Progress counts the whole run).
type Bridge[T any] struct {
	ch chan T
}

// NewBridge returns an open bridge.
func NewBridge[T any]() *Bridge[T] { return &Bridge[T]{ch: make(chan T, 1)} }

// Report is the service's callback. It must not be called after Close.
func (b *Bridge[T]) Report(v T) {
	for {
		select {
		case b.ch <- v:
			return
		default:
		}
		select {
		case <-b.ch: // drop the stale report
		default:
		}
	}
}

// Close ends the reports; Wait's command then returns nil.
func (b *Bridge[T]) Close() { close(b.ch) }

// Wait returns a command that delivers the next report as wrap(v), or
// nil once the bridge is closed. The screen re-arms it on every report.
func (b *Bridge[T]) Wait(c *common.Context, wrap func(T) tea.Msg) tea.Cmd {
	return c.Run(func(context.Context) tea.Msg {
		v, ok := <-b.ch
		if !ok {
			return nil
		}
		return wrap(v)
	})
}
