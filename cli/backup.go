package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
)

func newBackupCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Back up, list, verify, restore and expire tenant databases",
	}
	cmd.AddCommand(newBackupCreateCmd(app), newBackupListCmd(app), newBackupVerifyCmd(app),
		newBackupRestoreCmd(app), newBackupCleanupCmd(app))
	return cmd
}

func backupService(ctx context.Context, app *App) (*tenants.Service, *backup.Service, error) {
	svc, err := app.Service(ctx)
	if err != nil {
		return nil, nil, err
	}
	bs, err := backup.Open(ctx, svc)
	return svc, bs, err
}

// findBackup opens the services and finds BACKUP (a catalog id, a name
// in the store or a file). identity, when set, is the age identity file
// that decrypts encrypted backups (--identity).
func findBackup(ctx context.Context, app *App, ref, identity string) (*tenants.Service, *backup.Service, backup.Backup, error) {
	svc, bs, err := backupService(ctx, app)
	if err != nil {
		return nil, nil, backup.Backup{}, err
	}
	if identity != "" {
		if err := bs.UseIdentityFile(identity); err != nil {
			return nil, nil, backup.Backup{}, usageError{fmt.Errorf("--identity: %w", err)}
		}
	}
	b, err := bs.Find(ctx, ref)
	return svc, bs, b, err
}

// backupSummary is the final --json line of `backup create`.
type backupSummary struct {
	Event   string          `json:"event"`
	Backups []backup.Backup `json:"backups"`
	Failed  []failedBackup  `json:"failed"`
	Elapsed time.Duration   `json:"elapsed_ns"`
}

type failedBackup struct {
	Tenant string `json:"tenant"`
	Error  string `json:"error"`
}

func newBackupCreateCmd(app *App) *cobra.Command {
	var f runFlags
	var structure bool
	var compression string
	cmd := &cobra.Command{
		Use:   "create REF... | --all | --status S | --server NAME | --filter TEXT",
		Short: "Back up tenants' databases (consistent, parallel, compressed); a selection is a recorded, resumable run",
		Long: "Back up the named tenants, or a selection (--all, --status, --server, --filter, --failed-of) as a fleet\n" +
			"run: recorded per tenant in `tenancy runs`, [backup] parallel_tenants at a time (--parallel) and\n" +
			"--per-server N on one database server, resumed with `tenancy runs resume ID` after a crash, and\n" +
			"worked by `tenancy worker` processes when [queue] is set.",
		RunE: func(cmd *cobra.Command, args []string) error {
			selection := f.all || f.status != "" || f.server != "" || f.filter != "" || f.failedOf != 0
			if selection == (len(args) > 0) {
				return usagef("name tenants to back up, or select them with --all, --status, --server, --filter or --failed-of (not both)")
			}
			kind := backup.KindFull
			if structure {
				kind = backup.KindStructure
			}
			if selection {
				op, err := fleet.NewBackup(kind, compression, f.timeout)
				if err != nil {
					return usageError{err}
				}
				if !cmd.Flags().Changed("parallel") {
					svc, err := app.Service(cmd.Context())
					if err != nil {
						return err
					}
					f.parallel = svc.Config().Backup.ParallelTenants
				}
				return startRun(cmd, app, &f, op, nil)
			}
			if compression != "" && compression != backup.CompressZstd && compression != backup.CompressGzip && compression != backup.CompressNone {
				return usagef("--compression must be zstd, gzip or none, not %q", compression)
			}
			return createBackups(cmd, app, args, kind, compression, f.asJSON)
		},
	}
	f.register(cmd.Flags(), false)
	fl := cmd.Flags()
	fl.BoolVar(&structure, "structure-only", false, "back up the schema and objects only, no rows")
	fl.StringVar(&compression, "compression", "", "zstd, gzip or none (default: [backup] compression)")
	return cmd
}

// createBackups backs up the tenants refs name, [backup] parallel_tenants
// at a time, outside any run.
func createBackups(cmd *cobra.Command, app *App, refs []string, kind, compression string, asJSON bool) error {
	ctx := cmd.Context()
	svc, bs, err := backupService(ctx, app)
	if err != nil {
		return err
	}
	list, err := svc.FindMany(ctx, refs)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	view := newProgressView(app.Stderr, isTerminal(app.Stderr), asJSON, len(list))
	if asJSON {
		view = newProgressView(out, false, true, len(list))
	}
	start := time.Now()
	results := bs.CreateMany(ctx, list, kind, compression, func(id string, p backup.Progress) {
		view.report(id, p)
		if p.Step == backup.StepFinish {
			view.finish()
		}
	})
	sum := backupSummary{Event: "summary", Backups: []backup.Backup{}, Failed: []failedBackup{}, Elapsed: time.Since(start)}
	for _, r := range results {
		if r.Err != nil {
			sum.Failed = append(sum.Failed, failedBackup{Tenant: r.Tenant.ID, Error: r.Err.Error()})
			continue
		}
		sum.Backups = append(sum.Backups, r.Backup)
	}
	view.finish()
	if asJSON {
		view.emit(sum)
	} else {
		printCreated(out, bs, results, sum.Elapsed)
	}
	if len(sum.Failed) > 0 {
		// Cron mails stderr: every reason goes there, --json or not.
		printFailed(app.Stderr, results)
		return fmt.Errorf("%d of %d backups failed; nothing partial was kept", len(sum.Failed), len(results))
	}
	return nil
}

// printCreated writes one line per tenant, failures included, and the
// throughput of several.
func printCreated(w io.Writer, bs *backup.Service, results []backup.Result, elapsed time.Duration) {
	var bytes int64
	for _, r := range results {
		if r.Err != nil {
			printf(w, "✗ %s (%s): %v\n", r.Tenant.Name, r.Tenant.ID, r.Err)
			continue
		}
		b := r.Backup
		bytes += b.RawBytes
		dur := b.FinishedAt.Sub(b.StartedAt).Round(time.Millisecond)
		printf(w, "✓ %s: backup %d, %s, %d tables, %d rows, %s (%s raw), %s\n", r.Tenant.Name, b.ID, bs.Path(b), b.Tables, b.Rows, humanBytes(b.Size), humanBytes(b.RawBytes), dur)
	}
	if len(results) > 1 {
		secs := elapsed.Seconds()
		printf(w, "%s in %s: %.1f tenants/minute, %.1f MB/s raw\n", plural(len(results), "tenant"), elapsed.Round(time.Millisecond), float64(len(results))/secs*60, float64(bytes)/secs/1e6)
	}
}

// printFailed writes each failed backup's tenant and reason, one line each.
func printFailed(w io.Writer, results []backup.Result) {
	for _, r := range results {
		if r.Err != nil {
			printf(w, "tenancy: backup of tenant %s (%s) failed: %v\n", r.Tenant.Name, r.Tenant.ID, r.Err)
		}
	}
}

func newBackupListCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [REF]",
		Short: "List backups from the catalog",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, bs, err := backupService(ctx, app)
			if err != nil {
				return err
			}
			id, err := backupTenantID(ctx, svc, bs, args)
			if err != nil {
				return err
			}
			list, err := bs.List(ctx, id)
			if err != nil {
				return err
			}
			left, err := bs.Leftovers(ctx)
			if err != nil {
				return err
			}
			left = slices.DeleteFunc(left, func(l backup.Leftover) bool { return id != "" && l.TenantID != id })
			unfinished, err := bs.UnfinishedWrites(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				if list == nil {
					list = []backup.Backup{}
				}
				// The array is the contract; leftovers go to stderr.
				printLeftovers(cmd.ErrOrStderr(), left)
				printUnfinished(cmd.ErrOrStderr(), unfinished)
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := newTable(cmd.OutOrStdout())
			tw.Row("ID", "TENANT", "STARTED (UTC)", "KIND", "SIZE", "COMPRESSION", "STATUS", "VERIFIED", "FILE")
			for _, b := range list {
				verified := "-"
				if b.VerifiedAt != nil {
					verified = b.VerifiedAt.UTC().Format("2006-01-02 15:04")
				}
				status := b.Status
				if b.Error != "" {
					status += ": " + firstLine(b.Error, 50)
				}
				tw.Row(strconv.FormatInt(b.ID, 10), b.TenantID, b.StartedAt.UTC().Format("2006-01-02 15:04:05"), b.Kind, humanBytes(b.Size), b.Compression, status, verified, b.File)
			}
			tw.Flush()
			printf(cmd.OutOrStdout(), "%s\n", plural(len(list), "backup"))
			printLeftovers(cmd.OutOrStdout(), left)
			printUnfinished(cmd.OutOrStdout(), unfinished)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printUnfinished lists the temp files and incomplete uploads of
// interrupted backups.
func printUnfinished(w io.Writer, unfinished []string) {
	if len(unfinished) == 0 {
		return
	}
	printf(w, "\n%s of interrupted backups (the next backup of each tenant removes its own; one running now shows here too):\n", plural(len(unfinished), "unfinished write"))
	for _, u := range unfinished {
		printf(w, "  %s\n", termtext.Line(u))
	}
}

// printLeftovers lists the scratch databases killed restores left behind.
func printLeftovers(w io.Writer, left []backup.Leftover) {
	if len(left) == 0 {
		return
	}
	printf(w, "\n%s left by restores that were killed (the next restore of each tenant drops them):\n", plural(len(left), "scratch database"))
	tw := newTable(w)
	tw.Row("SERVER", "DATABASE", "TENANT", "REPLACING", "STARTED (UTC)", "BY")
	for _, l := range left {
		tw.Row(l.Server, l.Database, l.TenantID, l.Target, l.StartedAt.UTC().Format("2006-01-02 15:04:05"), fmt.Sprintf("pid %d on %s", l.PID, l.Host))
	}
	tw.Flush()
}

// firstLine is s's first line, cut to max characters (never inside one).
func firstLine(s string, max int) string {
	s, _, _ = strings.Cut(s, "\n")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return s
}

func newBackupVerifyCmd(app *App) *cobra.Command {
	var asJSON bool
	var identity string
	cmd := &cobra.Command{
		Use:   "verify BACKUP [--identity FILE]",
		Short: "Re-read a backup: checksum, decompression, completion footer (BACKUP is a catalog id, a name in the store or a file)",
		Long: "Verify re-reads a backup (from its folder or bucket): size and checksum against the catalog, the whole decompressed SQL and its completion footer.\n" +
			"An encrypted backup is decrypted with --identity FILE (or [backup] identity_file); without one, only its stored size and checksum are checked.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			_, bs, b, err := findBackup(ctx, app, args[0], identity)
			if err != nil {
				return err
			}
			res, err := bs.Verify(ctx, b)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), res)
			}
			if res.Checked == backup.CheckedStored {
				printf(cmd.OutOrStdout(), "OK %s: encrypted to %s; stored size %s and sha256 %s match the catalog (give --identity FILE to decrypt it and check the SQL and its footer)\n",
					bs.Path(b), strings.Join(b.EncryptedTo, ", "), humanBytes(res.Size), res.SHA256)
				return nil
			}
			printf(cmd.OutOrStdout(), "OK %s: %s compressed, %s of SQL, sha256 %s, footer %q\n", bs.Path(b), humanBytes(res.Size), humanBytes(res.RawBytes), res.SHA256, res.Footer)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&identity, "identity", "", "age identity file that decrypts an encrypted backup (default: [backup] identity_file)")
	return cmd
}

// errNoTenant is returned when a file outside the catalog names no tenant.
var errNoTenant = errors.New("this file is not in the catalog, so it names no tenant: add --into REF (and --new-database NAME to load it beside that tenant's database)")
