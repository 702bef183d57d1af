package cli

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
)

func newCacheStatsCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Show Redis reachability, cached domains and every running resolver's counters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, cache, done, err := cacheTools(cmd.Context(), app)
			if err != nil {
				return err
			}
			defer done()
			rep := cache.Report(cmd.Context())
			if asJSON {
				return printJSON(cmd.OutOrStdout(), rep)
			}
			printReport(cmd.OutOrStdout(), rep)
			if !rep.Reachable {
				return fmt.Errorf("redis is not reachable: %s (resolvers answer from the central database meanwhile)", rep.Error)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func printReport(w io.Writer, rep resolver.Report) {
	if !rep.Reachable {
		printf(w, "Redis:     unreachable (%s)\n", rep.Error)
		return
	}
	printf(w, "Redis:     reachable, ping %s\n", rep.Ping.Round(time.Microsecond))
	printf(w, "Keys:      %s under %q (%d negative)\n", plural(int(rep.Domains), "cached domain"), rep.Prefix, rep.Negative)
	if rep.Error != "" {
		printf(w, "Warning:   %s\n", rep.Error)
	}
	if len(rep.Instances) == 0 {
		printf(w, "Resolvers: none published counters lately (they do every cache.stats_interval)\n")
		return
	}
	printf(w, "Resolvers: %d\n\n", len(rep.Instances))
	tw := newTable(w)
	tw.Row("INSTANCE", "BREAKER", "LOCAL HIT/MISS", "REDIS HIT/MISS/ERR", "DB LOADS", "NEGATIVE", "P50", "P99", "AT")
	for _, s := range rep.Instances {
		tw.Row(s.Instance, s.Breaker, fmt.Sprintf("%d/%d", s.LocalHits, s.LocalMisses),
			fmt.Sprintf("%d/%d/%d", s.RedisHits, s.RedisMisses, s.RedisErrors), strconv.FormatInt(s.DBLoads, 10),
			strconv.FormatInt(s.NegativeHits, 10), fmt.Sprintf("%.0fµs", s.Latency.P50), fmt.Sprintf("%.0fµs", s.Latency.P99), s.At.Format(time.RFC3339))
	}
	tw.Flush()
}

func newResolveCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "resolve DOMAIN",
		Short: "Resolve a domain as a web request would, telling which tier answered and how long it took",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := tenants.NormalizeDomain(resolver.NormalizeHost(args[0])); err != nil {
				return usageError{err}
			}
			svc, err := app.Service(cmd.Context())
			if err != nil {
				return err
			}
			r, done, err := resolver.Open(svc)
			if err != nil {
				return err
			}
			defer done()
			res, err := r.Lookup(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			domain := resolver.NormalizeHost(args[0])
			if asJSON {
				out := map[string]any{"domain": domain, "found": res.Found, "tier": res.Tier,
					"duration_us": float64(res.Duration.Nanoseconds()) / 1e3, "breaker": r.Breaker().String()}
				if res.Found {
					// What the cache holds: no index, timestamps or data.
					t := tenantJSON(res.Tenant)
					out["tenant"] = map[string]any{"id": t.ID, "name": t.Name, "status": t.Status,
						"database": t.Database, "server": t.Server, "domains": t.Domains}
				}
				if err := printJSON(cmd.OutOrStdout(), out); err != nil || res.Found {
					return err
				}
				return fmt.Errorf("no tenant owns %s", domain)
			}
			took := res.Duration.Round(time.Microsecond)
			if !res.Found {
				// Exit 1, as `tenants show` does for an unknown tenant.
				return fmt.Errorf("no tenant owns %s (answered by %s in %s; the web middleware answers 404)", domain, res.Tier, took)
			}
			t := res.Tenant
			printf(cmd.OutOrStdout(), "%s → %s (%s), status %s, database %s on %s\nanswered by %s in %s (Redis breaker %s)\n",
				domain, t.Name, t.ID, t.Status, t.Database, t.Server, res.Tier, took, r.Breaker())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the answer as JSON")
	return cmd
}
