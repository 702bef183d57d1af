package resolver_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
)

// TestLoadRacingAnotherProcessesWrite replays the cache-aside race step by
// step: process B reads the tenant from the database, process A commits a
// write and invalidates (deleting the Redis key), and only then does B
// store what it read. B must not put the old tenant back in Redis (nor in
// its own in-process tier), since no later invalidation would remove it.
func TestLoadRacingAnotherProcessesWrite(t *testing.T) {
	f := newFixture(t)
	tn := f.create(t, "Acme", "acme.test")
	// A: a process that only writes, like the CLI (no in-process tier).
	writer := resolver.NewInvalidator(f.cfg, f.client)
	defer writer.Watch(f.svc)()
	// B: a web process that does not hear A's pub/sub message in time
	// (another channel), so only Redis can stop its stale store.
	b := f.resolver(t, nil, false, func(c *config.Cache) {
		c.LocalTTL = config.Duration(time.Minute)
		c.Channel += ":elsewhere"
	})
	loaded, proceed := make(chan struct{}), make(chan struct{})
	resolver.SetAfterLoad(b, func(string) {
		close(loaded)
		<-proceed
	})
	got := make(chan resolver.Result, 1)
	go func() {
		res, err := b.Lookup(context.Background(), "acme.test")
		if err != nil {
			t.Error(err)
		}
		got <- res
	}()
	<-loaded // B has read the active tenant from the database
	_, err := f.svc.SetStatus(context.Background(), tn, tenants.StatusBlocked)
	require.NoError(t, err) // A committed and invalidated
	require.NoError(t, writer.Err())
	close(proceed) // B stores what it read before the write
	res := <-got
	require.Equal(t, resolver.TierDatabase, res.Tier)
	require.Equal(t, tenants.StatusActive, res.Tenant.Status, "B answers what it read, for a request that began before the write")

	fresh := f.resolver(t, nil, false, func(c *config.Cache) { c.LocalTTL = 0 })
	res = lookup(t, fresh, "acme.test", resolver.TierDatabase)
	require.Equal(t, tenants.StatusBlocked, res.Tenant.Status, "Redis does not hold the old tenant")
	res = lookup(t, b, "acme.test", resolver.TierRedis)
	require.Equal(t, tenants.StatusBlocked, res.Tenant.Status, "nor does B's in-process tier")
	require.EqualValues(t, 1, b.Stats().StaleStores)
	require.EqualValues(t, 2, f.loads.Load())
}

// TestWarmRacingAWrite commits a write while Warm reads the registry the
// second time (after it read the versions): the domain written is skipped
// rather than cached with what the write replaced.
func TestWarmRacingAWrite(t *testing.T) {
	f := newFixture(t)
	acme := f.create(t, "Acme", "acme.test")
	f.create(t, "Bolt", "bolt.test")
	ctx := context.Background()
	writer := resolver.NewInvalidator(f.cfg, f.client)
	defer writer.Watch(f.svc)()
	calls := 0
	list := func(ctx context.Context) ([]tenants.Tenant, error) {
		calls++
		list, err := f.svc.List(ctx, tenants.ListOptions{})
		if calls == 2 { // the registry is read; a write commits before Warm stores
			_, werr := f.svc.SetStatus(ctx, acme, tenants.StatusBlocked)
			require.NoError(t, werr)
		}
		return list, err
	}
	w, err := resolver.NewCache(f.cfg, f.client).Warm(ctx, list, 10, nil)
	require.NoError(t, err)
	require.Equal(t, resolver.Warmed{Domains: 1, Skipped: 1, Tenants: 2}, w)

	r := f.resolver(t, nil, false, func(c *config.Cache) { c.LocalTTL = 0 })
	require.Equal(t, tenants.StatusBlocked, lookup(t, r, "acme.test", resolver.TierDatabase).Tenant.Status)
	require.Equal(t, "Bolt", lookup(t, r, "bolt.test", resolver.TierRedis).Tenant.Name)
}
