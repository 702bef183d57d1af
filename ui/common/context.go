// Package common is the contract between the dashboard's root model and
// its screens: the shared Context, the Screen interface, the Registry that
// screens and palette commands are added to, and the messages screens send
// the root (open, back, flash, tasks, header slots). See package ui's doc
// for how to add a screen.
package common

import (
	"context"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/keys"
	"github.com/tenancy-dev/tenancy/ui/styles"
)

// Context is what every screen shares. The root owns it and keeps Width,
// Height and Styles current; screens keep the pointer.
type Context struct {
	// Service is the tenant service (nil in view-only unit tests).
	Service *tenants.Service
	Config  *config.Config
	Styles  *styles.Styles
	Keys    *keys.KeyMap
	// ReadOnly hides or disables every write.
	ReadOnly bool
	// Width and Height are the size of the content area between header
	// and footer.
	Width, Height int
	// Now is the clock (fixed in golden tests).
	Now func() time.Time

	ctx    context.Context
	mu     sync.Mutex
	wg     sync.WaitGroup
	closed bool
	seq    int
	locals map[any]any
}

// NewContext returns a context whose work is cancelled with ctx.
func NewContext(ctx context.Context, svc *tenants.Service, cfg *config.Config, km *keys.KeyMap, st *styles.Styles) *Context {
	return &Context{Service: svc, Config: cfg, Keys: km, Styles: st, ReadOnly: cfg.UI.ReadOnly, Now: time.Now, ctx: ctx}
}

// Ctx is the program's context: cancelled when the dashboard exits.
func (c *Context) Ctx() context.Context { return c.ctx }

// Run returns a command that runs fn on the program's context and
// delivers its message. The goroutine is counted so the dashboard waits for
// every operation to end (after cancelling them) before it returns: use it
// for all I/O instead of a bare tea.Cmd.
func (c *Context) Run(fn func(ctx context.Context) tea.Msg) tea.Cmd {
	return func() tea.Msg {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil
		}
		c.wg.Add(1)
		c.mu.Unlock()
		defer c.wg.Done()
		return fn(c.ctx)
	}
}

// Wait refuses new work and blocks until every command started by Run has
// returned (cancel the context first).
func (c *Context) Wait() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
}

// Local returns this dashboard's *T, zero when first asked for: state a
// screen package shares between its screens and commands. A package
// variable would be shared by every dashboard the process runs (one per
// SSH session); T, a type of the package's own, is the key.
func Local[T any](c *Context) *T {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := (*T)(nil)
	if v, ok := c.locals[key]; ok {
		return v.(*T)
	}
	if c.locals == nil {
		c.locals = map[any]any{}
	}
	v := new(T)
	c.locals[key] = v
	return v
}

// NextID returns a process-unique number, for tagging requests and tasks
// so that stale replies can be told apart.
func (c *Context) NextID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	return c.seq
}
