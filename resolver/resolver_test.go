package resolver_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
)

func TestNormalizeHost(t *testing.T) {
	for in, want := range map[string]string{
		"acme.test":          "acme.test",
		"ACME.Test:8080":     "acme.test",
		"acme.test.":         "acme.test",
		"acme.test.:443":     "acme.test",
		"[::1]:8080":         "::1",
		"::1":                "::1",
		"127.0.0.1:80":       "127.0.0.1",
		"  Shop.Example.COM": "shop.example.com",
		"":                   "",
	} {
		require.Equal(t, want, resolver.NormalizeHost(in), "NormalizeHost(%q)", in)
	}
}

func TestSecondLookupHitsCache(t *testing.T) {
	f := newFixture(t)
	tn := f.create(t, "Acme", "acme.test")
	r := f.resolver(t, nil, true, nil)

	res := lookup(t, r, "ACME.test:8080", resolver.TierDatabase)
	require.True(t, res.Found)
	require.Equal(t, tn.ID, res.Tenant.ID)
	require.Equal(t, []string{"acme.test"}, res.Tenant.Domains)
	require.EqualValues(t, 1, f.loads.Load())

	lookup(t, r, "acme.test", resolver.TierLocal)
	require.EqualValues(t, 1, f.loads.Load())

	// A second process, its own in-process tier cold, reads Redis.
	other := f.resolver(t, nil, false, nil)
	res = lookup(t, other, "acme.test", resolver.TierRedis)
	require.Equal(t, tn.ID, res.Tenant.ID)
	require.Equal(t, tenants.StatusActive, res.Tenant.Status)
	require.EqualValues(t, 1, f.loads.Load(), "one central-database query for three lookups")

	st := r.Stats()
	require.EqualValues(t, 1, st.LocalHits)
	require.EqualValues(t, 1, st.DBLoads)
	require.Equal(t, "closed", st.Breaker)
}

func TestWritesInvalidate(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		write func(t *testing.T, f *fixture, tn tenants.Tenant)
		check func(t *testing.T, res resolver.Result)
	}{
		{"status update", func(t *testing.T, f *fixture, tn tenants.Tenant) {
			_, err := f.svc.SetStatus(ctx, tn, tenants.StatusBlocked)
			require.NoError(t, err)
		}, func(t *testing.T, res resolver.Result) {
			require.True(t, res.Found)
			require.Equal(t, tenants.StatusBlocked, res.Tenant.Status)
		}},
		{"delete", func(t *testing.T, f *fixture, tn tenants.Tenant) {
			require.NoError(t, f.svc.Delete(ctx, tn, tenants.DeleteOptions{}, nil))
		}, func(t *testing.T, res resolver.Result) { require.False(t, res.Found) }},
		{"domain removed", func(t *testing.T, f *fixture, tn tenants.Tenant) {
			_, err := f.svc.RemoveDomain(ctx, tn, "acme.test")
			require.NoError(t, err)
		}, func(t *testing.T, res resolver.Result) { require.False(t, res.Found) }},
		{"domain added", func(t *testing.T, f *fixture, tn tenants.Tenant) {
			_, err := f.svc.AddDomain(ctx, tn, "www.acme.test")
			require.NoError(t, err)
		}, func(t *testing.T, res resolver.Result) {
			require.True(t, res.Found)
			require.Equal(t, []string{"acme.test", "www.acme.test"}, res.Tenant.Domains)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			tn := f.create(t, "Acme", "acme.test")
			r := f.resolver(t, nil, true, nil)
			lookup(t, r, "acme.test", resolver.TierDatabase)
			lookup(t, r, "acme.test", resolver.TierLocal)
			c.write(t, f, tn)
			c.check(t, lookup(t, r, "acme.test", resolver.TierDatabase))
			require.EqualValues(t, 2, f.loads.Load())
			lookup(t, r, "acme.test", resolver.TierLocal)
			require.EqualValues(t, 2, f.loads.Load())
		})
	}
}

func TestNewDomainClearsNegativeEntry(t *testing.T) {
	f := newFixture(t)
	tn := f.create(t, "Acme", "acme.test")
	r := f.resolver(t, nil, true, nil)
	other := f.resolver(t, nil, false, nil)

	_, err := r.Resolve(context.Background(), "shop.test")
	require.ErrorIs(t, err, resolver.ErrUnknownDomain)
	require.False(t, lookup(t, r, "shop.test", resolver.TierLocal).Found)
	require.False(t, lookup(t, other, "shop.test", resolver.TierRedis).Found, "negative entry in Redis")
	require.EqualValues(t, 1, f.loads.Load())
	require.EqualValues(t, 1, r.Stats().NegativeHits)

	_, err = f.svc.AddDomain(context.Background(), tn, "shop.test")
	require.NoError(t, err)
	res := lookup(t, r, "shop.test", resolver.TierDatabase)
	require.True(t, res.Found)
	require.Equal(t, tn.ID, res.Tenant.ID)
	require.EqualValues(t, 2, f.loads.Load())
}

func TestStampedeMakesOneQuery(t *testing.T) {
	f := newFixture(t)
	tn := f.create(t, "Acme", "acme.test")
	f.gate = make(chan struct{})
	r := f.resolver(t, nil, false, nil)

	// The first caller gives up while the load is running.
	firstCtx, cancelFirst := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() {
		_, err := r.Resolve(firstCtx, "acme.test")
		firstErr <- err
	}()
	require.Eventually(t, func() bool { return f.loads.Load() == 1 }, 5*time.Second, time.Millisecond)

	const callers = 200
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := r.Resolve(context.Background(), "acme.test")
			if err == nil && got.ID != tn.ID {
				err = errors.New("wrong tenant " + got.ID)
			}
			errs <- err
		}()
	}
	cancelFirst()
	require.ErrorIs(t, <-firstErr, context.Canceled)
	time.Sleep(50 * time.Millisecond) // let the 200 join the flight
	close(f.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.EqualValues(t, 1, f.loads.Load(), "one central-database query for %d concurrent lookups", callers+1)
}

func TestRedisDownFallsBackToDatabase(t *testing.T) {
	f := newFixture(t)
	tn := f.create(t, "Acme", "acme.test")
	spare, r := f.onSpareRedis(t, 100*time.Millisecond, 200*time.Millisecond)
	flushes := r.Stats().Flushes // the first subscription's
	require.EqualValues(t, 1, flushes)

	spare.stop()
	for range 10 {
		res := lookup(t, r, "acme.test", resolver.TierDatabase)
		require.Equal(t, tn.ID, res.Tenant.ID)
	}
	require.Equal(t, resolver.BreakerOpen, r.Breaker())
	require.GreaterOrEqual(t, r.Stats().BreakerOpens, int64(1))

	spare.start(t)
	require.Eventually(t, func() bool {
		res, err := r.Lookup(context.Background(), "acme.test")
		return err == nil && res.Found && r.Breaker() == resolver.BreakerClosed
	}, 10*time.Second, 50*time.Millisecond, "breaker closes once Redis is back")
	// The restarted server is empty: the next lookup fills it, the one after hits it.
	require.Eventually(t, func() bool {
		res, err := r.Lookup(context.Background(), "acme.test")
		return err == nil && res.Tier == resolver.TierRedis
	}, 5*time.Second, 50*time.Millisecond)
	require.Eventually(t, func() bool { return r.Stats().Flushes > flushes }, 10*time.Second, 50*time.Millisecond,
		"the in-process tier is flushed when the subscriber reconnects")
}

func TestTwoProcessesSeeWrites(t *testing.T) {
	f := newFixture(t)
	tn := f.create(t, "Acme", "acme.test")
	long := func(c *config.Cache) { c.LocalTTL = config.Duration(time.Minute) }
	writer := f.resolver(t, nil, true, long)
	reader := f.resolver(t, nil, false, long)
	// deaf listens on another channel: only its short TTL brings the change.
	deaf := f.resolver(t, nil, false, func(c *config.Cache) {
		c.LocalTTL = config.Duration(300 * time.Millisecond)
		c.Channel += ":elsewhere"
	})
	lookup(t, writer, "acme.test", resolver.TierDatabase)
	for _, r := range []*resolver.Resolver{reader, deaf} {
		lookup(t, r, "acme.test", resolver.TierRedis)
		lookup(t, r, "acme.test", resolver.TierLocal)
	}

	_, err := f.svc.SetStatus(context.Background(), tn, tenants.StatusBlocked)
	require.NoError(t, err)
	blocked := func(r *resolver.Resolver) func() bool {
		return func() bool {
			got, err := r.Resolve(context.Background(), "acme.test")
			return err == nil && got.Status == tenants.StatusBlocked
		}
	}
	require.Eventually(t, blocked(reader), time.Second, 5*time.Millisecond, "pub/sub reaches the other process")
	require.Eventually(t, blocked(deaf), 2*time.Second, 20*time.Millisecond, "the in-process TTL bounds staleness without pub/sub")
	require.GreaterOrEqual(t, reader.Stats().Invalidations, int64(1))
}

func TestSlowRedisOpensBreaker(t *testing.T) {
	f := newFixture(t)
	tn := f.create(t, "Acme", "acme.test")
	spare, r := f.onSpareRedis(t, 50*time.Millisecond, time.Minute)

	// The spare server stops answering (never the shared one).
	admin := redis.NewClient(&redis.Options{Addr: spare.addr()})
	defer admin.Close()
	require.NoError(t, admin.Do(context.Background(), "CLIENT", "PAUSE", "5000", "ALL").Err())
	for range 2 {
		require.Equal(t, tn.ID, lookup(t, r, "acme.test", resolver.TierDatabase).Tenant.ID)
	}
	require.Equal(t, resolver.BreakerOpen, r.Breaker())
	errs := r.Stats().RedisErrors
	for range 20 {
		require.Equal(t, tn.ID, lookup(t, r, "acme.test", resolver.TierDatabase).Tenant.ID)
	}
	require.Equal(t, errs, r.Stats().RedisErrors, "an open breaker does not wait on Redis")
}

func TestBracedHostIsUnknown(t *testing.T) {
	f := newFixture(t)
	r := f.resolver(t, nil, false, nil)
	for _, host := range []string{"}acme.test", "{acme}.test"} {
		require.False(t, lookup(t, r, host, resolver.TierLocal).Found, host)
	}
	require.Zero(t, f.loads.Load(), "never looked up")
}
