package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
)

func newCreateCmd(app *App) *cobra.Command {
	var req tenants.CreateRequest
	var status string
	var dbUser, asJSON bool
	cmd := &cobra.Command{
		Use:   "create --name NAME [--domain D]...",
		Short: "Create a tenant: database, optional user, records, migrations, seed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(req.Name) == "" {
				return usagef("--name is required")
			}
			req.Status = tenants.Status(status)
			if !req.Status.Known() {
				return usagef("--status %q is not one of active, inactive, blocked", status)
			}
			if cmd.Flags().Changed("db-user") {
				req.DBUser = &dbUser
			}
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			if _, ok := cfg.Server(req.Server); req.Server != "" && !ok {
				var names []string
				for _, s := range cfg.AllServers() {
					names = append(names, s.Name)
				}
				return usagef("--server %q is not configured (known: %s)", req.Server, strings.Join(names, ", "))
			}
			svc, err := app.Service(cmd.Context())
			if err != nil {
				return err
			}
			progress := stepPrinter(app.Stderr, !asJSON && isTerminal(app.Stderr))
			t, err := svc.Create(cmd.Context(), req, progress)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), tenantJSON(t))
			}
			printf(cmd.OutOrStdout(), "Created tenant [%d] %s (%s), database %s on %s.\n", t.Index, t.Name, t.ID, t.Database, t.Server)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Name, "name", "", "tenant name (required)")
	f.StringArrayVar(&req.Domains, "domain", nil, "a domain of the tenant (repeat for several)")
	f.StringVar(&req.ID, "id", "", "tenant id (default: a new UUID v4)")
	f.StringVar(&req.Database, "database", "", "database name (default: prefix + id + suffix)")
	f.StringVar(&req.Server, "server", "", "server to create the database on (default: the one with the fewest tenants)")
	f.StringVar(&status, "status", "active", "initial status: active, inactive or blocked")
	f.BoolVar(&dbUser, "db-user", false, "create a least-privilege database user for the tenant (default: tenancy.create_database_user)")
	f.BoolVar(&req.NoMigrate, "no-migrate", false, "do not run the tenant migrations")
	f.BoolVar(&req.Seed, "seed", false, "load the seed after migrating")
	f.BoolVar(&asJSON, "json", false, "print the created tenant as JSON")
	return cmd
}

func newDeleteCmd(app *App) *cobra.Command {
	var yes, keepDB, final bool
	cmd := &cobra.Command{
		Use:   "delete REF [--backup]",
		Short: "Delete a tenant: its database, user, domains and row",
		Long: "Delete a tenant. Without --yes it asks, on a terminal, for the tenant's name to be typed; with no terminal it refuses.\n" +
			"With --backup a complete, verified backup of kind final is made first; if it fails, nothing is deleted. Final backups\n" +
			"outlive their tenant for [backup] keep_deleted (`backup list`, `backup restore ID --into NEW_TENANT`).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, t, err := app.tenant(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if !yes {
				if err := confirmByName(app, svc, cmd, t, keepDB, final); err != nil {
					return err
				}
			}
			progress := stepPrinter(app.Stderr, isTerminal(app.Stderr))
			opts := tenants.DeleteOptions{KeepDatabase: keepDB}
			var bs *backup.Service
			var b backup.Backup
			if final {
				if _, bs, err = backupService(cmd.Context(), app); err != nil {
					return err
				}
				if b, err = bs.DeleteWithFinal(cmd.Context(), t, opts, progress); err != nil {
					return err
				}
			} else if err := svc.Delete(cmd.Context(), t, opts, progress); err != nil {
				return err
			}
			format := "Deleted tenant %s (%s) and its database %s.\n"
			if keepDB {
				format = "Deleted tenant %s (%s); its database %s was kept.\n"
			}
			printf(cmd.OutOrStdout(), format, t.Name, t.ID, t.Database)
			if final {
				printf(cmd.OutOrStdout(), "Its final backup is %d: %s.\n", b.ID, bs.Path(b))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&keepDB, "keep-db", false, "keep the tenant's database")
	cmd.Flags().BoolVar(&final, "backup", false, "make a verified final backup first; nothing is deleted if it fails")
	return cmd
}

func confirmByName(app *App, svc *tenants.Service, cmd *cobra.Command, t tenants.Tenant, keepDB, final bool) error {
	if err := requireTerminal(app, "delete tenant "+termtext.Line(t.Name)); err != nil {
		return err
	}
	w := app.Stderr
	printf(w, "This deletes tenant [%d] %s (%s):\n", t.Index, t.Name, t.ID)
	if !keepDB {
		size := ""
		if info, err := svc.DatabaseInfo(cmd.Context(), t); err == nil && info.Exists {
			size = fmt.Sprintf(" (%s, %d tables)", humanBytes(info.Bytes), len(info.Tables))
		}
		printf(w, "  database  %s on %s%s\n", t.Database, t.Server, size)
	}
	if t.DBUser != "" {
		printf(w, "  user      %s\n", t.DBUser)
	}
	printf(w, "  domains   %s\n", dash(strings.Join(t.Domains, ", ")))
	if final {
		printf(w, "after a verified final backup (if it fails, nothing is deleted)\n")
	}
	return askTenantName(app, t, "nothing was deleted")
}

func newStatusCmd(app *App, verb string, status tenants.Status) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   verb + " REF... | --all | --status S | --server NAME | --filter TEXT",
		Short: fmt.Sprintf("Set tenants' status to %s (a selection is a recorded, resumable run)", status),
		RunE: func(cmd *cobra.Command, args []string) error {
			selection := f.all || f.status != "" || f.server != "" || f.filter != "" || f.failedOf != 0
			if selection == (len(args) > 0) {
				return usagef("name tenants (REF...), or select them with --all, --status, --server, --filter or --failed-of (not both)")
			}
			if selection {
				op, err := fleet.NewStatus(status)
				if err != nil {
					return usageError{err}
				}
				return startRun(cmd, app, &f, op, nil)
			}
			svc, err := app.Service(cmd.Context())
			if err != nil {
				return err
			}
			list, err := svc.FindMany(cmd.Context(), args)
			if err != nil {
				return err
			}
			changed := make([]tenants.Tenant, 0, len(list))
			for _, t := range list {
				after, err := svc.SetStatus(cmd.Context(), t, status)
				if err != nil {
					return err
				}
				changed = append(changed, tenantJSON(after))
				if !f.asJSON {
					printf(cmd.OutOrStdout(), "[%d] %s: %s -> %s\n", t.Index, t.Name, t.Status, status)
				}
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), changed)
			}
			return nil
		},
	}
	f.register(cmd.Flags(), false)
	return cmd
}

func newDomainsCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{Use: "domains", Short: "List, add or remove a tenant's domains", Args: cobra.NoArgs}
	var asJSON bool
	show := func(cmd *cobra.Command, t tenants.Tenant) error {
		if asJSON {
			return printJSON(cmd.OutOrStdout(), tenantJSON(t).Domains)
		}
		printf(cmd.OutOrStdout(), "[%d] %s domains: %s\n", t.Index, t.Name, dash(strings.Join(t.Domains, ", ")))
		return nil
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list REF",
		Short: "list a tenant's domains",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, t, err := app.tenant(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return show(cmd, t)
		},
	})
	for _, add := range []bool{true, false} {
		verb := map[bool]string{true: "add", false: "remove"}[add]
		cmd.AddCommand(&cobra.Command{
			Use:   verb + " REF DOMAIN",
			Short: verb + " a domain",
			Args:  cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				svc, t, err := app.tenant(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				change := svc.RemoveDomain
				if add {
					change = svc.AddDomain
				}
				t, err = change(cmd.Context(), t, args[1])
				if err != nil {
					return err
				}
				return show(cmd, t)
			},
		})
	}
	cmd.PersistentFlags().BoolVar(&asJSON, "json", false, "print the tenant's domains as a JSON array")
	return cmd
}

// stepPrinter shows each step of a create or delete on a terminal. The
// in-place "started" line is cut to the terminal's width: a wrapped line
// could not be rewritten by the next report.
func stepPrinter(w io.Writer, tty bool) func(tenants.Progress) {
	if !tty {
		return nil
	}
	width := 80
	if f, ok := w.(*os.File); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			width = cols
		}
	}
	return func(p tenants.Progress) {
		switch p.State {
		case tenants.StepStarted:
			// Escaped before it is cut, so what is cut is what is shown.
			line := termtext.Line(fmt.Sprintf("  … %-14s %s", p.Step, p.Message))
			printf(w, "%s\r", ansi.Truncate(line, width-1, "…"))
		case tenants.StepDone:
			printf(w, "\x1b[2K  ✓ %s\n", p.Step)
		case tenants.StepSkipped:
			printf(w, "  - %s (skipped)\n", p.Step)
		case tenants.StepFailed:
			printf(w, "\x1b[2K  ✗ %s: %s\n", p.Step, p.Message)
		case tenants.StepRolledBack:
			printf(w, "  ↺ %s\n", p.Message)
		}
	}
}
