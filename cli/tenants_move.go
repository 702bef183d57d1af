package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/lifecycle"
)

func newMoveCmd(app *App) *cobra.Command {
	var req lifecycle.MoveRequest
	var f runFlags
	var resume, abort, cleanup, list, yes bool
	cmd := &cobra.Command{
		Use:   "move REF --to SERVER [--dry-run] [--keep-source 24h] | move REF...|--all|--server S|--filter T --to SERVER [run flags] | move REF --resume|--abort | move --cleanup|--list",
		Short: "Move tenants' databases to another server (copy, freeze, copy what changed, verify, switch)",
		Long: "Copy the tenant's database to SERVER (streamed), freeze writes (maintenance mode and a read lock on\n" +
			"the source's tables), copy again the tables whose CHECKSUM TABLE changed, verify every table's checksum\n" +
			"on both sides, point the registry at SERVER (the tenant's user recreated there), invalidate the cache and\n" +
			"unfreeze. The source stays, read-only, for --keep-source; `move --cleanup` drops the sources whose time\n" +
			"is up. Every phase is recorded in tenancy_moves: a killed move is resumed (--resume, or the next move of\n" +
			"the tenant) or rolled back (--abort).\n\n" +
			"Several REFs, a selection (--all, --status, --server, --filter, --tenant, --failed-of) or a run flag\n" +
			"(--parallel, --per-server, --canary, --max-failures, --detach) make it a fleet run: recorded per tenant,\n" +
			"resumable (`tenancy runs resume`), at most --per-server moves touching one server at once, counting the\n" +
			"target as well as the source. A tenant already on SERVER is done (\"already on SERVER\"). Moving more\n" +
			"than one tenant asks for \"move N\" to be typed (--yes off a terminal). Example:\n" +
			"  tenancy tenants move --all --server db1 --to db2 --per-server 1",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			asRun := len(args) > 1 || f.selecting() || limitsChanged(cmd)
			if cleanup || list {
				if len(args) > 0 || req.To != "" || cleanup && list || asRun {
					return usagef("--cleanup and --list take no tenant, no --to and no selection, and go alone")
				}
				if list {
					return runMoveList(cmd, app, f.asJSON)
				}
				return runMoveCleanup(cmd, app, f.dryRun, yes, f.asJSON)
			}
			if asRun {
				if resume || abort {
					return usagef("--resume and --abort take one REF; a move run is resumed with `tenancy runs resume ID`")
				}
				return runMoves(cmd, app, &f, req, args, yes)
			}
			if len(args) != 1 {
				return usagef("name the tenant to move: tenants move REF --to SERVER (or several, or a selection such as --all)")
			}
			if (req.To == "") == !(resume || abort) || resume && abort {
				return usagef("give --to SERVER to start a move, or one of --resume and --abort for an unfinished one")
			}
			svc, ls, err := lifecycleService(ctx, app)
			if err != nil {
				return err
			}
			t, err := svc.Find(ctx, args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch {
			case f.dryRun:
				plan, err := ls.Plan(ctx, t, req.To)
				if err != nil {
					return err
				}
				if f.asJSON {
					return printJSON(out, plan)
				}
				printMovePlan(out, plan)
				return nil
			case abort:
				m, err := ls.Abort(ctx, t)
				if err != nil {
					return err
				}
				printf(out, "Rolled back the move of [%d] %s to %s: it stays on %s.\n", t.Index, t.Name, m.To, m.From)
				return nil
			}
			req.Tenant = t
			view := newProgressView(app.Stderr, isTerminal(app.Stderr), f.asJSON, 1)
			m, err := ls.Move(ctx, req, lifecycleProgress(app, view, t.Name, f.asJSON))
			view.finish()
			if err != nil {
				return err
			}
			if f.asJSON {
				return printJSON(out, m)
			}
			printf(out, "Moved [%d] %s from %s to %s: %s copied in %s, writes frozen %s.\n", t.Index, t.Name, m.From, m.To,
				humanBytes(m.Bytes), time.Duration(m.CopyMS)*time.Millisecond, time.Duration(m.FreezeMS)*time.Millisecond)
			printf(out, "The source stays read-only on %s until %s; `tenancy tenants move --cleanup` drops it after that.\n",
				m.From, m.KeepUntil.Local().Format(time.DateTime))
			return nil
		},
	}
	fs := cmd.Flags()
	f.register(fs, true)
	fs.StringVar(&req.To, "to", "", "the [[servers]] name to move to (central for the central server)")
	fs.DurationVar(&req.KeepSource, "keep-source", lifecycle.DefaultKeepSource, "how long the source stays, read-only, before --cleanup may drop it")
	fs.BoolVar(&resume, "resume", false, "finish the tenant's unfinished move (its process was killed)")
	fs.BoolVar(&abort, "abort", false, "roll back the tenant's unfinished move, if it has not switched yet")
	fs.BoolVar(&cleanup, "cleanup", false, "drop the sources of finished moves whose --keep-source time is up")
	fs.BoolVar(&list, "list", false, "list the recorded moves, newest first (unfinished ones show their phase)")
	fs.BoolVar(&yes, "yes", false, "with --cleanup or several tenants: go ahead without asking")
	return cmd
}

func printMovePlan(w io.Writer, p lifecycle.MovePlan) {
	printf(w, "Move %s (%s), database %s, from %s to %s:\n", p.Name, p.Tenant, p.Database, p.From, p.To)
	printf(w, "  %d tables, ~%d rows, %s (data and indexes, the server's estimate)\n", p.Tables, p.Rows, humanBytes(p.Bytes))
	if p.User != "" {
		printf(w, "  user %s recreated on %s with its grants; on %s it keeps only SELECT afterwards\n", p.User, p.To, p.From)
	}
	printf(w, "  expected: %s in all, writes frozen about %s (more if tables change during the copy)\n",
		p.Copy.Round(100*time.Millisecond), p.Freeze.Round(100*time.Millisecond))
	for _, problem := range p.Problems {
		printf(w, "  refused: %s\n", problem)
	}
}

func runMoveCleanup(cmd *cobra.Command, app *App, dryRun, yes, asJSON bool) error {
	ctx := cmd.Context()
	_, ls, err := lifecycleService(ctx, app)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	due, err := ls.Cleanup(ctx, true)
	if err != nil {
		return err
	}
	if !dryRun && len(due) > 0 && !yes {
		printCleanup(app.Stderr, due, "would drop")
		if err := requireTerminal(app, "drop the sources of moves"); err != nil {
			return err
		}
		printf(app.Stderr, "Type %q to confirm: ", "drop")
		if err := askWord(app.Stdin, "drop", "nothing was dropped"); err != nil {
			return err
		}
	}
	if !dryRun {
		if due, err = ls.Cleanup(ctx, false); err != nil {
			return err
		}
	}
	if asJSON {
		return printJSON(out, due)
	}
	verb := "dropped"
	if dryRun {
		verb = "would drop"
	}
	if len(due) == 0 {
		printf(out, "No move's source is due for cleanup.\n")
		return nil
	}
	printCleanup(out, due, verb)
	return nil
}

func runMoveList(cmd *cobra.Command, app *App, asJSON bool) error {
	_, ls, err := lifecycleService(cmd.Context(), app)
	if err != nil {
		return err
	}
	moves, err := ls.Moves(cmd.Context(), "")
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if asJSON {
		return printJSON(out, moves)
	}
	tw := newTable(out)
	tw.Row("ID", "TENANT", "DATABASE", "FROM", "TO", "PHASE", "STARTED", "FREEZE", "SOURCE KEPT UNTIL")
	for _, m := range moves {
		kept := ""
		if m.KeepUntil != nil && m.Phase == lifecycle.PhaseDone {
			kept = m.KeepUntil.Local().Format(time.DateTime)
		}
		tw.Row(fmt.Sprint(m.ID), m.TenantID, m.Database, m.From, m.To, string(m.Phase),
			m.StartedAt.Local().Format(time.DateTime), (time.Duration(m.FreezeMS) * time.Millisecond).String(), kept)
	}
	return tw.Flush()
}

func printCleanup(w io.Writer, list []lifecycle.Cleaned, verb string) {
	tw := newTable(w)
	tw.Row("TENANT", "DATABASE", "SERVER", "MOVED TO", "")
	for _, c := range list {
		what := verb
		if c.Skipped != "" {
			what = "kept: " + c.Skipped
		}
		tw.Row(c.Move.TenantID, c.Move.Database, c.Move.From, c.Move.To, what)
	}
	_ = tw.Flush()
}
