package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/queue"
)

// openQueue connects to [queue] url; ok is false when none is set.
func openQueue(app *App) (*queue.Queue, bool, error) {
	cfg, err := app.Config()
	if err != nil {
		return nil, false, err
	}
	if cfg.Queue.URL == "" {
		return nil, false, nil
	}
	q, err := queue.Open(cfg.Queue)
	return q, err == nil, err
}

// attachQueue makes fs hand runs to the queue when [queue] url is set
// (queued true); close closes the connection.
func attachQueue(app *App, fs *fleet.Service) (queued bool, close func(), err error) {
	q, ok, err := openQueue(app)
	if err != nil || !ok {
		return false, func() {}, err
	}
	fs.UseExecutor(q)
	return true, func() { _ = q.Close() }, nil
}

// detachRun queues a run and prints its id (stdout) for scripts.
func detachRun(cmd *cobra.Command, fs *fleet.Service, id int64, asJSON bool) error {
	run, err := fs.Start(cmd.Context(), id, false)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(cmd.OutOrStdout(), run)
	}
	printf(cmd.OutOrStdout(), "%d\n", run.ID)
	return nil
}

func needQueue(app *App) (*queue.Queue, error) {
	q, ok, err := openQueue(app)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, usagef("no queue: set [queue] url (or $TENANCY_QUEUE_URL) to the Redis your workers use")
	}
	return q, nil
}

func newQueueCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{Use: "queue", Short: "Inspect the work queue: queues, workers, schedules, tasks; retry, archive, pause, resume"}
	cmd.AddCommand(newQueueStatsCmd(app), newQueueListCmd(app),
		newQueueTaskCmd(app, "retry", "Run an archived or retrying task now", queue.TaskRetry),
		newQueueTaskCmd(app, "archive", "Archive a pending, scheduled or retrying task (it will not run)", queue.TaskArchive),
		newQueueTaskCmd(app, "delete", "Delete a task that is not running", queue.TaskDelete),
		newQueuePauseCmd(app, "pause", "Pause a queue: workers take nothing from it until resumed", true),
		newQueuePauseCmd(app, "resume", "Resume a paused queue", false))
	return cmd
}

// queueName accepts a kind (sql) or a full queue name (tenancy:sql).
func queueName(q *queue.Queue, name string) string {
	if strings.Contains(name, ":") {
		return name
	}
	return q.Name(name)
}

func newQueueStatsCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Queues (pending, active, scheduled, retry, archived), workers and schedules",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := needQueue(app)
			if err != nil {
				return err
			}
			defer q.Close()
			st, err := q.Stats()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return printJSON(out, st)
			}
			tw := newTable(out)
			tw.Row("QUEUE", "PENDING", "ACTIVE", "SCHEDULED", "RETRY", "ARCHIVED", "DONE TODAY", "FAILED TODAY", "PAUSED")
			for _, s := range st.Queues {
				tw.Row(s.Queue, strconv.Itoa(s.Pending), strconv.Itoa(s.Active), strconv.Itoa(s.Scheduled), strconv.Itoa(s.Retry),
					strconv.Itoa(s.Archived), strconv.Itoa(s.Processed), strconv.Itoa(s.Failed), strconv.FormatBool(s.Paused))
			}
			_ = tw.Flush()
			printf(out, "\n")
			tw = newTable(out)
			tw.Row("WORKER", "PID", "CONCURRENCY", "ACTIVE", "SINCE", "STATUS")
			for _, w := range st.Workers {
				tw.Row(w.Host, strconv.Itoa(w.PID), strconv.Itoa(w.Concurrency), strconv.Itoa(w.Active), w.Started.Local().Format("2006-01-02 15:04:05"), w.Status)
			}
			_ = tw.Flush()
			if len(st.Schedules) > 0 {
				printf(out, "\n")
				tw = newTable(out)
				tw.Row("SCHEDULE", "CRON", "NEXT", "PREVIOUS")
				for _, s := range st.Schedules {
					tw.Row(s.Name, s.Cron, timeOrDash(s.Next), timeOrDash(s.Prev))
				}
				_ = tw.Flush()
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func timeOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func newQueueListCmd(app *App) *cobra.Command {
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "list QUEUE [pending|active|scheduled|retry|archived|completed]",
		Short: "List a queue's tasks in one state (default archived: the failed ones, with their error)",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := needQueue(app)
			if err != nil {
				return err
			}
			defer q.Close()
			state := "archived"
			if len(args) > 1 {
				state = args[1]
			}
			tasks, err := q.Tasks(queueName(q, args[0]), state, limit)
			if err != nil {
				return usageError{err}
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), tasks)
			}
			tw := newTable(cmd.OutOrStdout())
			tw.Row("ID", "TYPE", "STATE", "RETRIED", "NEXT", "ERROR")
			for _, t := range tasks {
				tw.Row(t.ID, t.Type, t.State, fmt.Sprintf("%d/%d", t.Retried, t.MaxRetry), timeOrDash(t.NextProcessAt), firstLine(t.LastErr, 100))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 50, "how many tasks")
	return cmd
}

func newQueueTaskCmd(app *App, name, short string, act access.Action) *cobra.Command {
	return &cobra.Command{
		Use:   name + " QUEUE TASK-ID",
		Short: short,
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := needQueue(app)
			if err != nil {
				return err
			}
			defer q.Close()
			if err := q.TaskAct(cmd.Context(), act, queueName(q, args[0]), args[1]); err != nil {
				return err
			}
			printf(cmd.OutOrStdout(), "Task %s: %s done.\n", args[1], name)
			return nil
		},
	}
}

func newQueuePauseCmd(app *App, name, short string, pause bool) *cobra.Command {
	return &cobra.Command{
		Use:   name + " QUEUE",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := needQueue(app)
			if err != nil {
				return err
			}
			defer q.Close()
			if err := q.SetPaused(cmd.Context(), queueName(q, args[0]), pause); err != nil {
				return err
			}
			printf(cmd.OutOrStdout(), "Queue %s: %s done.\n", queueName(q, args[0]), name)
			return nil
		},
	}
}
