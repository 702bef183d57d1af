package resolver_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

// fixture is one test's central database, Redis key prefix and a loader
// that counts central-database queries.
type fixture struct {
	env    *testdb.Env
	svc    *tenants.Service
	client redis.UniversalClient
	cfg    config.Cache
	loads  atomic.Int64
	// gate, when set, is waited on by every load (stampede tests).
	gate chan struct{}
}

// newFixture works on an artflow-flavoured central database.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureOn(t, testdb.NewCentral(t))
}

// newStanclFixture works on a central database made as stancl/tenancy
// v3's migrations make it (every attribute in data).
func newStanclFixture(t testing.TB) *fixture {
	t.Helper()
	env := testdb.New(t)
	db, _, err := tenants.EnsureCentralDatabase(context.Background(), env.Config.Central.DSN)
	require.NoError(t, err)
	defer db.Close()
	for _, stmt := range []string{
		"CREATE TABLE `tenants` (`id` VARCHAR(255) NOT NULL PRIMARY KEY, `created_at` TIMESTAMP NULL, `updated_at` TIMESTAMP NULL, `data` JSON NULL)",
		"CREATE TABLE `domains` (`id` INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, `domain` VARCHAR(255) NOT NULL UNIQUE, " +
			"`tenant_id` VARCHAR(255) NOT NULL, `created_at` TIMESTAMP NULL, `updated_at` TIMESTAMP NULL, " +
			"FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON UPDATE CASCADE ON DELETE CASCADE)",
	} {
		_, err := db.Exec(stmt)
		require.NoError(t, err)
	}
	return newFixtureOn(t, env)
}

func newFixtureOn(t testing.TB, env *testdb.Env) *fixture {
	t.Helper()
	f := &fixture{env: env, svc: env.Service(t)}
	f.cfg = env.Config.Cache
	f.cfg.KeyPrefix = "tnt_test_" + uuid.NewString()[:8] + ":"
	f.cfg.Channel = f.cfg.KeyPrefix + "invalidate"
	f.cfg.StatsInterval = 0
	f.client = redis.NewClient(&redis.Options{Addr: testdb.RedisAddr()})
	require.NoError(t, f.client.Ping(context.Background()).Err(), "the tests need Redis at %s (TENANCY_TEST_REDIS_ADDR)", testdb.RedisAddr())
	t.Cleanup(func() {
		deleteKeys(t, f.client, f.cfg.KeyPrefix+"*")
		f.client.Close()
	})
	return f
}

func deleteKeys(t testing.TB, c redis.UniversalClient, pattern string) {
	ctx := context.Background()
	iter := c.Scan(ctx, 0, pattern, 500).Iterator()
	for iter.Next(ctx) {
		c.Del(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Logf("clean %s: %v", pattern, err)
	}
}

func (f *fixture) loader() resolver.Loader {
	return func(ctx context.Context, domain string) (tenants.Tenant, error) {
		f.loads.Add(1)
		if f.gate != nil {
			select {
			case <-f.gate:
			case <-ctx.Done():
				return tenants.Tenant{}, ctx.Err()
			}
		}
		return f.svc.FindByDomain(ctx, domain)
	}
}

// resolver builds a resolver on the fixture's Redis (client nil: the
// shared one), watching the fixture's service when watch is set.
func (f *fixture) resolver(t testing.TB, client redis.UniversalClient, watch bool, tune func(*config.Cache)) *resolver.Resolver {
	t.Helper()
	cfg := f.cfg
	if tune != nil {
		tune(&cfg)
	}
	if client == nil {
		client = f.client
	}
	r := resolver.New(cfg, client, f.loader())
	if watch {
		r.Watch(f.svc)
	}
	t.Cleanup(r.Close)
	// New waits for the first subscription only up to redis_timeout; a
	// loaded machine may confirm it later, and its flush would then empty
	// the in-process tier in the middle of a test.
	require.Eventually(t, func() bool { return r.Stats().Flushes >= 1 }, 5*time.Second, time.Millisecond, "first subscription")
	return r
}

func (f *fixture) create(t testing.TB, name string, domains ...string) tenants.Tenant {
	t.Helper()
	tn, err := f.svc.Create(context.Background(), tenants.CreateRequest{Name: name, Domains: domains, NoMigrate: true}, nil)
	require.NoError(t, err)
	return tn
}

// lookup resolves host and checks which tier answered.
func lookup(t testing.TB, r *resolver.Resolver, host string, tier resolver.Tier) resolver.Result {
	t.Helper()
	res, err := r.Lookup(context.Background(), host)
	require.NoError(t, err)
	require.Equal(t, tier, res.Tier, "tier answering %s", host)
	return res
}

// spareRedis is a redis-server of the test's own on a free port.
type spareRedis struct {
	port int
	args []string // more redis-server options
	cmd  *exec.Cmd
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (s *spareRedis) start(t testing.TB) {
	t.Helper()
	s.cmd = exec.Command("redis-server", append([]string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}, s.args...)...)
	require.NoError(t, s.cmd.Start(), "start redis-server")
	c := redis.NewClient(&redis.Options{Addr: s.addr()})
	defer c.Close()
	require.Eventually(t, func() bool { return c.Ping(context.Background()).Err() == nil }, 5*time.Second, 20*time.Millisecond, "redis-server on %d", s.port)
	t.Cleanup(s.stop)
}

func (s *spareRedis) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

func (s *spareRedis) addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// onSpareRedis starts a redis-server of the test's own and a resolver on
// it that always reaches Redis (no in-process tier), with a breaker that
// opens after two failures; acme.test is resolved into it.
func (f *fixture) onSpareRedis(t testing.TB, timeout, cooldown time.Duration) (*spareRedis, *resolver.Resolver) {
	t.Helper()
	spare := &spareRedis{port: freePort(t)}
	spare.start(t)
	r := f.resolver(t, spare.client(t, timeout), false, func(c *config.Cache) {
		c.LocalTTL = 0
		c.RedisTimeout = config.Duration(timeout)
		c.BreakerFailures, c.BreakerCooldown = 2, config.Duration(cooldown)
	})
	lookup(t, r, "acme.test", resolver.TierDatabase)
	lookup(t, r, "acme.test", resolver.TierRedis)
	return spare, r
}

// client connects to the spare server with small timeouts and no retries.
func (s *spareRedis) client(t testing.TB, timeout time.Duration) *redis.Client {
	c := redis.NewClient(&redis.Options{
		Addr: s.addr(), DialTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout, MaxRetries: -1,
	})
	t.Cleanup(func() { c.Close() })
	return c
}
