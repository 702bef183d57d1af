package resolver_test

import (
	"context"
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
