package resolver

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/tenancy-dev/tenancy/tenants"
)

// watcher is the one OnChange hook per service in this process: after a
// write commits it makes every resolver watching the service forget the
// domains, then deletes the keys and publishes once, through the first
// attached invalidator. So the dashboard's resolver and the CLI's hook on
// one service do not both delete and publish.
type watcher struct {
	mu        sync.Mutex
	resolvers []*Resolver
	invs      []*Invalidator
}

var (
	watchersMu sync.Mutex
	watchers   = map[*tenants.Service]*watcher{}
)

// attach adds r and/or v to svc's watcher (registering the hook on the
// first attach) and returns the detach; the last detach drops the
// watcher, whose hook then stays registered with nothing to do.
func attach(svc *tenants.Service, r *Resolver, v *Invalidator) func() {
	watchersMu.Lock()
	defer watchersMu.Unlock()
	w := watchers[svc]
	if w == nil {
		w = &watcher{}
		watchers[svc] = w
		svc.OnChange(w.handle)
	}
	w.mu.Lock()
	if r != nil {
		w.resolvers = append(w.resolvers, r)
	}
	if v != nil {
		w.invs = append(w.invs, v)
	}
	w.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			watchersMu.Lock()
			defer watchersMu.Unlock()
			w.mu.Lock()
			defer w.mu.Unlock()
			w.resolvers = slices.DeleteFunc(w.resolvers, func(x *Resolver) bool { return x == r })
			w.invs = slices.DeleteFunc(w.invs, func(x *Invalidator) bool { return x == v })
			if len(w.resolvers) == 0 && len(w.invs) == 0 && watchers[svc] == w {
				delete(watchers, svc)
			}
		})
	}
}

func (w *watcher) handle(c tenants.Change) {
	w.mu.Lock()
	resolvers, invs := slices.Clone(w.resolvers), slices.Clone(w.invs)
	w.mu.Unlock()
	norm := normalizeAll(c.Domains)
	for _, r := range resolvers {
		r.forgetCounted(norm)
	}
	if len(invs) == 0 {
		return
	}
	v := invs[0]
	ctx, cancel := context.WithTimeout(context.Background(), v.cfg.LoadTimeout.D())
	defer cancel()
	if err := v.deleteAndPublish(ctx, norm); err != nil {
		v.setErr(fmt.Errorf("invalidate the cache of tenant %s: %w", c.TenantID, err))
	}
}

// Watch invalidates after every write svc commits, until the returned
// stop is called. Another Watch on svc in this process (a resolver's, an
// invalidator's) shares the one deletion and message per write.
func (v *Invalidator) Watch(svc *tenants.Service) (stop func()) { return attach(svc, nil, v) }

// Watch makes the resolver invalidate after every write svc commits (the
// process that writes need not wait for its own pub/sub message), until
// Close. With other watches on svc in this process, each write still
// deletes the keys and publishes once.
func (r *Resolver) Watch(svc *tenants.Service) {
	stop := attach(svc, r, r.inv) // r.inv is nil without Redis
	r.unwatchMu.Lock()
	r.unwatch = append(r.unwatch, stop)
	r.unwatchMu.Unlock()
}
