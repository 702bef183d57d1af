package cli

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/queue"
)

func newScheduleCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{Use: "schedule", Short: "The [[schedule]] entries the workers fire"}
	cmd.AddCommand(newScheduleListCmd(app))
	return cmd
}

type scheduleRow struct {
	Name    string      `json:"name"`
	Cron    string      `json:"cron"`
	Command string      `json:"command"`
	Next    []time.Time `json:"next"`
}

func newScheduleListCmd(app *App) *cobra.Command {
	var asJSON bool
	var count int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the schedules with their next firing times (local time)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			now := time.Now()
			rows := []scheduleRow{}
			for _, sc := range cfg.Schedules {
				next, err := queue.NextTimes(sc, now, max(count, 1))
				if err != nil {
					return err
				}
				rows = append(rows, scheduleRow{Name: sc.Name, Cron: sc.Cron, Command: sc.Command, Next: next})
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return printJSON(out, rows)
			}
			if len(rows) == 0 {
				printf(out, "No schedules: add [[schedule]] entries (name, cron, command) to the config.\n")
				return nil
			}
			tw := newTable(out)
			tw.Row("NAME", "CRON", "COMMAND", "NEXT")
			for _, r := range rows {
				var next []string
				for _, t := range r.Next {
					next = append(next, t.Format("2006-01-02 15:04"))
				}
				tw.Row(r.Name, r.Cron, r.Command, strings.Join(next, ", "))
			}
			if cfg.Queue.URL == "" {
				defer printf(app.Stderr, "No [queue] url: schedules fire only in `tenancy worker` processes, which need one.\n")
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&count, "next", 3, "how many next times to show")
	return cmd
}
