package resolver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// stanclResolverKey is the cache key stancl/tenancy v3's cached
// DomainTenantResolver uses, before its domain argument list:
// '_tenancy_resolver:' . static::class . ':' . json_encode($args).
const stanclResolverKey = `_tenancy_resolver:Stancl\Tenancy\Resolvers\DomainTenantResolver:`

// artflowLookupKey starts artflow-studio/tenancy's domain lookup key.
const artflowLookupKey = "tenancy_lookup:domain:"

// keys names everything tenancy keeps in Redis.
type keys struct{ prefix, laravel string }

func (k keys) domain(d string) string   { return k.prefix + "domain:" + d }
func (k keys) domainPattern() string    { return k.prefix + "domain:*" }
func (k keys) stats(inst string) string { return k.prefix + "stats:" + inst }
func (k keys) statsPattern() string     { return k.prefix + "stats:*" }

// forDomain lists every key to delete when domain changes: ours, and with
// a Laravel prefix the PHP resolvers' own.
func (k keys) forDomain(d string) []string {
	out := []string{k.domain(d)}
	if k.laravel != "" {
		args, _ := json.Marshal([]string{d})
		out = append(out, k.laravel+stanclResolverKey+string(args), k.laravel+artflowLookupKey+d)
	}
	return out
}

// message is what travels on the invalidation channel.
type message struct {
	// Origin is the publishing resolver, which already forgot the
	// domains and skips its own message; empty from a lone Invalidator.
	Origin  string   `json:"origin,omitempty"`
	Domains []string `json:"domains,omitempty"`
	All     bool     `json:"all,omitempty"`
}

// Invalidator deletes changed domains' Redis keys and tells every
// process's in-process tier to forget them. A Resolver has one; a process
// that only writes (the CLI) uses one on its own.
type Invalidator struct {
	keys    keys
	client  redis.UniversalClient
	channel string
	cfg     config.Cache
	// brk and local are set when the invalidator belongs to a Resolver.
	brk   *breaker
	local *Resolver

	mu      sync.Mutex
	lastErr error
}

// NewInvalidator builds an invalidator on client.
func NewInvalidator(cfg config.Cache, client redis.UniversalClient) *Invalidator {
	return &Invalidator{
		keys:   keys{prefix: cfg.KeyPrefix, laravel: cfg.LaravelPrefix},
		client: client, channel: cfg.Channel, cfg: cfg,
	}
}

// Watch invalidates after every write svc commits.
func (v *Invalidator) Watch(svc *tenants.Service) { svc.OnChange(v.Handle) }

// Handle invalidates one committed change (an OnChange callback, which
// has no error to return: Err reports the last failure).
func (v *Invalidator) Handle(c tenants.Change) {
	ctx, cancel := context.WithTimeout(context.Background(), v.cfg.LoadTimeout.D())
	defer cancel()
	if err := v.Invalidate(ctx, c.Domains); err != nil {
		v.mu.Lock()
		v.lastErr = fmt.Errorf("invalidate the cache of tenant %s: %w", c.TenantID, err)
		v.mu.Unlock()
	}
}

// Err returns the last invalidation failure seen by Handle, if any.
func (v *Invalidator) Err() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.lastErr
}

// Invalidate forgets domains here, deletes their keys in Redis (even with
// the breaker open: a stale entry would outlive the outage) and publishes
// them to every other process.
func (v *Invalidator) Invalidate(ctx context.Context, domains []string) error {
	norm := make([]string, 0, len(domains))
	for _, d := range domains {
		if d = NormalizeHost(d); d != "" {
			norm = append(norm, d)
		}
	}
	if v.local != nil {
		v.local.forget(norm)
		v.local.stats.invalidations.Add(1)
	}
	if len(norm) == 0 {
		return nil
	}
	pipe := v.client.Pipeline()
	for _, d := range norm {
		for _, k := range v.keys.forDomain(d) {
			pipe.Del(ctx, k) // one key per command: a cluster splits the pipeline by slot
		}
	}
	_, err := pipe.Exec(ctx)
	if err == nil {
		err = v.publish(ctx, message{Domains: norm})
	}
	v.report(err)
	if err != nil {
		return fmt.Errorf("delete cache keys of %v: %w", norm, err)
	}
	return nil
}

// FlushAll tells every process to empty its in-process tier.
func (v *Invalidator) FlushAll(ctx context.Context) error {
	if v.local != nil {
		v.local.flushLocal()
	}
	err := v.publish(ctx, message{All: true})
	v.report(err)
	return err
}

func (v *Invalidator) publish(ctx context.Context, m message) error {
	if v.local != nil {
		m.Origin = v.local.id
	}
	blob, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := v.client.Publish(ctx, v.channel, blob).Err(); err != nil {
		return fmt.Errorf("publish on %s: %w", v.channel, err)
	}
	return nil
}

func (v *Invalidator) report(err error) {
	if v.brk == nil {
		return
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		v.brk.failure()
	} else if err == nil {
		v.brk.success()
	}
}

// Invalidator returns the resolver's invalidator (nil without Redis).
func (r *Resolver) Invalidator() *Invalidator { return r.inv }

// Invalidate forgets domains in this process and, with Redis, everywhere.
func (r *Resolver) Invalidate(ctx context.Context, domains []string) error {
	if r.inv == nil {
		norm := make([]string, len(domains))
		for i, d := range domains {
			norm[i] = NormalizeHost(d)
		}
		r.forget(norm)
		r.stats.invalidations.Add(1)
		return nil
	}
	return r.inv.Invalidate(ctx, domains)
}

// Watch makes the resolver invalidate after every write svc commits (the
// process that writes need not wait for its own pub/sub message).
func (r *Resolver) Watch(svc *tenants.Service) {
	svc.OnChange(func(c tenants.Change) {
		ctx, cancel := context.WithTimeout(r.ctx, r.cfg.LoadTimeout.D())
		defer cancel()
		_ = r.Invalidate(ctx, c.Domains)
	})
}

// startSubscriber listens on the invalidation channel. go-redis
// reconnects and resubscribes by itself; every resubscription flushes the
// in-process tier, since messages sent while disconnected are lost. (The
// first subscription does not: the tier is new then.)
func (r *Resolver) startSubscriber() {
	ps := r.redis.Subscribe(r.ctx, r.cfg.Channel)
	ch := ps.ChannelWithSubscriptions()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer ps.Close()
		subscriptions := 0
		for {
			select {
			case <-r.ctx.Done():
				return
			case m, ok := <-ch:
				if !ok {
					return
				}
				if s, ok := m.(*redis.Subscription); ok && s.Kind == "subscribe" {
					if subscriptions++; subscriptions > 1 {
						r.flushLocal()
					}
					continue
				}
				r.onMessage(m)
			}
		}
	}()
}

func (r *Resolver) onMessage(m any) {
	switch m := m.(type) {
	case *redis.Message:
		var msg message
		if err := json.Unmarshal([]byte(m.Payload), &msg); err != nil {
			r.flushLocal() // an unreadable message: forget everything rather than guess
			return
		}
		if msg.Origin != "" && msg.Origin == r.id {
			return
		}
		if msg.All {
			r.flushLocal()
			return
		}
		r.forget(msg.Domains)
		r.stats.invalidations.Add(1)
	}
}
