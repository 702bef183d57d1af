// Package resolver answers "which tenant owns this domain?" for web
// requests: an in-process tier, then Redis, then the central database,
// with negative caching, one database load per domain under a stampede,
// a circuit breaker that sends lookups straight to the database when
// Redis is down or slow, invalidation over Redis pub/sub, and net/http
// middleware that puts the tenant in the request context.
package resolver

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// ErrUnknownDomain is returned for a domain no tenant owns.
var ErrUnknownDomain = errors.New("no tenant owns this domain")

// Loader reads a domain's tenant from the central database; an unknown
// domain is an error wrapping tenants.ErrNotFound.
// tenants.Service.FindByDomain is one.
type Loader func(ctx context.Context, domain string) (tenants.Tenant, error)

// Tier names the tier that answered a lookup.
type Tier string

// Tiers, fastest first.
const (
	TierLocal    Tier = "local"
	TierRedis    Tier = "redis"
	TierDatabase Tier = "database"
)

// Result is one lookup's answer and how it was found.
type Result struct {
	Tenant tenants.Tenant
	// Found is false for an unknown domain (answered from any tier).
	Found    bool
	Tier     Tier
	Duration time.Duration
}

// Resolver is safe for concurrent use. Tenants it returns share their
// Domains slice with the cache: treat them as read-only.
type Resolver struct {
	id     string // names this resolver in pub/sub messages and stats
	cfg    config.Cache
	load   Loader
	local  *localTier
	redis  redis.UniversalClient
	brk    *breaker
	inv    *Invalidator
	flight singleflight.Group
	stats  *counters

	// gen moves on every invalidation; a load that started before one
	// does not store what it read.
	gen atomic.Uint64

	ctx    context.Context // detached loads and background loops; cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed atomic.Bool
}

// instances numbers the resolvers of this process.
var instances atomic.Int64

// New builds a resolver. client may be nil (no Redis tier, no pub/sub);
// when set, New starts the invalidation subscriber and the stats
// reporter, which Close stops. The caller keeps ownership of client.
func New(cfg config.Cache, client redis.UniversalClient, load Loader) *Resolver {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Resolver{
		id:  fmt.Sprintf("%s#%d", instanceName, instances.Add(1)),
		cfg: cfg, load: load, local: newLocalTier(cfg.LocalSize), redis: client,
		brk:   newBreaker(cfg.BreakerFailures, cfg.BreakerCooldown.D()),
		stats: newCounters(), ctx: ctx, cancel: cancel,
	}
	if cfg.LocalTTL <= 0 {
		r.local = nil
	}
	if client != nil {
		r.inv = NewInvalidator(cfg, client)
		r.inv.brk = r.brk
		r.inv.local = r
		r.startSubscriber()
		if cfg.StatsInterval > 0 {
			r.startStatsReporter()
		}
	}
	return r
}

// Close stops the background loops and waits for them and for running
// loads.
func (r *Resolver) Close() {
	if r.closed.Swap(true) {
		return
	}
	r.cancel()
	r.wg.Wait()
}

// Breaker returns the Redis circuit breaker's state.
func (r *Resolver) Breaker() BreakerState { return r.brk.State() }

// Resolve returns the tenant owning host (a request's Host, normalised
// here). An unknown domain gives an error wrapping ErrUnknownDomain.
func (r *Resolver) Resolve(ctx context.Context, host string) (tenants.Tenant, error) {
	res, err := r.Lookup(ctx, host)
	if err != nil {
		return tenants.Tenant{}, err
	}
	if !res.Found {
		return tenants.Tenant{}, fmt.Errorf("domain %s: %w", NormalizeHost(host), ErrUnknownDomain)
	}
	return res.Tenant, nil
}

// Lookup is Resolve telling which tier answered and how long it took;
// an unknown domain is a Result with Found false, not an error.
func (r *Resolver) Lookup(ctx context.Context, host string) (Result, error) {
	start := time.Now()
	domain := NormalizeHost(host)
	if domain == "" {
		return Result{Tier: TierLocal}, nil
	}
	if r.local != nil {
		if e, ok := r.local.get(domain, start.UnixNano()); ok {
			res := Result{Found: e.tenant != nil, Tier: TierLocal}
			if e.tenant != nil {
				res.Tenant = *e.tenant
			}
			r.stats.localHit(!res.Found, start)
			return res, nil
		}
		r.stats.localMisses.Add(1)
	}
	ch := r.flight.DoChan(domain, func() (any, error) { return r.fill(domain) })
	select {
	case <-ctx.Done():
		return Result{}, fmt.Errorf("resolve %s: %w", domain, ctx.Err())
	case out := <-ch:
		if out.Err != nil {
			return Result{}, out.Err
		}
		res := out.Val.(Result)
		res.Duration = time.Since(start)
		r.stats.record(res, start)
		return res, nil
	}
}

// fill runs once per domain at a time (singleflight) on the resolver's
// own context: Redis, then the database, then both caches.
func (r *Resolver) fill(domain string) (Result, error) {
	if r.closed.Load() {
		return Result{}, fmt.Errorf("resolve %s: the resolver is closed", domain)
	}
	r.wg.Add(1)
	defer r.wg.Done()
	gen := r.gen.Load()
	if res, ok := r.fromRedis(domain); ok {
		r.storeLocal(domain, res, gen)
		return res, nil
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.LoadTimeout.D())
	defer cancel()
	r.stats.dbLoads.Add(1)
	t, err := r.load(ctx, domain)
	res := Result{Tier: TierDatabase}
	switch {
	case errors.Is(err, tenants.ErrNotFound):
	case err != nil:
		return Result{}, fmt.Errorf("resolve %s: %w", domain, err)
	default:
		res.Tenant, res.Found = compact(t).tenant(), true
	}
	if r.gen.Load() == gen {
		r.storeRedis(domain, res)
	}
	r.storeLocal(domain, res, gen)
	return res, nil
}

func (r *Resolver) storeLocal(domain string, res Result, gen uint64) {
	if r.local == nil || r.gen.Load() != gen {
		return
	}
	ttl := r.cfg.LocalTTL.D()
	var t *tenants.Tenant
	if res.Found {
		t = &res.Tenant
	} else {
		ttl = min(ttl, r.cfg.NegativeTTL.D())
	}
	r.local.put(domain, t, ttl, time.Now().UnixNano())
}

// fromRedis reads the domain's entry; ok is false on a miss, an error
// or an open breaker (the database answers then).
func (r *Resolver) fromRedis(domain string) (Result, bool) {
	if r.redis == nil || !r.brk.allow() {
		return Result{}, false
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.RedisTimeout.D())
	defer cancel()
	v, err := r.redis.Get(ctx, r.inv.keys.domain(domain)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		r.brk.success()
		r.stats.redisMisses.Add(1)
		return Result{}, false
	case err != nil:
		r.brk.failure()
		r.stats.redisErrors.Add(1)
		return Result{}, false
	}
	r.brk.success()
	if v == negativeValue {
		return Result{Tier: TierRedis}, true
	}
	t, err := decodeTenant(v)
	if err != nil {
		r.stats.redisMisses.Add(1)
		return Result{}, false
	}
	return Result{Tenant: t, Found: true, Tier: TierRedis}, true
}

func (r *Resolver) storeRedis(domain string, res Result) {
	if r.redis == nil || !r.brk.allow() {
		return
	}
	value, ttl := negativeValue, r.cfg.NegativeTTL.D()
	if res.Found {
		v, err := encodeTenant(res.Tenant)
		if err != nil {
			return
		}
		value, ttl = v, jittered(r.cfg.TTL.D(), r.cfg.TTLJitter)
	}
	if ttl <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.RedisTimeout.D())
	defer cancel()
	if err := r.redis.Set(ctx, r.inv.keys.domain(domain), value, ttl).Err(); err != nil {
		r.brk.failure()
		r.stats.redisErrors.Add(1)
		return
	}
	r.brk.success()
}

// jittered adds up to frac of ttl, at random.
func jittered(ttl time.Duration, frac float64) time.Duration {
	if frac <= 0 {
		return ttl
	}
	return ttl + time.Duration(rand.Float64()*frac*float64(ttl))
}

// forget drops domains from the in-process tier and from any load in
// flight, so the next lookup reads afresh.
func (r *Resolver) forget(domains []string) {
	r.gen.Add(1)
	for _, d := range domains {
		r.flight.Forget(d)
	}
	if r.local != nil {
		r.local.remove(domains)
	}
}

// flushLocal empties the in-process tier.
func (r *Resolver) flushLocal() {
	r.gen.Add(1)
	if r.local != nil {
		r.local.flush()
	}
	r.stats.flushes.Add(1)
}
