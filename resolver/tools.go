package resolver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// Progress reports a cache tool's advance: Done of Total items.
type Progress struct {
	Step        string
	Done, Total int64
}

// Cache holds the fleet-wide cache operations the CLI and dashboard run
// against Redis (no in-process tier of their own).
type Cache struct {
	cfg    config.Cache
	client redis.UniversalClient
	keys   keys
	inv    *Invalidator
}

// NewCache works on client with cfg's keys.
func NewCache(cfg config.Cache, client redis.UniversalClient) *Cache {
	return &Cache{cfg: cfg, client: client, keys: keys{prefix: cfg.KeyPrefix, laravel: cfg.LaravelPrefix},
		inv: NewInvalidator(cfg, client)}
}

// Warmed is what Warm did.
type Warmed struct {
	// Domains were written for Tenants; Skipped were not, as a write
	// committed (or a domain appeared) while Warm read the registry.
	Domains, Skipped int64
	Tenants          int
}

// Warm writes every domain of the tenants list returns to Redis, batch
// domains per pipeline. It lists twice: domains' versions are read after
// the first list and the values written come from the second, each only
// if its version has not moved since (as a resolver's store), so a write
// committed during the warm is never overwritten with what it replaced.
func (c *Cache) Warm(ctx context.Context, list func(context.Context) ([]tenants.Tenant, error), batch int, report func(Progress)) (Warmed, error) {
	if batch <= 0 {
		batch = 500
	}
	first, err := list(ctx)
	if err != nil {
		return Warmed{}, err
	}
	var domains []string
	for _, t := range first {
		domains = append(domains, t.Domains...)
	}
	versions, err := c.versions(ctx, domains, batch)
	if err != nil {
		return Warmed{}, err
	}
	current, err := list(ctx)
	if err != nil {
		return Warmed{}, err
	}
	type item struct {
		keys    []string
		version int64
		value   string
	}
	var items []item
	w := Warmed{Tenants: len(current)}
	for _, t := range current {
		value, err := encodeTenant(t)
		if err != nil {
			return Warmed{}, err
		}
		for _, d := range t.Domains {
			if v, ok := versions[d]; ok {
				items = append(items, item{c.keys.pair(d), v, value})
			} else {
				w.Skipped++
			}
		}
	}
	for start := 0; start < len(items); start += batch {
		pipe := c.client.Pipeline()
		var cmds []*redis.Cmd
		for _, it := range items[start:min(start+batch, len(items))] {
			ttl := jittered(c.cfg.TTL.D(), c.cfg.TTLJitter).Milliseconds()
			cmds = append(cmds, pipe.Eval(ctx, storeIfVersionSrc, it.keys, it.version, it.value, ttl))
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return w, fmt.Errorf("warm the cache (after %d of %d domains): %w", start, len(items), err)
		}
		for _, cmd := range cmds {
			if n, _ := cmd.Int(); n == 1 {
				w.Domains++
			} else {
				w.Skipped++
			}
		}
		if report != nil {
			report(Progress{Step: "warm", Done: int64(start + len(cmds)), Total: int64(len(items))})
		}
	}
	return w, nil
}

// versions reads domains' version keys, batch per pipeline.
func (c *Cache) versions(ctx context.Context, domains []string, batch int) (map[string]int64, error) {
	out := make(map[string]int64, len(domains))
	for start := 0; start < len(domains); start += batch {
		part := domains[start:min(start+batch, len(domains))]
		pipe := c.client.Pipeline()
		gets := make([]*redis.StringCmd, len(part))
		for i, d := range part {
			gets[i] = pipe.Get(ctx, c.keys.version(d))
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("read cache versions: %w", err)
		}
		for i, g := range gets {
			var raw any
			if g.Err() == nil {
				raw = g.Val()
			}
			if v, ok := parseVersion(raw); ok {
				out[part[i]] = v
			}
		}
	}
	return out, nil
}

// ClearDomains deletes the given domains' keys (Laravel's too with a
// laravel_prefix) and tells every process to forget them.
func (c *Cache) ClearDomains(ctx context.Context, domains []string) error {
	return c.inv.Invalidate(ctx, domains)
}

// ClearAll deletes every domain key under the prefix, found with SCAN
// (never KEYS) on every master, and flushes every process's in-process
// tier. It returns how many keys it deleted.
func (c *Cache) ClearAll(ctx context.Context, report func(Progress)) (int64, error) {
	var deleted int64
	err := scanKeys(ctx, c.client, c.keys.domainPattern(), func(ctx context.Context, node redis.Cmdable, keys []string) error {
		pipe := node.Pipeline()
		for _, k := range keys {
			pipe.Unlink(ctx, k)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
		deleted += int64(len(keys))
		if report != nil {
			report(Progress{Step: "clear", Done: deleted})
		}
		return nil
	})
	if err != nil {
		return deleted, fmt.Errorf("clear the cache (after %d keys): %w", deleted, err)
	}
	return deleted, c.inv.FlushAll(ctx)
}

// scanKeys calls fn with each batch of keys matching pattern on every
// master, one master after the other.
func scanKeys(ctx context.Context, client redis.UniversalClient, pattern string, fn func(context.Context, redis.Cmdable, []string) error) error {
	scanOne := func(ctx context.Context, node redis.Cmdable) error {
		var cursor uint64
		for {
			keys, next, err := node.Scan(ctx, cursor, pattern, 1000).Result()
			if err != nil {
				return fmt.Errorf("scan %s: %w", pattern, err)
			}
			if len(keys) > 0 {
				if err := fn(ctx, node, keys); err != nil {
					return err
				}
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	}
	cluster, ok := client.(*redis.ClusterClient)
	if !ok {
		return scanOne(ctx, client)
	}
	var masters []*redis.Client
	if err := cluster.ForEachMaster(ctx, func(_ context.Context, m *redis.Client) error {
		masters = append(masters, m)
		return nil
	}); err != nil {
		return err
	}
	for _, m := range masters {
		if err := scanOne(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// Report is the fleet's cache state as Redis shows it.
type Report struct {
	// Reachable is false when Redis did not answer; Error says why.
	Reachable bool          `json:"reachable"`
	Error     string        `json:"error,omitempty"`
	Ping      time.Duration `json:"ping_ns"`
	Prefix    string        `json:"key_prefix"`
	// Domains and Negative count the domain keys (negative: unknown domains).
	Domains  int64 `json:"domains"`
	Negative int64 `json:"negative"`
	// Instances are the resolvers that published their counters lately.
	Instances []Stats `json:"instances"`
}

// Report reads the cache's state: reachability, keys, and every running
// resolver's published counters.
func (c *Cache) Report(ctx context.Context) Report {
	rep := Report{Prefix: c.cfg.KeyPrefix, Instances: []Stats{}}
	start := time.Now()
	if err := c.client.Ping(ctx).Err(); err != nil {
		rep.Error = err.Error()
		return rep
	}
	rep.Reachable, rep.Ping = true, time.Since(start)
	err := scanKeys(ctx, c.client, c.keys.domainPattern(), func(ctx context.Context, node redis.Cmdable, keys []string) error {
		pipe := node.Pipeline()
		gets := make([]*redis.StringCmd, len(keys))
		for i, k := range keys {
			gets[i] = pipe.Get(ctx, k)
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		for _, g := range gets {
			if g.Err() == nil {
				rep.Domains++
				if g.Val() == negativeValue {
					rep.Negative++
				}
			}
		}
		return nil
	})
	if err == nil {
		err = scanKeys(ctx, c.client, c.keys.statsPattern(), func(ctx context.Context, node redis.Cmdable, keys []string) error {
			for _, k := range keys {
				blob, err := node.Get(ctx, k).Bytes()
				if errors.Is(err, redis.Nil) {
					continue
				} else if err != nil {
					return err
				}
				var s Stats
				if json.Unmarshal(blob, &s) == nil {
					rep.Instances = append(rep.Instances, s)
				}
			}
			return nil
		})
	}
	if err != nil {
		rep.Error = err.Error()
	}
	sort.Slice(rep.Instances, func(i, j int) bool { return rep.Instances[i].Instance < rep.Instances[j].Instance })
	return rep
}
