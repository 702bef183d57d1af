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
}

func defaultCache() Cache {
	return Cache{
		KeyPrefix:   "tenancy:",
		TTL:         Duration(time.Hour),
		LocalTTL:    Duration(5 * time.Second),
		LocalSize:   10000,
		NegativeTTL: Duration(30 * time.Second),
		Channel:     "tenancy:invalidate",
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
}
