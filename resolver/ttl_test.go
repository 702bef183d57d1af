package resolver_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/resolver"
)

// TestNegativeEntriesLiveNegativeTTL: an unknown domain is remembered for
// negative_ttl in both tiers, a known one for ttl in Redis and local_ttl
// in process. The in-process tier reads a clock the test moves; Redis's
// own expiry is read back with PTTL.
func TestNegativeEntriesLiveNegativeTTL(t *testing.T) {
	const (
		ttl         = 4 * time.Hour
		localTTL    = time.Hour
		negativeTTL = 10 * time.Minute
	)
	f := newFixture(t)
	tn := f.create(t, "Acme", "acme.test")
	r := f.resolver(t, nil, false, func(c *config.Cache) {
		c.TTL, c.LocalTTL, c.NegativeTTL = config.Duration(ttl), config.Duration(localTTL), config.Duration(negativeTTL)
		c.TTLJitter = 0
	})
	start := time.Now()
	var elapsed atomic.Int64 // on the in-process tier's clock
	resolver.SetClock(r, func() time.Time { return start.Add(time.Duration(elapsed.Load())) })
	at := func(d time.Duration) { elapsed.Store(int64(d)) }

	require.Equal(t, tn.ID, lookup(t, r, "acme.test", resolver.TierDatabase).Tenant.ID)
	require.False(t, lookup(t, r, "shop.test", resolver.TierDatabase).Found)

	ctx := context.Background()
	negative, err := f.client.PTTL(ctx, resolver.DomainKey(r, "shop.test")).Result()
	require.NoError(t, err)
	require.LessOrEqual(t, negative, negativeTTL, "the negative entry lives negative_ttl in Redis")
	require.Greater(t, negative, negativeTTL/2, "the negative entry lives negative_ttl in Redis")
	positive, err := f.client.PTTL(ctx, resolver.DomainKey(r, "acme.test")).Result()
	require.NoError(t, err)
	require.LessOrEqual(t, positive, ttl, "a tenant lives ttl in Redis")
	require.Greater(t, positive, localTTL, "a tenant lives ttl in Redis")

	at(negativeTTL - time.Second)
	require.False(t, lookup(t, r, "shop.test", resolver.TierLocal).Found, "negative entry still in process")
	lookup(t, r, "acme.test", resolver.TierLocal)

	at(negativeTTL + time.Second)
	require.False(t, lookup(t, r, "shop.test", resolver.TierRedis).Found, "negative entry gone from the process after negative_ttl")
	lookup(t, r, "acme.test", resolver.TierLocal)

	at(localTTL + time.Second)
	lookup(t, r, "acme.test", resolver.TierRedis)
	require.EqualValues(t, 2, f.loads.Load(), "one central-database load per domain")
}
