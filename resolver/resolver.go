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
	"strings"
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

	// gen moves on every invalidation in this process; a load that
	// started before one does not store what it read. Across processes
	// the domain's version key in Redis does the same (see storeRedis).
	gen atomic.Uint64
	// afterLoad, set by tests only, runs between a database load and the
	// stores that follow it.
	afterLoad func(domain string)
	// clock, set by tests only, is the in-process tier's time (nil: the
	// real one), so expiry is tested without waiting.
	clock func() time.Time
	// unwatch detaches the resolver from the services it watches.
	unwatchMu sync.Mutex
	unwatch   []func()

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
	r.unwatchMu.Lock()
	for _, stop := range r.unwatch {
		stop()
	}
	r.unwatch = nil
	r.unwatchMu.Unlock()
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
		if e, ok := r.local.get(domain, r.localNow(start)); ok {
			res := Result{Found: e.tenant != nil, Tier: TierLocal}
			if e.tenant != nil {
				res.Tenant = *e.tenant
			}
			r.stats.localHit(!res.Found, start)
			return res, nil
		}
		r.stats.localMisses.Add(1)
	}
	if strings.ContainsAny(domain, "{}") { // no tenant's domain; braces would break the keys' hash tag
		return Result{Tier: TierLocal}, nil
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
	res, hit, version := r.fromRedis(domain)
	if hit {
		r.storeLocal(domain, res, gen)
		return res, nil
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.LoadTimeout.D())
	defer cancel()
	r.stats.dbLoads.Add(1)
	t, err := r.load(ctx, domain)
	res = Result{Tier: TierDatabase}
	switch {
	case errors.Is(err, tenants.ErrNotFound):
	case err != nil:
		return Result{}, fmt.Errorf("resolve %s: %w", domain, err)
	default:
		res.Tenant, res.Found = compact(t).tenant(), true
	}
	if r.afterLoad != nil {
		r.afterLoad(domain)
	}
	if r.gen.Load() == gen && r.storeRedis(domain, res, version) == storeStale {
		return res, nil // a write committed meanwhile: cache nothing
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
	r.local.put(domain, t, ttl, r.localNow(time.Now()))
}

// localNow is the in-process tier's time in unix nanoseconds: now, unless
// a test set a clock.
func (r *Resolver) localNow(now time.Time) int64 {
	if r.clock != nil {
		return r.clock().UnixNano()
	}
	return now.UnixNano()
}

// noVersion stands for a domain version fill did not read from Redis
// (no Redis, open breaker, an error): it stores nothing there then.
const noVersion = -1

// fromRedis reads the domain's entry and version in one round trip (both
// keys are in one hash slot). hit is false on a miss, an error or an
// open breaker (the database answers then); on a miss version is what a
// store of the load that follows must still find.
func (r *Resolver) fromRedis(domain string) (res Result, hit bool, version int64) {
	if r.redis == nil || !r.brk.allow() {
		return Result{}, false, noVersion
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.RedisTimeout.D())
	defer cancel()
	vals, err := r.redis.MGet(ctx, r.inv.keys.domain(domain), r.inv.keys.version(domain)).Result()
	if err == nil && len(vals) != 2 {
		err = fmt.Errorf("MGET returned %d values for 2 keys", len(vals))
	}
	if err != nil {
		r.brk.failure()
		r.stats.redisErrors.Add(1)
		return Result{}, false, noVersion
	}
	r.brk.success()
	version, ok := parseVersion(vals[1])
	if !ok {
		return Result{}, false, noVersion
	}
	v, _ := vals[0].(string)
	switch {
	case vals[0] == nil:
		r.stats.redisMisses.Add(1)
		return Result{}, false, version
	case v == negativeValue:
		return Result{Tier: TierRedis}, true, version
	}
	t, err := decodeTenant(v)
	if err != nil {
		r.stats.redisMisses.Add(1)
		return Result{}, false, version
	}
	return Result{Tenant: t, Found: true, Tier: TierRedis}, true, version
}

// storeOutcome is what storeRedis did.
type storeOutcome int

const (
	storeSkipped storeOutcome = iota // no Redis, open breaker, an error or nothing to store
	storeDone
	storeStale // the domain's version moved since fill read it
)

// storeRedis writes a loaded answer, unless the domain's version is no
// longer the one read before the load: then a write committed and was
// invalidated meanwhile (in any process), and res may predate it.
func (r *Resolver) storeRedis(domain string, res Result, version int64) storeOutcome {
	if r.redis == nil || version == noVersion || !r.brk.allow() {
		return storeSkipped
	}
	value, ttl := negativeValue, r.cfg.NegativeTTL.D()
	if res.Found {
		v, err := encodeTenant(res.Tenant)
		if err != nil {
			return storeSkipped
		}
		value, ttl = v, jittered(r.cfg.TTL.D(), r.cfg.TTLJitter)
	}
	if ttl < time.Millisecond {
		return storeSkipped
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.RedisTimeout.D())
	defer cancel()
	stored, err := storeIfVersion.Run(ctx, r.redis, r.inv.keys.pair(domain), version, value, ttl.Milliseconds()).Int()
	if err != nil {
		r.brk.failure()
		r.stats.redisErrors.Add(1)
		return storeSkipped
	}
	r.brk.success()
	if stored == 0 {
		r.stats.staleStores.Add(1)
		return storeStale
	}
	return storeDone
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

// forgetCounted is forget for an invalidation, counted in the stats.
func (r *Resolver) forgetCounted(domains []string) {
	r.forget(domains)
	r.stats.invalidations.Add(1)
}

// flushLocal empties the in-process tier.
func (r *Resolver) flushLocal() {
	r.gen.Add(1)
	if r.local != nil {
		r.local.flush()
	}
	r.stats.flushes.Add(1)
}
