package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
)

func newBackupRestoreCmd(app *App) *cobra.Command {
	var into, newDB, identity string
	var yes, asJSON bool
	cmd := &cobra.Command{
		Use:   "restore BACKUP [--into REF | --new-database NAME] [--identity FILE]",
		Short: "Restore a backup over its tenant's database (atomic swap), into another tenant, or into a new database",
		Long: "Restore verifies the file, loads it into a scratch database on the tenant's server and swaps it in with one RENAME TABLE.\n" +
			"If anything fails, the tenant's database is left as it was. Without --yes it asks, on a terminal, for the tenant's name.\n" +
			"An encrypted backup needs --identity FILE (or [backup] identity_file); a missing or wrong one is refused before anything is written.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, bs, b, err := findBackup(ctx, app, args[0], identity)
			if err != nil {
				return err
			}
			ref := into
			if ref == "" {
				ref = b.TenantID
			}
			if ref == "" {
				return usageError{errNoTenant}
			}
			target, err := svc.Find(ctx, ref)
			if err != nil {
				return err
			}
			if !yes {
				if err := confirmRestore(app, target, b, newDB); err != nil {
					return err
				}
			}
			view := newProgressView(app.Stderr, isTerminal(app.Stderr), false, 1)
			if asJSON {
				view = newProgressView(cmd.OutOrStdout(), false, true, 1)
			}
			res, err := bs.Restore(ctx, backup.RestoreRequest{Backup: b, Target: target, NewDatabase: newDB}, func(p backup.Progress) {
				view.report(target.ID, p)
			})
			view.finish()
			if err != nil {
				return err
			}
			if asJSON {
				view.emit(struct {
					Event string `json:"event"`
					backup.RestoreResult
				}{"summary", res})
				return nil
			}
			printf(cmd.OutOrStdout(), "Restored %s into database %s on %s: %d statements, %s of SQL in %s.\n",
				bs.Path(b), res.Database, res.Server, res.Statements, humanBytes(res.Bytes), res.Elapsed.Round(time.Millisecond))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&into, "into", "", "restore into this tenant's database instead of the backup's own tenant")
	f.StringVar(&newDB, "new-database", "", "load into a new database of this name (on the tenant's server), leaving the tenant's database alone")
	f.StringVar(&identity, "identity", "", "age identity file that decrypts an encrypted backup (default: [backup] identity_file)")
	f.BoolVar(&yes, "yes", false, "do not ask for confirmation")
	f.BoolVar(&asJSON, "json", false, "print one JSON event per line and a final summary")
	return cmd
}

func confirmRestore(app *App, t tenants.Tenant, b backup.Backup, newDB string) error {
	what := "REPLACES every table of database " + t.Database
	if newDB != "" {
		what = "loads into the new database " + newDB
	}
	if err := requireTerminal(app, "restore"); err != nil {
		return err
	}
	w := app.Stderr
	printf(w, "Restoring %s (%s, %s, started %s)\n", b.File, b.Kind, humanBytes(b.Size), b.StartedAt.UTC().Format("2006-01-02 15:04:05"))
	printf(w, "%s of tenant [%d] %s (%s) on %s.\n", what, t.Index, t.Name, t.ID, t.Server)
	return askTenantName(app, t, "nothing was restored")
}

func newBackupCleanupCmd(app *App) *cobra.Command {
	var p backup.Policy
	var within ageFlag
	var dryRun, asJSON bool
	cmd := &cobra.Command{
		Use:   "cleanup [REF] [--keep-last N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--older-than DURATION]",
		Short: "Remove old backups by a retention policy (restic's meanings; the newest complete backup is always kept)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			policy := backup.PolicyFrom(cfg.Backup.Retention)
			fl := cmd.Flags()
			for name, v := range map[string][2]*int{"keep-last": {&policy.Last, &p.Last}, "keep-daily": {&policy.Daily, &p.Daily},
				"keep-weekly": {&policy.Weekly, &p.Weekly}, "keep-monthly": {&policy.Monthly, &p.Monthly}} {
				if fl.Changed(name) {
					if *v[1] < 0 {
						return usagef("--%s must be 0 or more, got %d", name, *v[1])
					}
					*v[0] = *v[1]
				}
			}
			if fl.Changed("older-than") {
				policy.Within = time.Duration(within)
			}
			if policy.Empty() {
				return usageError{backup.ErrEmptyPolicy}
			}
			svc, bs, err := backupService(ctx, app)
			if err != nil {
				return err
			}
			id, err := backupTenantID(ctx, svc, bs, args)
			if err != nil {
				return err
			}
			plan, err := bs.Cleanup(ctx, id, policy, dryRun)
			if asJSON {
				if plan == nil {
					plan = []backup.Decision{}
				}
				if jerr := printJSON(cmd.OutOrStdout(), plan); jerr != nil {
					return jerr
				}
				return err
			}
			printPlan(cmd.OutOrStdout(), plan, dryRun)
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&p.Last, "keep-last", 0, "keep the last N backups")
	f.IntVar(&p.Daily, "keep-daily", 0, "keep the newest backup of each of the last N days that have one")
	f.IntVar(&p.Weekly, "keep-weekly", 0, "keep the newest backup of each of the last N ISO weeks that have one")
	f.IntVar(&p.Monthly, "keep-monthly", 0, "keep the newest backup of each of the last N months that have one")
	f.Var(&within, "older-than", "remove backups older than DURATION before the tenant's newest one (restic's --keep-within), like 720h or 30d")
	f.BoolVar(&dryRun, "dry-run", false, "print the plan, remove nothing")
	f.BoolVar(&asJSON, "json", false, "print the plan as JSON")
	return cmd
}

func printPlan(w io.Writer, plan []backup.Decision, dryRun bool) {
	tw := newTable(w)
	tw.Row("ACTION", "ID", "TENANT", "STARTED (UTC)", "KIND", "SIZE", "WHY")
	removed, freed := 0, int64(0)
	for _, d := range plan {
		action := "keep"
		if !d.Keep {
			action, removed, freed = "remove", removed+1, freed+d.Backup.Size
			if dryRun {
				action = "would remove"
			}
		}
		tw.Row(action, strconv.FormatInt(d.Backup.ID, 10), d.Backup.TenantID, d.Backup.StartedAt.UTC().Format("2006-01-02 15:04:05"), d.Backup.Kind, humanBytes(d.Backup.Size), strings.Join(d.Reasons, ", "))
	}
	tw.Flush()
	verb := "Removed"
	if dryRun {
		verb = "Would remove"
	}
	printf(w, "%s %d of %s, %s.\n", verb, removed, plural(len(plan), "backup"), humanBytes(freed))
}

// ageFlag is a duration flag that also takes days ("30d").
type ageFlag time.Duration

func (a *ageFlag) String() string { return time.Duration(*a).String() }
func (a *ageFlag) Type() string   { return "duration" }
func (a *ageFlag) Set(v string) error {
	if days, ok := strings.CutSuffix(v, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && n >= 0 {
			*a = ageFlag(time.Duration(n) * 24 * time.Hour)
			return nil
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("%q is not a duration (write it like 720h or 30d)", v)
	}
	*a = ageFlag(d)
	return nil
}
