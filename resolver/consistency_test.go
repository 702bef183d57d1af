package resolver_test

// Consistency across processes: the cache-aside race, the subscription's
// flushes, one invalidation per write, and all of it on a Redis Cluster.

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
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

// TestFirstSubscriptionFlushes starts a resolver while its Redis is down:
// lookups fill the in-process tier from the database, and invalidations
// published meanwhile are lost, so the first confirmed subscription must
// flush the tier as a resubscription does.
func TestFirstSubscriptionFlushes(t *testing.T) {
	f := newFixture(t)
	f.create(t, "Acme", "acme.test")
	spare := &spareRedis{port: freePort(t)} // not started yet
	cfg := f.cfg
	cfg.LocalTTL = config.Duration(time.Minute)
	cfg.RedisTimeout = config.Duration(50 * time.Millisecond)
	r := resolver.New(cfg, spare.client(t, 50*time.Millisecond), f.loader())
	defer r.Close()
	lookup(t, r, "acme.test", resolver.TierDatabase)
	lookup(t, r, "acme.test", resolver.TierLocal)
	require.Zero(t, r.Stats().Flushes, "no subscription yet")

	spare.start(t)
	require.Eventually(t, func() bool { return r.Stats().Flushes == 1 }, 10*time.Second, 20*time.Millisecond,
		"the first subscription flushes")
	res, err := r.Lookup(context.Background(), "acme.test")
	require.NoError(t, err)
	require.NotEqual(t, resolver.TierLocal, res.Tier, "what was cached before the subscription is gone")
}

// TestOneInvalidationPerWrite watches one service with a CLI-style
// invalidator and a resolver, as the dashboard does: a write deletes the
// keys and publishes once, and the resolver still forgets at once.
func TestOneInvalidationPerWrite(t *testing.T) {
	f := newFixture(t)
	tn := f.create(t, "Acme", "acme.test")
	ctx := context.Background()
	hook := resolver.NewInvalidator(f.cfg, f.client)
	stop := hook.Watch(f.svc)
	r := f.resolver(t, nil, true, func(c *config.Cache) { c.LocalTTL = config.Duration(time.Minute) })
	lookup(t, r, "acme.test", resolver.TierDatabase)
	lookup(t, r, "acme.test", resolver.TierLocal)

	sub := f.client.Subscribe(ctx, f.cfg.Channel)
	defer sub.Close()
	_, err := sub.Receive(ctx) // the subscription's confirmation
	require.NoError(t, err)
	version := func() string { return f.client.Get(ctx, f.cfg.KeyPrefix+"version:{acme.test}").Val() }

	_, err = f.svc.SetStatus(ctx, tn, tenants.StatusBlocked)
	require.NoError(t, err)
	require.NoError(t, hook.Err())
	require.Equal(t, "1", version(), "one deletion")
	require.Equal(t, 1, messagesUntilSentinel(t, f.client, sub, f.cfg.Channel), "one message")
	res := lookup(t, r, "acme.test", resolver.TierDatabase)
	require.Equal(t, tenants.StatusBlocked, res.Tenant.Status, "the resolver forgot without waiting for pub/sub")

	// Each keeps invalidating on its own once the other has gone.
	r.Close()
	_, err = f.svc.SetStatus(ctx, tn, tenants.StatusActive)
	require.NoError(t, err)
	require.Equal(t, "2", version())
	stop()
	_, err = f.svc.SetStatus(ctx, tn, tenants.StatusBlocked)
	require.NoError(t, err)
	require.Equal(t, "2", version(), "stopped")
	require.Equal(t, 1, messagesUntilSentinel(t, f.client, sub, f.cfg.Channel), "the write before stop, none after")
}

// messagesUntilSentinel publishes a sentinel (an invalidation of a
// domain no tenant has) and counts the invalidations of acme.test
// received before it (Redis delivers one channel's messages in publish
// order).
func messagesUntilSentinel(t *testing.T, client redis.UniversalClient, sub *redis.PubSub, channel string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, client.Publish(ctx, channel, `{"domains":["sentinel.invalid"]}`).Err())
	n := 0
	for {
		m, err := sub.ReceiveMessage(ctx)
		require.NoError(t, err)
		var msg struct{ Domains []string }
		require.NoError(t, json.Unmarshal([]byte(m.Payload), &msg))
		if msg.Domains[0] == "sentinel.invalid" {
			return n
		}
		require.Equal(t, []string{"acme.test"}, msg.Domains)
		n++
	}
}

// TestOnRedisCluster runs the resolver, invalidation and warm on a
// one-node Redis Cluster of the test's own (it holds every slot). Cluster
// mode refuses a multi-key command or script whose keys are in different
// slots (CROSSSLOT) even on one node, so this checks the {hash tags}.
func TestOnRedisCluster(t *testing.T) {
	f := newFixture(t)
	tn := f.create(t, "Acme", "acme.test")
	node := &spareRedis{port: freePort(t), args: []string{
		"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(t.TempDir(), "nodes.conf"),
	}}
	node.start(t)
	ctx := context.Background()
	admin := node.client(t, time.Second)
	require.NoError(t, admin.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", "0", "16383").Err())
	require.Eventually(t, func() bool {
		info, err := admin.ClusterInfo(ctx).Result()
		return err == nil && strings.Contains(info, "cluster_state:ok")
	}, 10*time.Second, 20*time.Millisecond, "cluster up")

	client, err := resolver.NewRedisClient("redis-cluster://"+node.addr(), time.Second)
	require.NoError(t, err)
	defer client.Close()
	require.IsType(t, &redis.ClusterClient{}, client)
	r := f.resolver(t, client, true, func(c *config.Cache) { c.LocalTTL = 0 })
	lookup(t, r, "acme.test", resolver.TierDatabase)
	require.Equal(t, tn.ID, lookup(t, r, "acme.test", resolver.TierRedis).Tenant.ID)

	_, err = f.svc.SetStatus(ctx, tn, tenants.StatusBlocked)
	require.NoError(t, err)
	require.Equal(t, tenants.StatusBlocked, lookup(t, r, "acme.test", resolver.TierDatabase).Tenant.Status)
	require.Equal(t, tenants.StatusBlocked, lookup(t, r, "acme.test", resolver.TierRedis).Tenant.Status)

	list := func(ctx context.Context) ([]tenants.Tenant, error) { return f.svc.List(ctx, tenants.ListOptions{}) }
	w, err := resolver.NewCache(f.cfg, client).Warm(ctx, list, 10, nil)
	require.NoError(t, err)
	require.Equal(t, resolver.Warmed{Domains: 1, Tenants: 1}, w)
	st := r.Stats()
	require.Zero(t, st.RedisErrors)
	require.Zero(t, st.StaleStores)
}
