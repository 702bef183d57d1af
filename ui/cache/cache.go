// Package cache is the dashboard's view of the tenant resolver: the
// "cache" header slot (Redis round trip, or the breaker's state when
// Redis is down or slow), the `:resolve` command, which resolves a
// domain, or every domain of a tenant, as a web request would, and the
// resolve dialog (o on a tenant) showing each domain's tier and time. The
// dashboard's resolver also invalidates the cache after its writes.
package cache

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// Slot is the header slot this package fills.
const Slot = "cache"

// flashTTL keeps a resolve answer long enough to read several domains.
const flashTTL = 8 * time.Second

// state is one dashboard's resolver, opened by the startup work and used
// by :resolve.
type state struct {
	ready   chan struct{} // closed once r or err is set
	r       *resolver.Resolver
	err     error
	once    sync.Once
	updates chan common.SlotMsg
}

// Register adds the header-slot poller, the :resolve command and the
// resolve dialog.
func Register(reg *common.Registry) {
	s := &state{ready: make(chan struct{}), updates: make(chan common.SlotMsg, 1)}
	reg.Startup(s.start)
	// DOMAIN may also be a tenant reference: then each of its domains.
	reg.Command(common.Command{Name: "resolve", Args: "DOMAIN", Help: "resolve a domain or a tenant's domains", Run: s.resolve})
	reg.Screen(Screen, s.dialog)
}

// start opens the resolver and polls Redis every ui.refresh_interval
// until the dashboard exits, feeding the header slot.
func (s *state) start(c *common.Context) tea.Cmd {
	if c.Service == nil {
		return nil
	}
	return tea.Batch(c.Run(func(ctx context.Context) tea.Msg { s.loop(ctx, c); return nil }), s.next(c))
}

func (s *state) loop(ctx context.Context, c *common.Context) {
	r, closeResolver, err := resolver.Open(c.Service)
	s.once.Do(func() { s.r, s.err = r, err; close(s.ready) })
	if err != nil {
		s.push(common.SlotMsg{Slot: Slot, Text: "cache ✗ " + err.Error(), Short: "cache ✗"})
		return
	}
	defer closeResolver()
	every := c.Config.UI.RefreshInterval.D()
	if every <= 0 {
		every = 10 * time.Second
	}
	for {
		s.push(slotText(ctx, r))
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// slotText is the header's cache state, in full and compact, in one
// vocabulary: "redis ✓ 260µs" (narrow: "redis ✓"), "redis ✗",
// "breaker open", "cache off".
func slotText(ctx context.Context, r *resolver.Resolver) common.SlotMsg {
	d, err := r.Probe(ctx)
	m := common.SlotMsg{Slot: Slot}
	switch {
	case err == nil:
		m.Text, m.Short = "redis ✓ "+took(resolver.Result{Duration: d}), "redis ✓"
	case errors.Is(err, resolver.ErrNoRedis):
		m.Text = "cache off"
	case r.Breaker() == resolver.BreakerClosed:
		m.Text = "redis ✗"
	default:
		m.Text = "breaker " + r.Breaker().String()
	}
	return m
}

// push replaces any update the header has not taken yet.
func (s *state) push(m common.SlotMsg) {
	for {
		select {
		case s.updates <- m:
			return
		default:
			select {
			case <-s.updates:
			default:
			}
		}
	}
}

// next waits for the poller's next state, then re-arms itself.
func (s *state) next(c *common.Context) tea.Cmd {
	return c.Run(func(ctx context.Context) tea.Msg {
		select {
		case <-ctx.Done():
			return nil
		case m := <-s.updates:
			return tea.BatchMsg{func() tea.Msg { return m }, s.next(c)}
		}
	})
}

// resolver waits for the startup work to open the resolver.
func (s *state) resolver(ctx context.Context) (*resolver.Resolver, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.ready:
		return s.r, s.err
	}
}

func (s *state) resolve(c *common.Context, args []string) tea.Cmd {
	if len(args) != 1 {
		return common.FlashError(fmt.Errorf(":resolve takes one domain or tenant reference"))
	}
	if c.Service == nil {
		return common.FlashError(fmt.Errorf(":resolve needs the tenant service"))
	}
	return c.Run(func(ctx context.Context) tea.Msg {
		r, err := s.resolver(ctx)
		if err != nil {
			return common.FlashMsg{Text: err.Error(), Error: true}
		}
		domains := []string{resolver.NormalizeHost(args[0])}
		if t, err := c.Service.Find(ctx, args[0]); err == nil && !slices.Contains(t.Domains, domains[0]) {
			if len(t.Domains) == 0 {
				return common.FlashMsg{Text: fmt.Sprintf("tenant %s has no domains to resolve", termtext.Line(t.Name)), Error: true}
			}
			domains = t.Domains
		}
		parts := make([]string, 0, len(domains))
		flash := common.FlashMsg{TTL: flashTTL}
		for _, a := range lookup(ctx, r, domains) {
			if a.err != nil {
				return common.FlashMsg{Text: a.err.Error(), Error: true, TTL: flashTTL}
			}
			switch {
			case !a.res.Found:
				flash.Error = true
			case a.res.Tenant.Status != tenants.StatusActive:
				flash.Warn = true
			}
			parts = append(parts, describe(a.domain, a.res))
		}
		flash.Text = strings.Join(parts, "; ")
		return flash
	})
}

// describe is one lookup in words: ✓ is kept for a domain that serves an
// active tenant (the flash's Error or Warn say otherwise). The domain and
// the owner are escaped.
func describe(domain string, res resolver.Result) string {
	return fmt.Sprintf("%s → %s, answered by %s in %s", termtext.Line(domain), owner(res), res.Tier, took(res))
}
