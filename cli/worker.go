package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/queue"
)

func newWorkerCmd(app *App) *cobra.Command {
	var concurrency int
	var kinds []string
	var asJSON, noSchedules bool
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Work queued run items (and fire [[schedule]] entries) until SIGTERM or Ctrl-C",
		Long: "Work the items of fleet runs queued in [queue] url, on any machine with this config. Each item takes\n" +
			"its tenant's lock; each run's per-server limit holds across every worker. SIGTERM or Ctrl-C stops\n" +
			"taking items; running ones get [queue] shutdown_timeout to finish, then go back to the queue.\n" +
			"A line per item on stderr (--json: one JSON event per line).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if concurrency < 0 {
				return usagef("--concurrency must be at least 1")
			}
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			q, err := needQueue(app)
			if err != nil {
				return err
			}
			defer q.Close()
			fs, err := fleetService(cmd.Context(), app)
			if err != nil {
				return err
			}
			known := queue.Kinds(fs.Operations())
			for _, k := range kinds {
				if !strings.Contains(strings.Join(known, " ")+" ", k+" ") {
					return usagef("--queues %q: the kinds of work are %s", k, strings.Join(known, ", "))
				}
			}
			opts := queue.WorkerOptions{Concurrency: concurrency, Kinds: kinds, Log: workerLog(app.Stderr, asJSON),
				RunCommand: func(ctx context.Context, args []string) (string, error) { return runTenancy(ctx, cfg.Path, args) }}
			if !noSchedules {
				opts.Schedules = cfg.Schedules
			}
			return q.NewWorker(fs, opts).Run(cmd.Context())
		},
	}
	cmd.Flags().IntVar(&concurrency, "concurrency", 0, "items worked at once (default [queue] concurrency)")
	cmd.Flags().StringSliceVar(&kinds, "queues", nil, "only these kinds of work (migrate,sql,exec,repair,backup,move,schedule; default all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "log one JSON event per line")
	cmd.Flags().BoolVar(&noSchedules, "no-schedules", false, "do not run the [[schedule]] scheduler in this worker")
	return cmd
}

// workerLog writes a worker's events: a line each, tenant text escaped
// for the terminal, or exact JSON.
func workerLog(w io.Writer, asJSON bool) func(queue.Event) {
	var mu sync.Mutex
	enc := jsonLines(w)
	return func(e queue.Event) {
		mu.Lock()
		defer mu.Unlock()
		if asJSON {
			_ = enc.Encode(e)
			return
		}
		if e.Event == "asynq" && e.Level != "warn" && e.Level != "error" && e.Level != "fatal" {
			return
		}
		printf(w, "%s %s\n", e.Time.Local().Format("15:04:05.000"), eventLine(e))
	}
}

func eventLine(e queue.Event) string {
	switch e.Event {
	case "item":
		mark := map[string]string{"done": "✓", "failed": "✗", "cancelled": "✗", "skipped": "-", "requeued": "↺"}[e.State]
		if mark == "" {
			mark = "·"
		}
		s := fmt.Sprintf("%s run %d %s (%s) on %s: %s in %s, attempt %d", mark, e.RunID, e.Tenant, e.TenantID, e.Server, e.State,
			e.Elapsed.Round(time.Millisecond), e.Attempts)
		if e.Error != "" {
			s += ": " + e.Error
		}
		return s
	case "schedule":
		s := fmt.Sprintf("⏰ schedule %s (%s): %s in %s", e.Schedule, e.Message, e.State, e.Elapsed.Round(time.Millisecond))
		if e.Error != "" {
			s += ": " + e.Error
		}
		return s
	case "asynq":
		return "queue " + e.Level + ": " + e.Message
	}
	return e.Message
}

// runTenancy runs this tenancy binary with args (a schedule's command)
// and returns the tail of its output.
func runTenancy(ctx context.Context, configPath string, args []string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	if configPath != "" {
		args = append([]string{"--config", configPath}, args...)
	}
	var out bytes.Buffer
	c := exec.CommandContext(ctx, self, args...)
	c.Stdout, c.Stderr = &out, &out
	err = c.Run()
	tail := out.String()
	if len(tail) > 2048 {
		tail = tail[len(tail)-2048:]
	}
	return strings.TrimSpace(tail), err
}
