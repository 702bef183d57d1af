package resolver

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
)

func TestBreakerStates(t *testing.T) {
	b := newBreaker(3, 50*time.Millisecond)
	require.True(t, b.allow())
	b.failure()
	b.failure()
	b.success() // a success resets the count
	b.failure()
	b.failure()
	require.Equal(t, BreakerClosed, b.State())
	b.failure()
	require.Equal(t, BreakerOpen, b.State())
	require.False(t, b.allow(), "open: no call before the cooldown")

	time.Sleep(60 * time.Millisecond)
	require.True(t, b.allow(), "the probe")
	require.Equal(t, BreakerHalfOpen, b.State())
	require.False(t, b.allow(), "one probe at a time")
	b.failure()
	require.Equal(t, BreakerOpen, b.State(), "a failed probe opens again")

	time.Sleep(60 * time.Millisecond)
	require.True(t, b.allow())
	b.success()
	require.Equal(t, BreakerClosed, b.State())
	require.True(t, b.allow())
	require.EqualValues(t, 2, b.opens.Load())
}

func TestLocalTierBoundedAndExpiring(t *testing.T) {
	l := newLocalTier(64)
	now := time.Now().UnixNano()
	tn := &tenants.Tenant{ID: "x"}
	for i := range 1000 {
		l.put(fmt.Sprintf("d%d.test", i), tn, time.Minute, now)
	}
	require.LessOrEqual(t, l.len(), 64, "bounded")
	l.put("short.test", tn, time.Millisecond, now)
	_, ok := l.get("short.test", now)
	require.True(t, ok)
	_, ok = l.get("short.test", now+int64(2*time.Millisecond))
	require.False(t, ok, "expired")
	l.put("neg.test", nil, time.Minute, now)
	e, ok := l.get("neg.test", now)
	require.True(t, ok)
	require.Nil(t, e.tenant, "negative entry")
	l.remove([]string{"neg.test"})
	_, ok = l.get("neg.test", now)
	require.False(t, ok)
	l.flush()
	require.Zero(t, l.len())
	require.Nil(t, newLocalTier(0), "size 0 disables the tier")
}

func TestNewRedisClient(t *testing.T) {
	c, err := NewRedisClient("redis://user:pw@127.0.0.1:6390/2", 50*time.Millisecond)
	require.NoError(t, err)
	opt := c.(*redis.Client).Options()
	require.Equal(t, "127.0.0.1:6390", opt.Addr)
	require.Equal(t, 2, opt.DB)
	require.Equal(t, "pw", opt.Password)
	require.Equal(t, 50*time.Millisecond, opt.ReadTimeout)
	c.Close()

	c, err = NewRedisClient("redis-sentinel://127.0.0.1:26379/1?master_name=mymaster&addr=127.0.0.1:26380", time.Second)
	require.NoError(t, err)
	require.IsType(t, &redis.Client{}, c, "a failover client")
	c.Close()

	c, err = NewRedisClient("redis-cluster://127.0.0.1:7000", time.Second)
	require.NoError(t, err)
	require.IsType(t, &redis.ClusterClient{}, c, "one address in cluster mode")
	c.Close()

	_, err = NewRedisClient("redis-sentinel://127.0.0.1:26379", time.Second)
	require.ErrorContains(t, err, "master_name")
	_, err = NewRedisClient("memcached://127.0.0.1", time.Second)
	require.ErrorContains(t, err, "not supported")
}

func TestLaravelKeys(t *testing.T) {
	k := keys{prefix: "tenancy:", laravel: "laravel_database_laravel_cache_:"}
	require.Equal(t, []string{
		`laravel_database_laravel_cache_:_tenancy_resolver:Stancl\Tenancy\Resolvers\DomainTenantResolver:["acme.test"]`,
		"laravel_database_laravel_cache_:tenancy_lookup:domain:acme.test",
	}, k.laravelKeys("acme.test"))
	require.Empty(t, keys{prefix: "tenancy:"}.laravelKeys("acme.test"))
	require.Equal(t, []string{"tenancy:domain:{acme.test}", "tenancy:version:{acme.test}"}, k.pair("acme.test"))
}

func TestCodecRoundTrip(t *testing.T) {
	in := tenants.Tenant{ID: "id1", Name: "Acme", Status: tenants.StatusBlocked, Database: "tenant_id1",
		Server: "central", Domains: []string{"a.test", "b.test"}, HasHomepage: true, DBUser: "u1"}
	s, err := encodeTenant(in)
	require.NoError(t, err)
	out, err := decodeTenant(s)
	require.NoError(t, err)
	require.Equal(t, in, out)
	_, err = decodeTenant("O:8:\"stdClass\":0:{}")
	require.Error(t, err, "a PHP-serialised value is not ours")
}

func FuzzNormalizeHost(f *testing.F) {
	for _, s := range []string{"Acme.Test:8080", "[::1]:80", "a.b.", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		d := NormalizeHost(host)
		require.Equal(t, d, NormalizeHost(d), "idempotent for %q", host)
		require.Equal(t, strings.ToLower(d), d)
	})
}
