package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/fleet"
)

func newRunsCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List, show, resume, continue and cancel recorded runs",
	}
	cmd.AddCommand(newRunsListCmd(app), newRunsShowCmd(app),
		newRunsWorkCmd(app, "resume", "Finish a run whose process stopped or died (done items never run again)", false),
		newRunsWorkCmd(app, "continue", "Continue a run paused after its canary", true),
		newRunsCancelCmd(app))
	return cmd
}

func runID(arg string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(arg, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("run ID %q is not a number (see `tenancy runs list`)", arg)
	}
	return id, nil
}

func selectionText(raw string) string {
	var sel fleet.Selection
	if json.Unmarshal([]byte(raw), &sel) != nil {
		return raw
	}
	return sel.String()
}

func newRunsListCmd(app *App) *cobra.Command {
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the latest runs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			fs, err := fleetService(ctx, app)
			if err != nil {
				return err
			}
			runs, err := fs.List(ctx, limit)
			if err != nil {
				return err
			}
			for i := range runs {
				if err := liveCounts(ctx, fs, &runs[i]); err != nil {
					return err
				}
			}
			if asJSON {
				if runs == nil {
					runs = []fleet.Run{}
				}
				return printJSON(cmd.OutOrStdout(), runs)
			}
			tw := newTable(cmd.OutOrStdout())
			tw.Row("ID", "OPERATION", "STATE", "DONE", "FAILED", "TOTAL", "CREATED (UTC)", "BY", "SELECTION")
			for _, r := range runs {
				tw.Row(strconv.FormatInt(r.ID, 10), r.Operation, string(r.State), strconv.Itoa(r.Done), strconv.Itoa(r.Failed),
					strconv.Itoa(r.Total), r.CreatedAt.UTC().Format("2006-01-02 15:04:05"), r.StartedBy, selectionText(r.Selection))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 50, "how many runs, newest first")
	return cmd
}

// liveCounts fills a running run's counts from its items, and marks a
// "running" run nobody works (its process died) as needing a resume.
func liveCounts(ctx context.Context, fs *fleet.Service, r *fleet.Run) error {
	if r.State != fleet.RunRunning {
		return nil
	}
	c, err := fs.Counts(ctx, r.ID)
	if err != nil {
		return err
	}
	r.Done, r.Failed, r.Skipped, r.Cancelled = c[fleet.ItemDone], c[fleet.ItemFailed], c[fleet.ItemSkipped], c[fleet.ItemCancelled]
	alive, err := fs.Alive(ctx, r.ID)
	if err != nil {
		return err
	}
	if !alive {
		r.State = "running (no runner: resume it)"
	}
	return nil
}

func newRunsShowCmd(app *App) *cobra.Command {
	var asJSON bool
	var state string
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a run and its items (state, attempts, error, result)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := runID(args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			fs, err := fleetService(ctx, app)
			if err != nil {
				return err
			}
			run, err := fs.Get(ctx, id)
			if err != nil {
				return err
			}
			if err := liveCounts(ctx, fs, &run); err != nil {
				return err
			}
			items, err := fs.Items(ctx, id)
			if err != nil {
				return err
			}
			if state != "" {
				var keep []fleet.Item
				for _, it := range items {
					if string(it.State) == state {
						keep = append(keep, it)
					}
				}
				items = keep
			}
			if items == nil {
				items = []fleet.Item{}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return printJSON(out, struct {
					Run   fleet.Run    `json:"run"`
					Items []fleet.Item `json:"items"`
				}{run, items})
			}
			printRun(out, run)
			printItems(out, items)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&state, "state", "", "only items in this state (pending, running, done, failed, skipped, cancelled)")
	return cmd
}

func printRun(w io.Writer, r fleet.Run) {
	printf(w, "Run %d: %s, %s\n", r.ID, r.Operation, r.State)
	printf(w, "  selection: %s; %d done, %d failed, %d skipped, %d cancelled of %d\n", selectionText(r.Selection), r.Done, r.Failed, r.Skipped, r.Cancelled, r.Total)
	printf(w, "  limits: parallel %d, per server %d, canary %d, max failures %s\n", r.Parallel, r.PerServer, r.Canary, orDash(r.MaxFailures))
	where := fmt.Sprintf("last worked on %s (pid %d)", r.Host, r.PID)
	if r.Queued() {
		where = "worked by the queue's workers (BY below)"
	}
	printf(w, "  by %s; %s; created %s\n", r.StartedBy, where, r.CreatedAt.UTC().Format("2006-01-02 15:04:05"))
	if r.Error != "" {
		printf(w, "  %s\n", r.Error)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func printItems(w io.Writer, items []fleet.Item) {
	tw := newTable(w)
	tw.Row("#", "TENANT", "SERVER", "STATE", "TRIES", "TIME", "BY", "RESULT")
	for _, it := range items {
		dur := "-"
		if it.StartedAt != nil && it.FinishedAt != nil {
			dur = it.FinishedAt.Sub(*it.StartedAt).Round(time.Millisecond).String()
		}
		res := it.Result.Summary
		if it.Error != "" {
			res = firstLine(it.Error, 120)
		}
		by := "-" // the process that worked it last: with a queue, a worker
		if it.Host != "" {
			by = it.Host + ":" + strconv.Itoa(it.PID)
		}
		tw.Row(strconv.Itoa(it.Position+1), it.TenantName+" ("+it.TenantID+")", it.Server, string(it.State), strconv.Itoa(it.Attempts), dur, by, res)
	}
	_ = tw.Flush()
}

func newRunsWorkCmd(app *App, name, short string, lift bool) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   name + " ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := runID(args[0])
			if err != nil {
				return err
			}
			fs, err := fleetService(cmd.Context(), app)
			if err != nil {
				return err
			}
			return workRun(cmd, app, fs, id, lift, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON event per line and a final summary")
	return cmd
}

func newRunsCancelCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel a run: its runner stops starting tenants and lets running ones finish",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := runID(args[0])
			if err != nil {
				return err
			}
			fs, err := fleetService(cmd.Context(), app)
			if err != nil {
				return err
			}
			run, alive, err := fs.Cancel(cmd.Context(), id)
			if err != nil {
				return err
			}
			if alive {
				printf(cmd.OutOrStdout(), "Asked the runner of run %d (%s, pid %d) to stop; running tenants finish first.\n", id, run.Host, run.PID)
			} else {
				printf(cmd.OutOrStdout(), "Run %d cancelled (%d done, %d cancelled); `tenancy runs resume %d` would finish it.\n", id, run.Done, run.Cancelled, id)
			}
			return nil
		},
	}
}

// runView shows a run's progress: a live line on a terminal (failures as
// lines above it), a line per finished item otherwise, or one JSON event
// per line.
type runView struct {
	mu     sync.Mutex
	out    io.Writer
	errW   io.Writer
	tty    bool
	json   *json.Encoder
	drawn  bool
	latest time.Time
}

func newRunView(out, errW io.Writer, tty, asJSON bool) *runView {
	v := &runView{out: out, errW: errW, tty: tty && !asJSON}
	if asJSON {
		v.json = jsonLines(out)
	}
	return v
}

type runEvent struct {
	Event string `json:"event"`
	fleet.Progress
}

func (v *runView) report(p fleet.Progress) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.json != nil {
		if p.Item != nil && p.Item.State != fleet.ItemRunning {
			_ = v.json.Encode(runEvent{Event: "item", Progress: p})
			if p.Item.State != fleet.ItemDone {
				v.itemLine(p.Item) // cron mails stderr: every failure's reason goes there, --json or not
			}
		}
		return
	}
	if p.Item != nil {
		if v.drawn {
			printf(v.errW, "\r\x1b[2K")
			v.drawn = false
		}
		v.itemLine(p.Item)
	}
	if !v.tty || time.Since(v.latest) < 100*time.Millisecond {
		return
	}
	v.latest = time.Now()
	printf(v.errW, "\r\x1b[2K%s", liveLine(p))
	v.drawn = true
}

func (v *runView) itemLine(it *fleet.Item) {
	name := it.TenantName + " (" + it.TenantID + ")"
	switch it.State {
	case fleet.ItemDone:
		if !v.tty {
			printf(v.out, "✓ %s on %s: %s\n", name, it.Server, it.Result.Summary)
		}
	case fleet.ItemFailed, fleet.ItemCancelled:
		printf(v.errW, "✗ %s on %s: %s\n", name, it.Server, it.Error)
	}
}

// liveLine is done/failed/running of total, per server, rate, ETA and
// the slowest tenant running.
func liveLine(p fleet.Progress) string {
	s := fmt.Sprintf("[run %d] %d/%d done", p.RunID, p.Done, p.Total)
	if p.Failed > 0 {
		s += fmt.Sprintf(", %d failed", p.Failed)
	}
	s += fmt.Sprintf(", %d running", p.Running)
	var servers []string
	for name, n := range p.PerServer {
		servers = append(servers, fmt.Sprintf("%s %d/%d", name, n, p.PerServerLimit))
	}
	sort.Strings(servers)
	if len(servers) > 0 {
		s += " (" + strings.Join(servers, ", ") + ")"
	}
	if p.Rate > 0 {
		s += fmt.Sprintf("  %.1f/s  ETA %s", p.Rate, p.ETA.Round(time.Second))
	}
	if p.Slowest != nil {
		s += fmt.Sprintf("  slowest: %s %s", p.Slowest.TenantName, p.Slowest.Elapsed.Round(100*time.Millisecond))
	}
	if p.Stopping != "" {
		s += "  stopping (" + p.Stopping + ")"
	}
	return s
}

func (v *runView) clear() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.drawn {
		printf(v.errW, "\r\x1b[2K")
		v.drawn = false
	}
}

// summary prints the run's end and returns the command's error: nil when
// every item is done (or a canary paused without failures).
func (v *runView) summary(ctx context.Context, fs *fleet.Service, run fleet.Run) error {
	if v.json != nil {
		failed, _ := fs.Items(ctx, run.ID)
		var bad []fleet.Item
		for _, it := range failed {
			if it.State == fleet.ItemFailed {
				bad = append(bad, it)
			}
		}
		if bad == nil {
			bad = []fleet.Item{}
		}
		_ = v.json.Encode(struct {
			Event  string       `json:"event"`
			Run    fleet.Run    `json:"run"`
			Failed []fleet.Item `json:"failed"`
		}{"summary", run, bad})
	} else {
		printf(v.out, "Run %d %s: %d done, %d failed, %d skipped, %d cancelled of %d.\n", run.ID, run.State, run.Done, run.Failed, run.Skipped, run.Cancelled, run.Total)
	}
	switch run.State {
	case fleet.RunPaused:
		printf(v.errW, "Paused after its canary of %d: look at `tenancy runs show %d`, then `tenancy runs continue %d`.\n", run.Canary, run.ID, run.ID)
		if run.Failed > 0 {
			return fmt.Errorf("run %d: %d of its canary tenants failed; see `tenancy runs show %d`", run.ID, run.Failed, run.ID)
		}
		return nil
	case fleet.RunCancelled:
		return fmt.Errorf("run %d was cancelled; `tenancy runs resume %d` finishes it", run.ID, run.ID)
	case fleet.RunFailed:
		return fmt.Errorf("run %d failed (%s); see `tenancy runs show %d --state failed`, retry with --failed-of %d", run.ID, run.Error, run.ID, run.ID)
	}
	return nil
}
