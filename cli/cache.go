package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
)

// cacheHook invalidates the resolver cache after the CLI's own writes
// when redis.url is set (wired in App.Service).
type cacheHook struct {
	inv         *resolver.Invalidator
	closeClient func() error
	stop        func()
}

// watchCache makes svc's writes invalidate the cache; the Redis client
// connects only when a write happens.
func (a *App) watchCache(svc *tenants.Service) error {
	cfg := svc.Config()
	if cfg.Redis.URL == "" || svc.ReadOnly() {
		return nil
	}
	inv, closeClient, err := resolver.OpenInvalidator(cfg)
	if err != nil {
		return err
	}
	// A resolver opened on svc later (the dashboard's) shares this hook:
	// one deletion and one message per write.
	a.cache = &cacheHook{inv: inv, closeClient: closeClient, stop: inv.Watch(svc)}
	return nil
}

// close warns when a write could not invalidate the cache.
func (h *cacheHook) close(w io.Writer) {
	h.stop()
	if err := h.inv.Err(); err != nil {
		printf(w, "tenancy: warning: %v; web servers may serve the old tenant until the cache TTL ends: run `tenancy cache clear REF` once Redis is back\n", err)
	}
	_ = h.closeClient()
}

// cacheTools opens the service and a Cache on redis.url.
func cacheTools(ctx context.Context, app *App) (*tenants.Service, *resolver.Cache, func(), error) {
	svc, err := app.Service(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg := svc.Config()
	if cfg.Redis.URL == "" {
		return nil, nil, nil, fmt.Errorf("redis.url is not set: the resolver cache lives in Redis; set [redis] url in the config (like redis://127.0.0.1:6379/0)")
	}
	client, err := resolver.NewRedisClient(cfg.Redis.URL, cfg.Cache.RedisTimeout.D())
	if err != nil {
		return nil, nil, nil, err
	}
	return svc, resolver.NewCache(cfg.Cache, client), func() { client.Close() }, nil
}

func newCacheCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Warm, clear and inspect the tenant resolver's Redis cache",
	}
	cmd.AddCommand(newCacheWarmCmd(app), newCacheClearCmd(app), newCacheStatsCmd(app))
	return cmd
}

func newCacheWarmCmd(app *App) *cobra.Command {
	var batch int
	cmd := &cobra.Command{
		Use:   "warm",
		Short: "Write every tenant's domains to Redis, in pipelined batches",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if batch <= 0 {
				return usagef("--batch must be positive, got %d", batch)
			}
			svc, cache, done, err := cacheTools(cmd.Context(), app)
			if err != nil {
				return err
			}
			defer done()
			start := time.Now()
			list := func(ctx context.Context) ([]tenants.Tenant, error) { return svc.List(ctx, tenants.ListOptions{}) }
			w, err := cache.Warm(cmd.Context(), list, batch, progressLine(app.Stderr, isTerminal(app.Stderr)))
			if err != nil {
				return err
			}
			skipped := ""
			if w.Skipped > 0 {
				skipped = fmt.Sprintf(" (%d skipped: written while warming, they fill on their next lookup)", w.Skipped)
			}
			printf(cmd.OutOrStdout(), "Warmed %s of %s in %s%s.\n", plural(int(w.Domains), "domain"), plural(w.Tenants, "tenant"), time.Since(start).Round(time.Millisecond), skipped)
			return nil
		},
	}
	cmd.Flags().IntVar(&batch, "batch", 500, "domains per pipeline")
	return cmd
}

func newCacheClearCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "clear [REF...]",
		Short: "Delete cached tenants (all, or the given tenants' domains) and flush every process's in-process tier",
		Long:  "Delete cached tenants. With no REF every domain key under cache.key_prefix goes (found with SCAN, never KEYS);\nwith REFs (id, index, name, domain, database) only those tenants' domains, and Laravel's keys for them when cache.laravel_prefix is set.",
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, cache, done, err := cacheTools(cmd.Context(), app)
			if err != nil {
				return err
			}
			defer done()
			if len(args) == 0 {
				n, err := cache.ClearAll(cmd.Context(), progressLine(app.Stderr, isTerminal(app.Stderr)))
				if err != nil {
					return err
				}
				printf(cmd.OutOrStdout(), "Deleted %s; every resolver flushed its in-process tier.\n", plural(int(n), "cached domain"))
				return nil
			}
			list, err := svc.FindMany(cmd.Context(), args)
			if err != nil {
				return err
			}
			var domains []string
			for _, t := range list {
				domains = append(domains, t.Domains...)
			}
			if err := cache.ClearDomains(cmd.Context(), domains); err != nil {
				return err
			}
			printf(cmd.OutOrStdout(), "Cleared %s of %s: %s\n", plural(len(domains), "domain"), plural(len(list), "tenant"), strings.Join(domains, ", "))
			return nil
		},
	}
}

// progressLine prints a cache tool's progress: a rewritten line on a
// terminal, nothing elsewhere (the summary line follows).
func progressLine(w io.Writer, tty bool) func(resolver.Progress) {
	if !tty {
		return nil
	}
	return func(p resolver.Progress) {
		if p.Total > 0 {
			printf(w, "\r%s: %d/%d", p.Step, p.Done, p.Total)
		} else {
			printf(w, "\r%s: %d", p.Step, p.Done)
		}
		if p.Total > 0 && p.Done >= p.Total {
			printf(w, "\n")
		}
	}
}
