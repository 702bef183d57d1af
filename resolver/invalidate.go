package resolver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tenancy-dev/tenancy/config"
)

// stanclResolverKey is the cache key stancl/tenancy v3's cached
// DomainTenantResolver uses, before its domain argument list:
// '_tenancy_resolver:' . static::class . ':' . json_encode($args).
const stanclResolverKey = `_tenancy_resolver:Stancl\Tenancy\Resolvers\DomainTenantResolver:`

// artflowLookupKey starts artflow-studio/tenancy's domain lookup key.
const artflowLookupKey = "tenancy_lookup:domain:"

// keys names everything tenancy keeps in Redis.
type keys struct{ prefix, laravel string }

// A domain's entry and version keys carry the domain as their {hash
// tag}, so a Cluster keeps both in one slot (scripts and MGET need that).
// Lookup refuses hosts with braces, which would break the tag.
func (k keys) domain(d string) string   { return k.prefix + "domain:{" + d + "}" }
func (k keys) version(d string) string  { return k.prefix + "version:{" + d + "}" }
func (k keys) pair(d string) []string   { return []string{k.domain(d), k.version(d)} }
func (k keys) domainPattern() string    { return k.prefix + "domain:*" }
func (k keys) stats(inst string) string { return k.prefix + "stats:" + inst }
func (k keys) statsPattern() string     { return k.prefix + "stats:*" }

// laravelKeys lists the PHP resolvers' keys for domain d, with a Laravel
// prefix (none without).
func (k keys) laravelKeys(d string) []string {
	if k.laravel == "" {
		return nil
	}
	args, _ := json.Marshal([]string{d})
	return []string{k.laravel + stanclResolverKey + string(args), k.laravel + artflowLookupKey + d}
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

// OpenInvalidator returns an invalidator on a Redis client of its own to
// cfg's [redis] url, and the client's Close; nil and a Close that does
// nothing when no url is set. It is how a process that only writes
// builds one: the CLI's hook on its tenant service, or a move run's items
// in a worker or the dashboard. The client connects on first use.
func OpenInvalidator(cfg *config.Config) (*Invalidator, func() error, error) {
	if cfg.Redis.URL == "" {
		return nil, func() error { return nil }, nil
	}
	client, err := NewRedisClient(cfg.Redis.URL, cfg.Cache.RedisTimeout.D())
	if err != nil {
		return nil, nil, err
	}
	return NewInvalidator(cfg.Cache, client), client.Close, nil
}

// Err returns the last failure of an invalidation after a write svc
// committed (Watch), if any: OnChange callbacks have no error to return.
func (v *Invalidator) Err() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.lastErr
}

func (v *Invalidator) setErr(err error) {
	v.mu.Lock()
	v.lastErr = err
	v.mu.Unlock()
}

// Invalidate forgets domains here, deletes their keys in Redis (even with
// the breaker open: a stale entry would outlive the outage) and publishes
// them to every other process.
func (v *Invalidator) Invalidate(ctx context.Context, domains []string) error {
	norm := normalizeAll(domains)
	if v.local != nil {
		v.local.forgetCounted(norm)
	}
	return v.deleteAndPublish(ctx, norm)
}

// deleteAndPublish moves each domain's version and deletes its keys (see
// version.go), then publishes the domains on the channel.
func (v *Invalidator) deleteAndPublish(ctx context.Context, norm []string) error {
	if len(norm) == 0 {
		return nil
	}
	pipe := v.client.Pipeline()
	verTTL := versionTTL(v.cfg.LoadTimeout.D(), v.cfg.RedisTimeout.D()).Milliseconds()
	for _, d := range norm {
		pipe.Eval(ctx, invalidateDomain, v.keys.pair(d), verTTL)
		for _, k := range v.keys.laravelKeys(d) {
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

// normalizeAll normalises domains, dropping those that normalise to "".
func normalizeAll(domains []string) []string {
	norm := make([]string, 0, len(domains))
	for _, d := range domains {
		if d = NormalizeHost(d); d != "" {
			norm = append(norm, d)
		}
	}
	return norm
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
		r.forgetCounted(normalizeAll(domains))
		return nil
	}
	return r.inv.Invalidate(ctx, domains)
}

// startSubscriber listens on the invalidation channel. go-redis
// reconnects and resubscribes by itself; every confirmed subscription,
// the first one included, flushes the in-process tier, since messages
// sent while not subscribed are lost (lookups may fill the tier before
// the first confirmation, and Redis may be down at start). New waits up
// to redis_timeout for the first confirmation, so a resolver that starts
// with Redis up has a live subscription when New returns.
func (r *Resolver) startSubscriber() {
	ps := r.redis.Subscribe(r.ctx)                          // no channel yet: Subscribe below says whether Redis took it
	subscribed := ps.Subscribe(r.ctx, r.cfg.Channel) == nil // on failure go-redis keeps retrying
	ch := ps.ChannelWithSubscriptions()
	first := make(chan struct{})
	r.wg.Add(1)
	go func(first chan struct{}) {
		defer r.wg.Done()
		defer ps.Close()
		for {
			select {
			case <-r.ctx.Done():
				return
			case m, ok := <-ch:
				if !ok {
					return
				}
				if s, ok := m.(*redis.Subscription); ok && s.Kind == "subscribe" {
					r.flushLocal()
					if first != nil {
						close(first)
						first = nil
					}
					continue
				}
				r.onMessage(m)
			}
		}
	}(first)
	if subscribed {
		wait := time.NewTimer(r.cfg.RedisTimeout.D())
		defer wait.Stop()
		select {
		case <-first:
		case <-wait.C:
		}
	}
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
		r.forgetCounted(msg.Domains)
	}
}
