package config

import "time"

// Cache holds the tenant resolver's cache settings.
type Cache struct {
	// KeyPrefix starts every Redis key tenancy writes.
	KeyPrefix string `toml:"key_prefix"`
	// TTL is how long a Redis entry lives (a little jitter is added).
	TTL Duration `toml:"ttl"`
	// LocalTTL is how long the in-process tier keeps an entry.
	LocalTTL Duration `toml:"local_ttl"`
	// LocalSize bounds the in-process tier's entries.
	LocalSize int `toml:"local_size"`
	// NegativeTTL is how long an unknown domain is remembered.
	NegativeTTL Duration `toml:"negative_ttl"`
	// Channel is the Redis pub/sub channel for invalidations.
	Channel string `toml:"channel"`
	// LaravelPrefix, when set, also clears stancl/tenancy's and artflow's
	// cache keys for a changed domain (Laravel's cache prefix).
	LaravelPrefix string `toml:"laravel_prefix"`
	// TTLJitter adds up to this fraction of TTL to each Redis entry, so
	// entries written together do not expire together.
	TTLJitter float64 `toml:"ttl_jitter"`
	// RedisTimeout bounds every Redis dial, read and write.
	RedisTimeout Duration `toml:"redis_timeout"`
	// LoadTimeout bounds one central-database load (run detached from
	// the caller, shared by every caller waiting for the same domain).
	LoadTimeout Duration `toml:"load_timeout"`
	// BreakerFailures consecutive Redis failures open the circuit breaker.
	BreakerFailures int `toml:"breaker_failures"`
	// BreakerCooldown is how long the breaker stays open before a probe.
	BreakerCooldown Duration `toml:"breaker_cooldown"`
	// AccessInterval is how often the HTTP middleware writes tenants'
	// last access (one UPDATE per tenant per interval).
	AccessInterval Duration `toml:"access_interval"`
	// StatsInterval is how often a resolver publishes its counters to
	// Redis for `tenancy cache stats` (0 disables).
	StatsInterval Duration `toml:"stats_interval"`
}

func defaultCache() Cache {
	return Cache{
		KeyPrefix:   "tenancy:",
		TTL:         Duration(time.Hour),
		LocalTTL:    Duration(5 * time.Second),
		LocalSize:   10000,
		NegativeTTL: Duration(30 * time.Second),
		Channel:     "tenancy:invalidate",

		TTLJitter:       0.1,
		RedisTimeout:    Duration(100 * time.Millisecond),
		LoadTimeout:     Duration(5 * time.Second),
		BreakerFailures: 3,
		BreakerCooldown: Duration(5 * time.Second),
		AccessInterval:  Duration(time.Minute),
		StatsInterval:   Duration(10 * time.Second),
	}
}

func (c Cache) validate(p *problems) {
	if c.TTL <= 0 {
		p.add("cache.ttl", "must be positive, got %s", c.TTL.D())
	}
	if c.LocalTTL < 0 {
		p.add("cache.local_ttl", "must not be negative, got %s", c.LocalTTL.D())
	}
	if c.NegativeTTL < 0 {
		p.add("cache.negative_ttl", "must not be negative, got %s", c.NegativeTTL.D())
	}
	if c.LocalSize < 0 {
		p.add("cache.local_size", "must not be negative, got %d", c.LocalSize)
	}
	if c.TTLJitter < 0 || c.TTLJitter > 1 {
		p.add("cache.ttl_jitter", "must be between 0 and 1, got %g", c.TTLJitter)
	}
	for key, d := range map[string]Duration{
		"cache.redis_timeout": c.RedisTimeout, "cache.load_timeout": c.LoadTimeout,
		"cache.breaker_cooldown": c.BreakerCooldown, "cache.access_interval": c.AccessInterval,
	} {
		if d <= 0 {
			p.add(key, "must be positive, got %s", d.D())
		}
	}
	if c.StatsInterval < 0 {
		p.add("cache.stats_interval", "must not be negative, got %s", c.StatsInterval.D())
	}
	if c.BreakerFailures < 1 {
		p.add("cache.breaker_failures", "must be at least 1, got %d", c.BreakerFailures)
	}
}
