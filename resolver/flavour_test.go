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

func TestStanclRegistry(t *testing.T) {
	f := newStanclFixture(t)
	require.Equal(t, tenants.FlavourStancl, f.svc.Flavour())
	tn := f.create(t, "Acme", "acme.test", "www.acme.test")
	r := f.resolver(t, nil, true, nil)

	res := lookup(t, r, "www.acme.test", resolver.TierDatabase)
	require.Equal(t, tn.ID, res.Tenant.ID)
	require.Equal(t, "Acme", res.Tenant.Name)
	require.Equal(t, tn.Database, res.Tenant.Database)
	require.Equal(t, []string{"acme.test", "www.acme.test"}, res.Tenant.Domains)

	// Last access lands in data, next to the keys other tools put there.
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	require.NoError(t, f.svc.TouchLastAccess(context.Background(), tn.ID, at))
	require.NoError(t, f.svc.TouchLastAccess(context.Background(), tn.ID, at.Add(-time.Hour)), "an older access")
	got, err := f.svc.Find(context.Background(), tn.ID)
	require.NoError(t, err)
	require.NotNil(t, got.LastAccessedAt)
	require.True(t, at.Equal(*got.LastAccessedAt), "last access %s, want %s (never moves back)", got.LastAccessedAt, at)
	require.Equal(t, "Acme", got.Name)
}

func TestLaravelKeysInvalidated(t *testing.T) {
	f := newFixture(t)
	tn := f.create(t, "Acme", "acme.test")
	laravel := f.cfg.KeyPrefix + "laravel_cache_:"
	r := f.resolver(t, nil, true, func(c *config.Cache) { c.LaravelPrefix = laravel })
	ctx := context.Background()
	stancl := laravel + `_tenancy_resolver:Stancl\Tenancy\Resolvers\DomainTenantResolver:["acme.test"]`
	artflow := laravel + "tenancy_lookup:domain:acme.test"
	for _, k := range []string{stancl, artflow} {
		require.NoError(t, f.client.Set(ctx, k, "serialized tenant", time.Hour).Err())
	}
	lookup(t, r, "acme.test", resolver.TierDatabase)
	ours := f.cfg.KeyPrefix + "domain:{acme.test}"
	n, err := f.client.Exists(ctx, stancl, artflow, ours).Result()
	require.NoError(t, err)
	require.EqualValues(t, 3, n)

	_, err = f.svc.SetStatus(ctx, tn, tenants.StatusInactive)
	require.NoError(t, err)
	n, err = f.client.Exists(ctx, stancl, artflow, ours).Result()
	require.NoError(t, err)
	require.Zero(t, n, "our key and both Laravel resolvers' keys are deleted")
}
