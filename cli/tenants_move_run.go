package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/lifecycle"
)

// runMoves moves the selected tenants to req.To as a fleet run.
func runMoves(cmd *cobra.Command, app *App, f *runFlags, req lifecycle.MoveRequest, refs []string, yes bool) error {
	if req.To == "" {
		return usagef("give --to SERVER: where the selected tenants move")
	}
	cfg, err := app.Config()
	if err != nil {
		return err
	}
	if _, ok := cfg.Server(req.To); !ok {
		var known []string
		for _, s := range cfg.AllServers() {
			known = append(known, s.Name)
		}
		return usagef("--to %q is not a configured server (known: %s)", req.To, strings.Join(known, ", "))
	}
	op, err := lifecycle.NewMoveOp(req.To, nil, req.KeepSource, f.perServerLimit(), f.timeout)
	if err != nil {
		return usageError{err}
	}
	return startMoveRun(cmd, app, f, op, refs, yes, "to "+req.To)
}

// startMoveRun starts a run of op, with the CLI's lifecycle service (and
// its cache invalidator); more than one tenant is confirmed first unless
// yes.
func startMoveRun(cmd *cobra.Command, app *App, f *runFlags, op *lifecycle.MoveOp, refs []string, yes bool, where string) error {
	_, ls, err := lifecycleService(cmd.Context(), app)
	if err != nil {
		return err
	}
	op.WithService(ls)
	var confirm func(fleet.Plan) error
	if !yes {
		keep := op.KeepSource
		if keep == 0 {
			keep = lifecycle.DefaultKeepSource
		}
		confirm = confirmMoves(app, where, keep)
	}
	return startConfirmedRun(cmd, app, f, op, refs, confirm)
}

// confirmMoves shows the plan of a move run of more than one tenant and
// asks for "move N" to be typed; with no terminal it refuses. A move is
// not destructive (its source stays), but each one freezes its tenant
// and loads two servers.
func confirmMoves(app *App, where string, keep time.Duration) func(fleet.Plan) error {
	return func(p fleet.Plan) error {
		n := len(p.Items)
		if n <= 1 {
			return nil
		}
		if err := requireTerminal(app, "move "+plural(n, "tenant")); err != nil {
			return err
		}
		printRunPlan(app.Stderr, p)
		word := fmt.Sprintf("move %d", n)
		printf(app.Stderr, "This will move %s %s, freezing each one's writes for its switch; the sources stay, read-only, for %s.\nType %q to confirm: ",
			plural(n, "tenant"), where, keep, word)
		return askWord(app.Stdin, word, "nothing was moved")
	}
}

func newRebalanceCmd(app *App) *cobra.Command {
	var f runFlags
	var dryRun, yes bool
	var keep time.Duration
	cmd := &cobra.Command{
		Use:   "rebalance --dry-run | rebalance [--yes] [run flags]",
		Short: "Plan moves that even out the tenant data per server (greedy), and make them as one run",
		Long: "Plan moves that even out the size of tenant data per configured server: --dry-run prints the plan.\n" +
			"Without it the plan's moves are made as one fleet run (each tenant to its planned server; recorded,\n" +
			"resumable, at most --per-server moves touching one server at once), after \"move N\" is typed (--yes off\n" +
			"a terminal).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, ls, err := lifecycleService(cmd.Context(), app)
			if err != nil {
				return err
			}
			plan, err := ls.Rebalance(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if dryRun || len(plan.Moves) == 0 {
				if f.asJSON {
					return printJSON(out, plan)
				}
				return printRebalance(out, plan)
			}
			targets, refs := map[string]string{}, []string{}
			for _, m := range plan.Moves {
				targets[m.Tenant] = m.To
				refs = append(refs, m.Tenant)
			}
			op, err := lifecycle.NewMoveOp("", targets, keep, f.perServerLimit(), f.timeout)
			if err != nil {
				return usageError{err}
			}
			f.order = string(fleet.OrderSize)
			return startMoveRun(cmd, app, &f, op, refs, yes, "to their planned servers")
		},
	}
	fs := cmd.Flags()
	f.registerLimits(fs)
	fs.BoolVar(&dryRun, "dry-run", false, "print the plan and change nothing")
	fs.BoolVar(&yes, "yes", false, "make the moves without asking")
	fs.DurationVar(&keep, "keep-source", lifecycle.DefaultKeepSource, "how long each source stays, read-only, before `tenants move --cleanup` may drop it")
	return cmd
}

// printRebalance prints the servers before and after and the plan's moves.
func printRebalance(w io.Writer, plan lifecycle.RebalancePlan) error {
	tw := newTable(w)
	tw.Row("SERVER", "TENANTS", "NOW", "AFTER")
	for _, s := range plan.Servers {
		tw.Row(s.Server, fmt.Sprint(s.Tenants), humanBytes(s.Before), humanBytes(s.After))
	}
	_ = tw.Flush()
	if len(plan.Moves) == 0 {
		printf(w, "\nNo move narrows the gap between the servers.\n")
		return nil
	}
	printf(w, "\n")
	tw = newTable(w)
	tw.Row("MOVE", "TENANT", "FROM", "TO", "SIZE")
	for _, m := range plan.Moves {
		tw.Row("tenancy tenants move "+m.Tenant+" --to "+m.To, m.Name, m.From, m.To, humanBytes(m.Bytes))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	printf(w, "\n`tenancy tenants rebalance` without --dry-run makes these moves as one run.\n")
	return nil
}
