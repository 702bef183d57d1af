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

// Warm writes every domain of list to Redis, batch domains per pipeline,
// and returns how many it wrote.
func (c *Cache) Warm(ctx context.Context, list []tenants.Tenant, batch int, report func(Progress)) (int64, error) {
	if batch <= 0 {
		batch = 500
	}
	type item struct {
		key, value string
	}
	var items []item
	for _, t := range list {
		value, err := encodeTenant(t)
		if err != nil {
			return 0, err
		}
		for _, d := range t.Domains {
			items = append(items, item{c.keys.domain(d), value})
		}
	}
	var done int64
	for start := 0; start < len(items); start += batch {
		pipe := c.client.Pipeline()
		for _, it := range items[start:min(start+batch, len(items))] {
			pipe.Set(ctx, it.key, it.value, jittered(c.cfg.TTL.D(), c.cfg.TTLJitter))
		}
		n := int64(pipe.Len())
		if _, err := pipe.Exec(ctx); err != nil {
			return done, fmt.Errorf("warm the cache (after %d of %d domains): %w", done, len(items), err)
		}
		done += n
		if report != nil {
			report(Progress{Step: "warm", Done: done, Total: int64(len(items))})
		}
	}
	return done, nil
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
