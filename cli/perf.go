package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/perf"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
)

func newPerfCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{Use: "perf", Short: "Load-test tenants' databases and verify their isolation", Args: cobra.NoArgs}
	cmd.AddCommand(newPerfRunCmd(app))
	return cmd
}

type perfFlags struct {
	opts             perf.Options
	mix, report      string
	all, yes, asJSON bool
}

func newPerfRunCmd(app *App) *cobra.Command {
	var f perfFlags
	cmd := &cobra.Command{
		Use:   "run REF... | --all",
		Short: "Run simulated users' CRUD mix on tenants, then verify isolation and report",
		Long: "Run creates a work table (" + perf.Table + ") in each tenant's database, runs N simulated users per tenant\n" +
			"against it, checks that every tenant holds only its own rows and that no tenant's database user can read\n" +
			"another tenant's data, drops the table and writes a report. It touches no application table.\n" +
			"Without --yes it asks on a terminal and refuses otherwise. Exits 1 when isolation fails.",
		RunE: func(cmd *cobra.Command, args []string) error { return runPerf(cmd, app, &f, args) },
	}
	fl := cmd.Flags()
	fl.IntVar(&f.opts.Users, "users", 4, "simulated users per tenant")
	fl.DurationVar(&f.opts.Duration, "duration", 30*time.Second, "measured time (after the warm-up)")
	fl.Int64Var(&f.opts.Ops, "ops", 0, "stop after this many operations in total (instead of --duration)")
	fl.StringVar(&f.mix, "mix", perf.DefaultMix.String(), "operation mix in percent")
	fl.Float64Var(&f.opts.Rate, "rate", 0, "fixed rate in operations per second in total (default: as fast as possible)")
	fl.DurationVar(&f.opts.Warmup, "warmup", 0, "warm-up time, not measured")
	fl.IntVar(&f.opts.SeedRows, "seed", 1000, "rows inserted into each work table before the run")
	fl.DurationVar(&f.opts.Interval, "interval", 0, "snapshot interval (default: perf.interval)")
	fl.BoolVar(&f.opts.Keep, "keep", false, "keep the work tables after the run")
	fl.BoolVar(&f.all, "all", false, "run on every tenant")
	fl.BoolVar(&f.yes, "yes", false, "do not ask for confirmation")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON snapshot per line, then the report")
	fl.StringVar(&f.report, "report", "", "write the report here (Markdown when it ends in .md; default: perf.report_dir/<time>.json)")
	return cmd
}

func runPerf(cmd *cobra.Command, app *App, f *perfFlags, args []string) error {
	if f.all && len(args) > 0 {
		return usagef("name the tenants to load (REF...) or give --all, not both")
	}
	if !f.all && len(args) == 0 {
		return usagef("name the tenants to load (REF...), or give --all for every tenant")
	}
	if cmd.Flags().Changed("ops") && cmd.Flags().Changed("duration") {
		return usagef("give --duration or --ops, not both")
	}
	if f.opts.Ops > 0 {
		f.opts.Duration = 0
	}
	mix, err := perf.ParseMix(f.mix)
	if err != nil {
		return usagef("--mix: %v", err)
	}
	f.opts.Mix = mix
	ctx := cmd.Context()
	svc, err := app.Service(ctx)
	if err != nil {
		return err
	}
	if svc.ReadOnly() {
		return fmt.Errorf("load test: %w", tenants.ErrReadOnly)
	}
	cfg := svc.Config().Perf
	if f.opts.Interval == 0 {
		f.opts.Interval = cfg.Interval.D()
	}
	f.opts.MaxOpenConns, f.opts.OpTimeout = cfg.MaxOpenConns, cfg.OpTimeout.D()
	var list []tenants.Tenant
	if f.all {
		list, err = svc.List(ctx, tenants.ListOptions{})
	} else {
		list, err = svc.FindMany(ctx, args)
	}
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return fmt.Errorf("there are no tenants to load")
	}
	if !f.yes {
		if err := confirmPerf(app, list, f.opts); err != nil {
			return err
		}
	}
	out := cmd.OutOrStdout()
	rep, err := perf.NewRunner(svc).Run(ctx, list, f.opts, perfPrinter(out, app.Stderr, f.asJSON, isTerminal(app.Stderr)))
	if err != nil {
		return err
	}
	path := f.report
	if path == "" {
		path, err = rep.Save(cfg.ReportDir)
	} else {
		err = rep.WriteFile(path)
	}
	if err != nil {
		return err
	}
	if f.asJSON {
		if err := jsonLines(out).Encode(rep); err != nil {
			return err
		}
	} else {
		// The report names tenants, databases and users.
		var text strings.Builder
		if err := rep.WriteText(&text); err != nil {
			return err
		}
		printBlock(out, "\n"+text.String())
		printf(out, "\nReport saved to %s\n", path)
	}
	switch {
	case !rep.Isolation.Passed:
		return fmt.Errorf("isolation check FAILED: see the evidence in the report (%s)", path)
	case len(rep.CleanupErrors) > 0:
		reasons := make([]string, len(rep.CleanupErrors))
		for i, e := range rep.CleanupErrors {
			reasons[i] = termtext.Line(e)
		}
		return fmt.Errorf("the work table could not be dropped everywhere: %s", strings.Join(reasons, "; "))
	case rep.Cancelled:
		return fmt.Errorf("the load test was stopped early; the report covers what ran (%s)", path)
	}
	return nil
}

// perfPrinter shows snapshots as sysbench-like lines (or JSON lines) on
// out and the preparation and cleanup steps on a terminal's err.
func perfPrinter(out, errw io.Writer, asJSON, tty bool) func(perf.Progress) {
	enc := jsonLines(out)
	return func(p perf.Progress) {
		switch {
		case p.Snapshot != nil && asJSON:
			_ = enc.Encode(p.Snapshot)
		case p.Snapshot != nil:
			printf(out, "%s\n", p.Snapshot.Line())
		case tty && p.Total > 0:
			printf(errw, "\x1b[2K  %s %d/%d tenants\r", p.Phase, p.Done, p.Total)
			if p.Done == p.Total {
				printf(errw, "\n")
			}
		case tty:
			printf(errw, "  %s…\n", p.Phase)
		}
	}
}

func confirmPerf(app *App, list []tenants.Tenant, opts perf.Options) error {
	if !isTerminal(app.Stdin) {
		return fmt.Errorf("refusing to load %s without confirmation: there is no terminal to ask on; add --yes to run", plural(len(list), "tenant database"))
	}
	w := app.Stderr
	const shown = 10
	names := make([]string, 0, shown+1)
	for _, t := range list[:min(shown, len(list))] {
		names = append(names, t.Name)
	}
	if len(list) > shown {
		names = append(names, fmt.Sprintf("and %d more", len(list)-shown))
	}
	length := opts.Duration.String()
	if opts.Ops > 0 {
		length = fmt.Sprintf("%d ops", opts.Ops)
	}
	printf(w, "This runs %d users per tenant for %s on %s: %s.\n", opts.Users, length, plural(len(list), "tenant database"), strings.Join(names, ", "))
	printf(w, "It creates the table %s in each (dropped afterwards) and touches no other table.\nRun it? [y/N] ", perf.Table)
	line, err := bufio.NewReader(app.Stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return err
	}
	if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
		return fmt.Errorf("not confirmed; nothing was run")
	}
	return nil
}
