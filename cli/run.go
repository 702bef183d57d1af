package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/doctor"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/lifecycle"
	"github.com/tenancy-dev/tenancy/tenants"
)

func newRunCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a command or a SQL file over a selection of tenants (recorded, limited per server, resumable)",
	}
	cmd.AddCommand(newRunExecCmd(app), newRunSQLCmd(app))
	return cmd
}

// runFlags are the selection and scheduling flags every run command takes.
type runFlags struct {
	tenants, skip                 []string
	all, dryRun, asJSON, detach   bool
	status, server, filter, order string
	maxFailures                   string
	failedOf                      int64
	parallel, perServer, canary   int
	timeout                       time.Duration
}

func (f *runFlags) register(fs *pflag.FlagSet, refsFlag bool) {
	if refsFlag {
		fs.StringArrayVar(&f.tenants, "tenant", nil, "a tenant to run on (id, [index], domain, database or name; repeatable, or 0,1,3)")
	}
	fs.BoolVar(&f.all, "all", false, "every tenant")
	fs.StringVar(&f.status, "status", "", "only tenants with this status (active, inactive, blocked)")
	fs.StringVar(&f.server, "server", "", "only tenants on this database server")
	fs.StringVar(&f.filter, "filter", "", "only tenants whose name, id, domain or database contains TEXT")
	fs.StringArrayVar(&f.skip, "skip", nil, "leave this tenant out (repeatable)")
	fs.Int64Var(&f.failedOf, "failed-of", 0, "only the tenants that failed in run ID (retry them)")
	fs.StringVar(&f.order, "order", "index", "order items start in: index, name or size (largest first)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the plan (per tenant what would run) and change nothing")
	f.registerLimits(fs)
}

// registerLimits registers the flags of how a run is worked and shown
// (a command whose tenants are not selected by flags takes only these).
func (f *runFlags) registerLimits(fs *pflag.FlagSet) {
	fs.IntVar(&f.parallel, "parallel", fleet.DefaultParallel, "items running at once in total")
	fs.IntVar(&f.perServer, "per-server", 0, "items running at once on one database server (default: --parallel)")
	fs.IntVar(&f.canary, "canary", 0, "run N tenants first, then pause until `tenancy runs continue ID`")
	fs.StringVar(&f.maxFailures, "max-failures", "", "stop starting items once more than N (or P%) failed")
	fs.DurationVar(&f.timeout, "timeout", 0, "time limit per tenant (0: none)")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON event per line and a final summary")
	fs.BoolVar(&f.detach, "detach", false, "queue the run for `tenancy worker` processes ([queue] url), print its id and return")
}

// selecting reports whether a selection flag was given.
func (f *runFlags) selecting() bool {
	return f.all || f.status != "" || f.server != "" || f.filter != "" || f.failedOf != 0 || len(f.tenants) > 0 || len(f.skip) > 0
}

// limitsChanged reports whether a flag that only a run takes was given.
func limitsChanged(cmd *cobra.Command) bool {
	for _, name := range []string{"parallel", "per-server", "canary", "max-failures", "timeout", "detach", "order"} {
		if cmd.Flags().Changed(name) {
			return true
		}
	}
	return false
}

// perServerLimit is the run's limit per server as the engine applies it.
func (f *runFlags) perServerLimit() int {
	return fleet.Limits{Parallel: f.parallel, PerServer: f.perServer}.WithDefaults().PerServer
}

func (f *runFlags) request(op fleet.Operation, refs []string) (fleet.CreateRequest, error) {
	mf, err := fleet.ParseMaxFailures(f.maxFailures)
	if err != nil {
		return fleet.CreateRequest{}, usageError{err}
	}
	if f.parallel < 1 || f.perServer < 0 || f.canary < 0 {
		return fleet.CreateRequest{}, usagef("--parallel must be at least 1; --per-server and --canary cannot be negative")
	}
	st := tenants.Status(f.status)
	if st != "" && !st.Known() {
		return fleet.CreateRequest{}, usagef("--status %q is not one of active, inactive, blocked", f.status)
	}
	sel := fleet.Selection{Refs: append(refs, f.tenants...), All: f.all, Status: st, Server: f.server, Filter: f.filter,
		Skip: f.skip, FailedOf: f.failedOf, Order: fleet.Order(f.order)}
	if err := sel.Check(); err != nil {
		return fleet.CreateRequest{}, usageError{err}
	}
	return fleet.CreateRequest{Operation: op, Selection: sel,
		Limits: fleet.Limits{Parallel: f.parallel, PerServer: f.perServer, Canary: f.canary, MaxFailures: mf}}, nil
}

func newRunExecCmd(app *App) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "exec [flags] -- COMMAND ARGS...",
		Short: "Run a command per tenant; {id} {database} {server} {domain} {name} in its arguments are replaced (no shell)",
		Long: "Run a command once per selected tenant, without a shell. In each argument {id}, {database}, {server},\n" +
			"{domain} and {name} are replaced by the tenant's values (also in the environment as TENANCY_TENANT_ID,\n" +
			"TENANCY_DATABASE, TENANCY_SERVER, TENANCY_DOMAIN). The exit status is the item's result; the last 4 KB\n" +
			"of output are kept with it. Example:\n  tenancy run exec --all --per-server 4 -- php artisan tenants:migrate --tenants={id} --force",
		RunE: func(cmd *cobra.Command, args []string) error {
			dash := cmd.ArgsLenAtDash()
			if dash < 0 || dash >= len(args) {
				return usagef("put the command after --: tenancy run exec --all -- COMMAND ARGS...")
			}
			if dash > 0 {
				return usagef("name tenants with --tenant REF (before --), not as arguments: %q", args[0])
			}
			op, err := fleet.NewExec(args[dash:], f.timeout)
			if err != nil {
				return usageError{err}
			}
			return startRun(cmd, app, &f, op, nil)
		},
	}
	f.register(cmd.Flags(), true)
	return cmd
}

func newRunSQLCmd(app *App) *cobra.Command {
	var f runFlags
	var transaction bool
	cmd := &cobra.Command{
		Use:   "sql FILE [REF...]",
		Short: "Run a SQL file in each tenant database, statement by statement",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			script, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("read the SQL file: %w", err)
			}
			op, err := fleet.NewSQL(args[0], string(script), transaction, f.timeout)
			if err != nil {
				return usageError{err}
			}
			return startRun(cmd, app, &f, op, args[1:])
		},
	}
	f.register(cmd.Flags(), false)
	cmd.Flags().BoolVar(&transaction, "transaction", false, "run the whole file in one transaction per tenant (DML only: MySQL commits DDL at once)")
	return cmd
}

func fleetService(ctx context.Context, app *App) (*fleet.Service, error) {
	svc, err := app.Service(ctx)
	if err != nil {
		return nil, err
	}
	return fleet.Open(ctx, svc, runOperations(svc.Config()))
}

// runOperations are the operations this CLI rebuilds recorded runs with:
// the defaults, doctor's repairs and moves (resume and workers must know
// every operation a run may hold).
func runOperations(cfg *config.Config) *fleet.Operations {
	ops := doctor.Operations(cfg)
	lifecycle.Register(ops)
	return ops
}

// startRun plans (--dry-run) or records and works a new run.
func startRun(cmd *cobra.Command, app *App, f *runFlags, op fleet.Operation, refs []string) error {
	return startConfirmedRun(cmd, app, f, op, refs, nil)
}

// startConfirmedRun is startRun with a confirmation: unless confirm is
// nil, it is shown the run's plan before anything is recorded, and its
// error stops there.
func startConfirmedRun(cmd *cobra.Command, app *App, f *runFlags, op fleet.Operation, refs []string, confirm func(fleet.Plan) error) error {
	req, err := f.request(op, refs)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	fs, err := fleetService(ctx, app)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if f.dryRun {
		plan, err := fs.Plan(ctx, req)
		if err != nil {
			return err
		}
		if f.asJSON {
			return printJSON(out, plan)
		}
		printRunPlan(out, plan)
		return nil
	}
	if confirm != nil {
		plan, err := fs.Plan(ctx, req)
		if err != nil {
			return err
		}
		if err := confirm(plan); err != nil {
			return err
		}
	}
	queued, closeQueue, err := attachQueue(app, fs)
	if err != nil {
		return err
	}
	defer closeQueue()
	if f.detach && !queued {
		return usagef("--detach needs a queue: set [queue] url (or $TENANCY_QUEUE_URL) and start `tenancy worker` processes")
	}
	run, err := fs.Create(ctx, req)
	if err != nil {
		return err
	}
	if f.detach {
		return detachRun(cmd, fs, run.ID, f.asJSON)
	}
	if !f.asJSON {
		stop := "Ctrl-C stops starting tenants; a second Ctrl-C stops the running ones."
		if queued {
			stop = "queued for `tenancy worker`; Ctrl-C cancels the run (running tenants finish); a second Ctrl-C stops following it."
		}
		printf(app.Stderr, "Run %d: %s over %s (parallel %d, per server %d); %s\n",
			run.ID, run.Operation, plural(run.Total, "tenant"), run.Parallel, run.PerServer, stop)
	}
	return workRun(cmd, app, fs, run.ID, false, f.asJSON)
}

func printRunPlan(w io.Writer, p fleet.Plan) {
	tw := newTable(w)
	tw.Row("#", "TENANT", "ID", "SERVER", "DATABASE", "WOULD")
	for _, it := range p.Items {
		tw.Row(fmt.Sprint(it.Position+1), it.Tenant.Name, it.Tenant.ID, it.Tenant.Server, it.Tenant.Database, it.Action)
	}
	_ = tw.Flush()
	var servers []string
	for s, n := range p.PerServer {
		servers = append(servers, fmt.Sprintf("%s %d", s, n))
	}
	printf(w, "Dry run: %s %s (%s; parallel %d, per server %d). Nothing was run or recorded.\n",
		p.Operation, plural(len(p.Items), "tenant"), strings.Join(servers, ", "), p.Limits.Parallel, p.Limits.PerServer)
}

// workRun works a run in the foreground: the first Ctrl-C (the command's
// context) stops new items, a second one cancels the running ones.
func workRun(cmd *cobra.Command, app *App, fs *fleet.Service, id int64, lift, asJSON bool) error {
	abort, cancelAbort := context.WithCancel(context.Background())
	defer cancelAbort()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		n := 0
		for range sigs {
			if n++; n >= 2 {
				cancelAbort()
			}
		}
	}()
	defer func() { signal.Stop(sigs); close(sigs); <-watched }()

	if _, closeQueue, err := attachQueue(app, fs); err != nil {
		return err
	} else {
		defer closeQueue()
	}
	view := newRunView(cmd.OutOrStdout(), app.Stderr, isTerminal(app.Stderr), asJSON)
	opts := fleet.WorkOptions{Abort: abort, Report: view.report}
	var run fleet.Run
	var err error
	if lift {
		run, err = fs.Continue(cmd.Context(), id, opts)
	} else {
		run, err = fs.Work(cmd.Context(), id, opts)
	}
	view.clear()
	if err != nil {
		return err
	}
	return view.summary(cmd.Context(), fs, run)
}
