package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/tenancy-dev/tenancy/resolver"
)

// cachedEntry mirrors the resolver's compact tenant in Redis
// (resolver/codec.go): the fields a web request routes by.
type cachedEntry struct {
	ID       string `json:"i"`
	Name     string `json:"n,omitempty"`
	Status   string `json:"s"`
	Database string `json:"d"`
	Server   string `json:"v,omitempty"`
	DBUser   string `json:"u,omitempty"`
}

// negativeEntry is the resolver's value for an unknown domain.
const negativeEntry = "-"

// checkCache reads the resolver's Redis entries (SCAN, never KEYS, and
// pipelined GETs) and compares each with the registry: entries of
// domains no tenant owns, of tenants whose row changed since, and
// "unknown domain" entries for domains that now exist.
func (s *Service) checkCache(ctx context.Context, snap *snapshot, _ Options) ([]Finding, error) {
	cfg := s.ts.Config()
	if cfg.Redis.URL == "" {
		return nil, nil
	}
	client, err := resolver.NewRedisClient(cfg.Redis.URL, cfg.Cache.RedisTimeout.D())
	if err != nil {
		return nil, err
	}
	defer client.Close()
	owner := map[string]string{}
	for _, d := range snap.domains {
		owner[strings.ToLower(d.Domain)] = d.TenantID
	}
	prefix := cfg.Cache.KeyPrefix + "domain:{"
	var out []Finding
	err = scanCache(ctx, client, cfg.Cache.KeyPrefix+"domain:*", func(keys []string, values []string) {
		for i, key := range keys {
			domain, ok := strings.CutPrefix(key, prefix)
			if !ok || !strings.HasSuffix(domain, "}") {
				continue
			}
			domain = strings.TrimSuffix(domain, "}")
			if f, bad := cacheFinding(snap, owner, domain, values[i]); bad {
				f.Object = key
				f.Fix, f.FixKind, f.action = "delete the entry (and Laravel's keys when [cache] laravel_prefix is set) and tell every resolver to forget it", FixSafe, action{kind: actClearCache, database: domain}
				out = append(out, f)
			}
		}
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Object < out[j].Object })
	return out, err
}

func cacheFinding(snap *snapshot, owner map[string]string, domain, value string) (Finding, bool) {
	id, owned := owner[domain]
	if value == negativeEntry {
		if !owned {
			return Finding{}, false
		}
		t := snap.byID[id]
		if t == nil {
			return Finding{}, false
		}
		return tenantFinding("cache-stale", Warn, t, "", fmt.Sprintf("Redis says %s is unknown, but tenant %s owns it now: requests get 404 until the entry expires", domain, id)), true
	}
	var c cachedEntry
	if err := json.Unmarshal([]byte(value), &c); err != nil || c.ID == "" {
		return Finding{Check: "cache-stale", Severity: Warn, Evidence: fmt.Sprintf("the entry for %s is not the resolver's JSON", domain)}, true
	}
	t := snap.byID[c.ID]
	switch {
	case t == nil:
		return Finding{Check: "cache-deleted", Severity: Error, Tenant: c.ID, TenantName: c.Name, Server: c.Server,
			Evidence: fmt.Sprintf("Redis routes %s to tenant %s (database %s), which has no row: requests reach a deleted tenant until the entry expires", domain, c.ID, c.Database)}, true
	case !owned || id != c.ID:
		return tenantFinding("cache-stale", Error, t, "", fmt.Sprintf("Redis routes %s to tenant %s, but the registry says %s belongs to %q", domain, c.ID, domain, id)), true
	}
	var diffs []string
	for _, d := range []struct{ what, cached, now string }{
		{"status", c.Status, string(t.Status)}, {"database", c.Database, t.Database},
		{"server", c.Server, t.Server}, {"name", c.Name, t.Name}, {"user", c.DBUser, t.DBUser},
	} {
		if d.cached != d.now {
			diffs = append(diffs, fmt.Sprintf("%s %q (registry: %q)", d.what, d.cached, d.now))
		}
	}
	if len(diffs) == 0 {
		return Finding{}, false
	}
	return tenantFinding("cache-stale", Warn, t, "", fmt.Sprintf("the entry for %s differs from the row: %s", domain, strings.Join(diffs, ", "))), true
}

// scanCache SCANs every master for pattern and GETs the keys in one
// pipeline per batch.
func scanCache(ctx context.Context, client redis.UniversalClient, pattern string, fn func(keys, values []string)) error {
	scanOne := func(node redis.Cmdable) error {
		var cursor uint64
		for {
			keys, next, err := node.Scan(ctx, cursor, pattern, 1000).Result()
			if err != nil {
				return fmt.Errorf("scan the resolver cache: %w", err)
			}
			if len(keys) > 0 {
				pipe := node.Pipeline()
				cmds := make([]*redis.StringCmd, len(keys))
				for i, k := range keys {
					cmds[i] = pipe.Get(ctx, k)
				}
				_, _ = pipe.Exec(ctx) // a key gone since the SCAN is redis.Nil
				values := make([]string, len(keys))
				for i, c := range cmds {
					values[i] = c.Val()
				}
				fn(keys, values)
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	}
	cluster, ok := client.(*redis.ClusterClient)
	if !ok {
		return scanOne(client)
	}
	var masters []*redis.Client
	if err := cluster.ForEachMaster(ctx, func(_ context.Context, m *redis.Client) error {
		masters = append(masters, m)
		return nil
	}); err != nil {
		return err
	}
	for _, m := range masters {
		if err := scanOne(m); err != nil {
			return err
		}
	}
	return nil
}

// clearCache deletes domains' entries through the resolver's own
// invalidation (Redis keys, Laravel's keys, every process's local tier).
func (s *Service) clearCache(ctx context.Context, domains []string) error {
	cfg := s.ts.Config()
	client, err := resolver.NewRedisClient(cfg.Redis.URL, cfg.Cache.RedisTimeout.D())
	if err != nil {
		return err
	}
	defer client.Close()
	return resolver.NewCache(cfg.Cache, client).ClearDomains(ctx, domains)
}
