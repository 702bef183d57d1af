package cli

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/doctor"
	"github.com/tenancy-dev/tenancy/fleet"
)

type doctorFlags struct {
	checks, tenants                []string
	deep, asJSON, fix, allowDrop   bool
	yes, dryRun, restoreMissing    bool
	failOn                         string
	backupMaxAge                   time.Duration
	parallel, perServer, listLimit int
	resume                         int64
}

func newDoctorCmd(app *App) *cobra.Command {
	f := &doctorFlags{}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the fleet's health (registry, servers, databases, users, migrations, domains, backups) and repair what is safe",
		Long: "doctor reads each database server in a few batched queries and reports what drifted, grouped by check.\n" +
			"Exit status: 0 healthy, 1 findings at or above --fail-on (or a fix failed), 2 usage.\n" +
			"--fix shows the plan and applies the safe fixes (per-tenant ones as fleet runs); destructive ones\n" +
			"(drop an orphan database or user, delete a catalog row) also need --allow-drop, and --yes off a terminal.\n" +
			"Checks: " + strings.Join(doctor.CheckNames(), ", "),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDoctor(cmd, app, f) },
	}
	fs := cmd.Flags()
	fs.StringSliceVar(&f.checks, "check", nil, "only this check or group (repeatable or comma-separated)")
	fs.StringArrayVar(&f.tenants, "tenant", nil, "only findings about this tenant (repeatable, or 0,1,3)")
	fs.BoolVar(&f.deep, "deep", false, "also checksum every backup file and try logins that cannot be checked offline")
	fs.BoolVar(&f.asJSON, "json", false, "one JSON object per finding per line, then a summary object")
	fs.StringVar(&f.failOn, "fail-on", "error", "exit 1 when a finding is at least this severe: warn or error")
	fs.DurationVar(&f.backupMaxAge, "backup-max-age", 0, "report tenants with no complete backup newer than this (0: not checked)")
	fs.BoolVar(&f.fix, "fix", false, "apply the safe fixes (after showing the plan)")
	fs.BoolVar(&f.allowDrop, "allow-drop", false, "with --fix, also apply destructive fixes (each database is backed up before it is dropped)")
	fs.BoolVar(&f.yes, "yes", false, "confirm destructive fixes without asking")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the fix plan and change nothing")
	fs.BoolVar(&f.restoreMissing, "restore-missing", false, "with --fix, restore a missing database's newest complete backup after creating it")
	fs.IntVar(&f.parallel, "parallel", fleet.DefaultParallel, "fix runs: tenants at once in total")
	fs.IntVar(&f.perServer, "per-server", 0, "fix runs: tenants at once on one server (default: --parallel)")
	fs.IntVar(&f.listLimit, "list", 20, "list at most this many info findings per check (the rest are counted)")
	fs.Int64Var(&f.resume, "resume", 0, "resume doctor's fix run ID after its process died")
	return cmd
}

func (f *doctorFlags) validate() (doctor.Severity, error) {
	failOn, err := doctor.ParseSeverity(f.failOn)
	if err != nil || failOn == doctor.Info {
		return "", usagef("--fail-on %q: use warn or error", f.failOn)
	}
	if err := doctor.CheckSelection(f.checks); err != nil {
		return "", usageError{err}
	}
	switch {
	case f.allowDrop && !f.fix && !f.dryRun:
		return "", usagef("--allow-drop goes with --fix (or --dry-run to see the plan)")
	case f.restoreMissing && !f.fix && !f.dryRun:
		return "", usagef("--restore-missing goes with --fix")
	case f.fix && f.dryRun:
		return "", usagef("give --fix or --dry-run, not both")
	case f.parallel < 1 || f.perServer < 0:
		return "", usagef("--parallel must be at least 1 and --per-server not negative")
	}
	return failOn, nil
}

func runDoctor(cmd *cobra.Command, app *App, f *doctorFlags) error {
	failOn, err := f.validate()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	svc, err := app.Service(ctx)
	if err != nil {
		return err
	}
	if f.resume != 0 {
		fs, err := fleet.Open(ctx, svc, runOperations(svc.Config()))
		if err != nil {
			return err
		}
		return workRun(cmd, app, fs, f.resume, false, f.asJSON)
	}
	bs, err := backup.Open(ctx, svc)
	if err != nil {
		return err
	}
	doc := doctor.New(svc, bs)
	opts := doctor.Options{Checks: f.checks, Tenants: f.tenants, Deep: f.deep, BackupMaxAge: f.backupMaxAge}
	rep, err := doc.Run(ctx, opts)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if f.asJSON {
		printDoctorJSON(out, rep)
	} else {
		printDoctorReport(out, rep, f.listLimit)
	}
	if !f.fix && !f.dryRun {
		return doctorVerdict(rep, failOn, 0)
	}
	plan := doctor.PlanFixes(rep, f.restoreMissing)
	if f.asJSON {
		_ = jsonLines(out).Encode(struct {
			Event string      `json:"event"`
			Plan  doctor.Plan `json:"plan"`
		}{"plan", plan})
	} else {
		printDoctorPlan(app.Stderr, plan, f.allowDrop)
	}
	if f.dryRun || plan.Empty() {
		return doctorVerdict(rep, failOn, 0)
	}
	if !f.allowDrop {
		plan.Destructive = nil
	} else if len(plan.Destructive) > 0 && !f.yes {
		if err := confirmDrops(app, len(plan.Destructive)); err != nil {
			return err
		}
	}
	return applyDoctorFixes(cmd, app, doc, plan, f, opts, failOn)
}

func applyDoctorFixes(cmd *cobra.Command, app *App, doc *doctor.Service, plan doctor.Plan, f *doctorFlags, opts doctor.Options, failOn doctor.Severity) error {
	ctx := cmd.Context()
	out := cmd.OutOrStdout()
	view := newRunView(out, app.Stderr, isTerminal(app.Stderr), f.asJSON)
	res, err := doc.Fix(ctx, plan, doctor.FixOptions{
		AllowDrop: f.allowDrop,
		Limits:    fleet.Limits{Parallel: f.parallel, PerServer: f.perServer},
		Report:    view.report,
		Started: func(r fleet.Run) {
			if !f.asJSON {
				printf(app.Stderr, "Run %d: %s over %s (resume with `tenancy doctor --resume %d`).\n", r.ID, r.Operation, plural(r.Total, "tenant"), r.ID)
			}
		},
	})
	view.clear()
	if err != nil {
		return err
	}
	// Tenant-scoped selections are rechecked the same way.
	after, err := doc.Run(ctx, opts)
	if err != nil {
		return err
	}
	if f.asJSON {
		_ = jsonLines(out).Encode(struct {
			Event  string           `json:"event"`
			Result doctor.FixResult `json:"result"`
			After  map[string]int   `json:"after"`
		}{"fixed", res, severityCounts(after)})
	} else {
		printFixResult(out, res)
		c := after.Counts()
		printf(out, "After the fixes: %s, %s, %d info.\n", plural(c[doctor.Error], "error"), plural(c[doctor.Warn], "warning"), c[doctor.Info])
	}
	return doctorVerdict(after, failOn, res.Failed)
}

// doctorVerdict is the command's error: nil when healthy at failOn and no
// fix failed (exit 0), else a sentence (exit 1).
func doctorVerdict(rep doctor.Report, failOn doctor.Severity, fixFailed int) error {
	n := rep.Count(failOn)
	switch {
	case fixFailed > 0 && n > 0:
		return fmt.Errorf("%s failed and %s at or above %s remain", plural(fixFailed, "fix"), plural(n, "finding"), failOn)
	case fixFailed > 0:
		return fmt.Errorf("%s failed (see above)", plural(fixFailed, "fix"))
	case n > 0:
		return fmt.Errorf("doctor found %s at or above %s (see above; --fix repairs the safe ones)", plural(n, "problem"), failOn)
	}
	return nil
}

func severityCounts(rep doctor.Report) map[string]int {
	out := map[string]int{}
	for k, v := range rep.Counts() {
		out[string(k)] = v
	}
	return out
}

// confirmDrops asks for "drop N" to be typed on a terminal.
func confirmDrops(app *App, n int) error {
	if err := requireTerminal(app, fmt.Sprintf("apply %s", plural(n, "destructive fix"))); err != nil {
		return err
	}
	want := "drop " + strconv.Itoa(n)
	printf(app.Stderr, "%s will drop or delete what is listed above (databases are backed up first). Type %q to confirm: ", plural(n, "destructive fix"), want)
	line, err := bufio.NewReader(app.Stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return err
	}
	if strings.TrimSpace(line) != want {
		return fmt.Errorf("not confirmed; nothing was changed")
	}
	return nil
}
