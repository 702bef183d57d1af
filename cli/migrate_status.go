package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/fleet"
)

func newMigrateStatusCmd(app *App) *cobra.Command {
	var f runFlags
	var laravel string
	var summaryOnly bool
	cmd := &cobra.Command{
		Use:   "status [REF...]",
		Short: "Each tenant's migration version and pending count, and a fleet summary (behind, drift); --laravel DIR for Laravel fleets",
		Long: "Read each selected tenant's goose version table (or, with --laravel DIR, Laravel's migrations table) in batch,\n" +
			"one connection per database server, and compare it with the migrations folder. With no selection, every tenant.\n" +
			"Drift: a tenant that applied versions with no file, or lacks versions below its current one (goose up will not fix it).",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && len(f.tenants) == 0 && f.status == "" && f.server == "" && f.filter == "" && f.failedOf == 0 {
				f.all = true
			}
			req, err := f.request(nil, args)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			fs, err := fleetService(ctx, app)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			start := time.Now()
			if laravel != "" {
				st, err := fs.LaravelStatus(ctx, req.Selection, laravel)
				if err != nil {
					return err
				}
				if f.asJSON {
					return printJSON(out, st)
				}
				printLaravelStatus(out, st, summaryOnly, time.Since(start))
				return nil
			}
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			m, err := fleet.LoadMigrations(cfg.Tenancy.MigrationsDir)
			if err != nil {
				return err
			}
			st, err := fs.MigrateStatus(ctx, req.Selection, m)
			if err != nil {
				return err
			}
			if f.asJSON {
				return printJSON(out, st)
			}
			printMigrateStatus(out, st, summaryOnly, time.Since(start))
			return nil
		},
	}
	f.register(cmd.Flags(), false)
	for _, name := range []string{"parallel", "per-server", "canary", "max-failures", "dry-run", "timeout", "order"} {
		_ = cmd.Flags().MarkHidden(name) // run flags: status reads, it starts no run
	}
	cmd.Flags().StringVar(&laravel, "laravel", "", "compare Laravel's migrations table with the .php files in DIR")
	cmd.Flags().BoolVar(&summaryOnly, "summary", false, "print only the fleet summary, not a line per tenant")
	return cmd
}

func int64s(vs []int64) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, fmt.Sprint(v))
	}
	if len(parts) > 4 {
		parts = append(parts[:3], fmt.Sprintf("… %d more", len(parts)-3))
	}
	return strings.Join(parts, ",")
}

func printMigrateStatus(w io.Writer, st fleet.MigrateStatus, summaryOnly bool, took time.Duration) {
	if !summaryOnly {
		tw := newTable(w)
		tw.Row("TENANT", "SERVER", "DATABASE", "VERSION", "PENDING", "STATE")
		for _, v := range st.Tenants {
			state := "current"
			switch {
			case v.Error != "":
				state = "unreadable: " + v.Error
			case v.Drift():
				var d []string
				if len(v.Unknown) > 0 {
					d = append(d, "applied with no file: "+int64s(v.Unknown))
				}
				if len(v.Missing) > 0 {
					d = append(d, "missing below current: "+int64s(v.Missing))
				}
				state = "drift (" + strings.Join(d, "; ") + ")"
			case !v.Migrated:
				state = "never migrated"
			case len(v.Pending) > 0:
				state = "behind"
			}
			version := fmt.Sprint(v.Version)
			if v.Error != "" {
				version = "?"
			}
			tw.Row(v.Tenant.Name, v.Tenant.Server, v.Tenant.Database, version, fmt.Sprint(len(v.Pending)), state)
		}
		_ = tw.Flush()
	}
	s := st.Summary
	printf(w, "Migrations: %s, latest version %d (%s).\n", st.Source, st.Latest, plural(len(st.Versions), "file"))
	printf(w, "%s: %d current, %d behind (%s pending), %d with drift, %d never migrated, %d unreadable.\n",
		plural(s.Tenants, "tenant"), s.Current, s.Behind, plural(s.PendingTotal, "migration"), s.Drift, s.NotMigrated, s.Unreadable)
	versions := make([]int64, 0, len(s.AtVersion))
	for v := range s.AtVersion {
		versions = append(versions, v)
	}
	slices.Sort(versions)
	slices.Reverse(versions)
	var at []string
	for _, v := range versions {
		at = append(at, fmt.Sprintf("%d: %d", v, s.AtVersion[v]))
	}
	if len(at) > 0 {
		printf(w, "Tenants at each version: %s.\n", strings.Join(at, ", "))
	}
	printReads(w, st.Reads, took)
}

func queries(n int) string {
	if n == 1 {
		return "1 query"
	}
	return fmt.Sprintf("%d queries", n)
}

func printReads(w io.Writer, reads []fleet.ReadStats, took time.Duration) {
	var parts []string
	for _, r := range reads {
		parts = append(parts, fmt.Sprintf("%s %s over %s, %s", r.Server, plural(r.Tenants, "tenant"), plural(r.Connections, "connection"), queries(r.Queries)))
	}
	printf(w, "Read in %s: %s.\n", took.Round(time.Millisecond), strings.Join(parts, "; "))
}

func printLaravelStatus(w io.Writer, st fleet.LaravelStatus, summaryOnly bool, took time.Duration) {
	if !summaryOnly {
		tw := newTable(w)
		tw.Row("TENANT", "SERVER", "DATABASE", "RAN", "BATCH", "PENDING", "UNKNOWN")
		for _, v := range st.Tenants {
			if v.Error != "" {
				tw.Row(v.Tenant.Name, v.Tenant.Server, v.Tenant.Database, "?", "?", "?", "unreadable: "+v.Error)
				continue
			}
			unknown := fmt.Sprint(len(v.Unknown))
			if len(v.Unknown) > 0 && len(v.Unknown) <= 2 {
				unknown += " (" + strings.Join(v.Unknown, ", ") + ")"
			}
			ran := fmt.Sprint(v.Ran)
			if !v.HasTable {
				ran = "no table"
			}
			tw.Row(v.Tenant.Name, v.Tenant.Server, v.Tenant.Database, ran, fmt.Sprint(v.LastBatch), fmt.Sprint(len(v.Pending)), unknown)
		}
		_ = tw.Flush()
	}
	s := st.Summary
	printf(w, "Laravel migrations in %s: %s.\n", st.Dir, plural(len(st.Files), "file"))
	printf(w, "%s: %d current, %d behind (%s pending), %d with rows that have no file, %d without a migrations table, %d unreadable.\n",
		plural(s.Tenants, "tenant"), s.Current, s.Behind, plural(s.PendingTotal, "migration"), s.Unknown, s.NoTable, s.Unreadable)
	printReads(w, st.Reads, took)
}
