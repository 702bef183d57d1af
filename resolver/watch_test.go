package resolver_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
)

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
