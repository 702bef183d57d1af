package cli

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/fleet"
)

func newMigrateCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Migrate tenant databases with goose (built-in schema or [tenancy] migrations_dir) as recorded, resumable runs; status of the fleet",
	}
	cmd.AddCommand(newMigrateRunCmd(app, fleet.Up), newMigrateRunCmd(app, fleet.Down), newMigrateRunCmd(app, fleet.Redo),
		newMigrateStatusCmd(app))
	return cmd
}

var migrateShort = map[fleet.Direction]string{
	fleet.Up:   "Apply pending migrations (up to --to) to the selected tenants that are behind",
	fleet.Down: "Roll back the latest migration (or down to --to) in the selected tenants; asks to confirm",
	fleet.Redo: "Roll back the latest migration and apply it again in the selected tenants; asks to confirm",
}

func newMigrateRunCmd(app *App, dir fleet.Direction) *cobra.Command {
	var f runFlags
	var to string
	var yes bool
	cmd := &cobra.Command{
		Use:   string(dir) + " [REF...]",
		Short: migrateShort[dir],
		Long: migrateShort[dir] + ".\nEvery selected tenant's version is read first, in batch (one connection per server); the run holds\n" +
			"items only for the tenants with work, and records how many had none.",
		RunE: func(cmd *cobra.Command, args []string) error {
			toV, err := parseTo(cmd, to)
			if err != nil {
				return err
			}
			op, err := migrateOp(app, dir, toV, f.timeout)
			if err != nil {
				return err
			}
			return startMigrate(cmd, app, &f, op, args, yes)
		},
	}
	f.register(cmd.Flags(), false)
	if dir != fleet.Redo {
		cmd.Flags().StringVar(&to, "to", "", "up: apply up to this version; down: roll back down to this version (0: everything)")
	}
	if dir != fleet.Up {
		cmd.Flags().BoolVar(&yes, "yes", false, "do not ask for confirmation")
	}
	return cmd
}

func parseTo(cmd *cobra.Command, to string) (*int64, error) {
	if !cmd.Flags().Changed("to") {
		return nil, nil
	}
	v, err := strconv.ParseInt(to, 10, 64)
	if err != nil {
		return nil, usagef("--to %q: give a migration version, like 20240501120000 or 3", to)
	}
	return &v, nil
}

// migrateOp loads [tenancy] migrations_dir (or the built-in schema).
func migrateOp(app *App, dir fleet.Direction, to *int64, timeout time.Duration) (*fleet.Migrate, error) {
	cfg, err := app.Config()
	if err != nil {
		return nil, err
	}
	m, err := fleet.LoadMigrations(cfg.Tenancy.MigrationsDir)
	if err != nil {
		return nil, err
	}
	op, err := fleet.NewMigrate(m, dir, to, timeout)
	if err != nil {
		return nil, usageError{err}
	}
	return op, nil
}

// startMigrate reads the versions, prints the plan (--dry-run) or asks to
// confirm a down/redo, then records and works the run.
func startMigrate(cmd *cobra.Command, app *App, f *runFlags, op *fleet.Migrate, refs []string, yes bool) error {
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
		plan, check, err := fs.PlanMigrate(ctx, req)
		if err != nil {
			return err
		}
		if f.asJSON {
			return printJSON(out, struct {
				fleet.Plan
				Selected    int `json:"selected"`
				NothingToDo int `json:"nothing_to_do"`
			}{plan, check.Selected, check.NothingToDo})
		}
		if len(plan.Items) > 0 {
			printRunPlan(out, plan)
		}
		printf(out, "%d of %d selected tenants have nothing to do (%s).\n", check.NothingToDo, check.Selected, op.Goal())
		return nil
	}
	if op.Direction != fleet.Up && !yes {
		if err := confirmMigrate(cmd, app, fs, req, op); err != nil {
			return err
		}
	}
	run, check, err := fs.CreateMigrate(ctx, req)
	if err != nil {
		return err
	}
	if run.ID == 0 {
		if f.asJSON {
			return printJSON(out, struct {
				Event       string `json:"event"`
				Selected    int    `json:"selected"`
				NothingToDo int    `json:"nothing_to_do"`
			}{"nothing_to_do", check.Selected, check.NothingToDo})
		}
		printf(out, "Nothing to do: all %s selected are already there (%s); no run was recorded.\n", plural(check.Selected, "tenant"), op.Goal())
		return nil
	}
	if !f.asJSON {
		printf(app.Stderr, "Run %d: migrate %s over %s (%d of %d selected had nothing to do; parallel %d, per server %d). Ctrl-C stops starting tenants; a second Ctrl-C stops the running ones.\n",
			run.ID, op.Goal(), plural(run.Total, "tenant"), check.NothingToDo, check.Selected, run.Parallel, run.PerServer)
	}
	return workRun(cmd, app, fs, run.ID, false, f.asJSON)
}

// confirmMigrate shows what a down or redo would do and asks for the
// word (down, redo) to be typed; with no terminal it refuses.
func confirmMigrate(cmd *cobra.Command, app *App, fs *fleet.Service, req fleet.CreateRequest, op *fleet.Migrate) error {
	word := string(op.Direction)
	if err := requireTerminal(app, "migrate "+word); err != nil {
		return err
	}
	plan, check, err := fs.PlanMigrate(cmd.Context(), req)
	if err != nil {
		return err
	}
	if len(plan.Items) == 0 {
		return nil // CreateMigrate finds nothing to do and says so
	}
	printRunPlan(app.Stderr, plan)
	printf(app.Stderr, "This will %s in %s (%d of %d selected have nothing to do).\nType %q to confirm: ",
		op.Goal(), plural(len(plan.Items), "tenant"), check.NothingToDo, check.Selected, word)
	return askWord(app.Stdin, word, "nothing was changed")
}

// askWord reads one line and accepts only word.
func askWord(in io.Reader, word, nothingDone string) error {
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && err != io.EOF {
		return err
	}
	if strings.TrimSpace(line) != word {
		return fmt.Errorf("you did not type %q; %s", word, nothingDone)
	}
	return nil
}
