package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/audit"
)

func newAuditCmd(app *App) *cobra.Command {
	var since, user, tenant, action string
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show who changed what (the audit log in the central database)",
		Long: "audit lists the changes users made through the CLI, the dashboard and SSH sessions (allowed, refused\n" +
			"and failed), oldest first: time, user, role, action, target, outcome.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := audit.Filter{User: user, Action: action, Limit: limit}
			if since != "" {
				t, err := parseSince(since, time.Now())
				if err != nil {
					return usageError{err}
				}
				f.Since = t
			}
			svc, err := app.Service(cmd.Context())
			if err != nil {
				return err
			}
			if tenant != "" {
				t, err := svc.Find(cmd.Context(), tenant)
				if err != nil {
					return err
				}
				f.Target = t.ID
			}
			entries, err := audit.List(cmd.Context(), svc.Central(), f)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				list := make([]audit.JSON, len(entries))
				for i, e := range entries {
					list[i] = e.JSON()
				}
				return printJSON(out, list)
			}
			if len(entries) == 0 {
				printf(out, "No audit entries match.\n")
				return nil
			}
			tb := newTable(out)
			tb.Row("TIME", "USER", "ROLE", "VIA", "ACTION", "TARGET", "DETAIL", "OUTCOME")
			for _, e := range entries {
				outcome := e.Outcome
				if e.Error != "" {
					outcome += ": " + e.Error
				}
				tb.Row(e.Time.Local().Format("2006-01-02 15:04:05"), e.User, string(e.Role), e.Via, string(e.Action), e.Target, e.Detail, outcome)
			}
			return tb.Flush()
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "only entries this recent: a duration (24h, 7d) or a date (2026-03-14)")
	cmd.Flags().StringVar(&user, "user", "", "only this user's entries (an SSH user's name, or user@host for the CLI)")
	cmd.Flags().StringVar(&tenant, "tenant", "", "only entries on this tenant (REF)")
	cmd.Flags().StringVar(&action, "action", "", "only this action or family (tenant.delete, tenant, backup)")
	cmd.Flags().IntVar(&limit, "limit", 1000, "show at most the newest N entries")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// parseSince reads --since: a Go duration, a number of days ("7d"), or a
// date or time (2006-01-02, 2006-01-02T15:04:05Z07:00).
func parseSince(s string, now time.Time) (time.Time, error) {
	var days int
	if n, err := fmt.Sscanf(s, "%dd", &days); err == nil && n == 1 && fmt.Sprintf("%dd", days) == s {
		return now.Add(-time.Duration(days) * 24 * time.Hour), nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q is neither a duration (24h, 7d) nor a date (2026-03-14)", s)
}
