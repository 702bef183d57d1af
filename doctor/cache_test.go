package doctor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

func TestCacheEntries(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cfg := f.env.Config
	cfg.Redis.URL = "redis://" + testdb.RedisAddr() + "/0"
	cfg.Cache.KeyPrefix = f.env.Prefix + "cache:"
	client, err := resolver.NewRedisClient(cfg.Redis.URL, cfg.Cache.RedisTimeout.D())
	require.NoError(t, err)
	defer client.Close()
	cache := resolver.NewCache(cfg.Cache, client)
	t.Cleanup(func() { _, _ = cache.ClearAll(context.Background(), nil) })

	fresh := f.tenant(t, "Fresh", nil)
	changed := f.tenant(t, "Changed", nil)
	gone := f.tenant(t, "Gone", nil)
	list := func(ctx context.Context) ([]tenants.Tenant, error) { return f.ts.List(ctx, tenants.ListOptions{}) }
	_, err = cache.Warm(ctx, list, 100, nil)
	require.NoError(t, err)
	// Rows changed behind the resolver's back (another tool, a failed job).
	central := f.env.Database(t, f.env.Prefix+"central")
	_, err = central.Exec("UPDATE tenants SET status = 'blocked' WHERE id = ?", changed.ID)
	require.NoError(t, err)
	_, err = central.Exec("DELETE FROM tenants WHERE id = ?", gone.ID)
	require.NoError(t, err)

	rep := f.run(t, Options{Checks: []string{"cache"}})
	deleted := find(rep, "cache-deleted", gone.ID)
	require.Len(t, deleted, 1, "%+v", rep.Findings)
	require.Contains(t, deleted[0].Evidence, "no row")
	stale := find(rep, "cache-stale", changed.ID)
	require.Len(t, stale, 1, "%+v", rep.Findings)
	require.Contains(t, stale[0].Evidence, `status "active" (registry: "blocked")`)
	require.Empty(t, find(rep, "", fresh.ID))

	res, err := f.doc.Fix(ctx, PlanFixes(rep, false), FixOptions{})
	require.NoError(t, err)
	require.Zero(t, res.Failed, "%+v", res)
	require.Empty(t, f.run(t, Options{Checks: []string{"cache"}}).Findings, "a clean second run")
	// The fresh tenant's entry is still there.
	n, err := client.Exists(ctx, cfg.Cache.KeyPrefix+"domain:{"+fresh.Domains[0]+"}").Result()
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
}
