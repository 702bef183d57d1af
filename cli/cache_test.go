package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/testdb"
)

// cacheCLI is a config file on the test's central database and Redis
// prefix, and a way to run tenancy commands on it as separate invocations.
type cacheCLI struct {
	path   string
	prefix string
	redis  *redis.Client
}

func newCacheCLI(t *testing.T) *cacheCLI {
	env := testdb.NewCentral(t)
	cfg := env.Config
	cfg.Redis.URL = "redis://" + testdb.RedisAddr() + "/0"
	cfg.Cache.KeyPrefix = "tnt_test_" + uuid.NewString()[:8] + ":"
	cfg.Cache.Channel = cfg.Cache.KeyPrefix + "invalidate"
	var buf bytes.Buffer
	require.NoError(t, toml.NewEncoder(&buf).Encode(cfg))
	path := filepath.Join(t.TempDir(), "tenancy.toml")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	c := &cacheCLI{path: path, prefix: cfg.Cache.KeyPrefix, redis: redis.NewClient(&redis.Options{Addr: testdb.RedisAddr()})}
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.redis.Scan(ctx, 0, c.prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			c.redis.Del(ctx, iter.Val())
		}
		c.redis.Close()
	})
	return c
}

func (c *cacheCLI) run(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Stdin: &bytes.Buffer{}, Stdout: &out, Stderr: &errOut}
	root := NewRoot(app)
	root.SetArgs(append([]string{"--config", c.path}, args...))
	err := root.ExecuteContext(context.Background())
	app.Close()
	require.NoError(t, err, "tenancy %v: %s", args, errOut.String())
	require.NotContains(t, errOut.String(), "warning")
	return out.String()
}

func (c *cacheCLI) exists(t *testing.T, domain string) bool {
	n, err := c.redis.Exists(context.Background(), c.prefix+"domain:{"+domain+"}").Result()
	require.NoError(t, err)
	return n == 1
}

func TestCacheCommands(t *testing.T) {
	c := newCacheCLI(t)
	c.run(t, "tenants", "create", "--name", "Acme", "--domain", "acme.test", "--no-migrate")

	var res struct {
		Found  bool   `json:"found"`
		Tier   string `json:"tier"`
		Tenant struct {
			Name   string `json:"name"`
			Status string `json:"status"`
		} `json:"tenant"`
	}
	require.NoError(t, json.Unmarshal([]byte(c.run(t, "resolve", "ACME.test:443", "--json")), &res))
	require.True(t, res.Found)
	require.Equal(t, "database", res.Tier)
	require.NoError(t, json.Unmarshal([]byte(c.run(t, "resolve", "acme.test", "--json")), &res))
	require.Equal(t, "redis", res.Tier, "the first resolve filled Redis")
	require.Equal(t, "Acme", res.Tenant.Name)

	// The CLI's own write deletes the cached entry.
	c.run(t, "tenants", "block", "acme.test")
	require.False(t, c.exists(t, "acme.test"))
	require.NoError(t, json.Unmarshal([]byte(c.run(t, "resolve", "acme.test", "--json")), &res))
	require.Equal(t, "database", res.Tier)
	require.Equal(t, "blocked", res.Tenant.Status)

	miss := runCLI(t, c.path, "resolve", "nobody.test")
	require.Equal(t, 1, miss.code, "an unknown domain fails, as `tenants show` does")
	require.Contains(t, miss.stderr, "no tenant owns nobody.test")
	require.Contains(t, c.run(t, "cache", "warm"), "Warmed 1 domain of 1 tenant")
	var rep struct {
		Reachable bool  `json:"reachable"`
		Domains   int64 `json:"domains"`
		Negative  int64 `json:"negative"`
	}
	require.NoError(t, json.Unmarshal([]byte(c.run(t, "cache", "stats", "--json")), &rep))
	require.True(t, rep.Reachable)
	require.EqualValues(t, 2, rep.Domains)
	require.EqualValues(t, 1, rep.Negative)

	require.Contains(t, c.run(t, "cache", "clear", "acme"), "Cleared 1 domain of 1 tenant")
	require.False(t, c.exists(t, "acme.test"))
	require.True(t, c.exists(t, "nobody.test"))
	require.Contains(t, c.run(t, "cache", "clear"), "Deleted 1 cached domain")
	require.False(t, c.exists(t, "nobody.test"))
}
