package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/audit"
	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/lifecycle"
	"github.com/tenancy-dev/tenancy/tenants"
)

func newInitCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Create the central database and tables if they are absent (idempotent)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			if cfg.UI.ReadOnly {
				return tenants.ErrReadOnly
			}
			ctx := cmd.Context()
			db, createdDB, err := tenants.EnsureCentralDatabase(ctx, cfg.Central.DSN)
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := tenants.Init(ctx, db)
			if err != nil {
				return err
			}
			if created, err := backup.InitCatalog(ctx, db); err != nil {
				return err
			} else if created {
				res.CreatedTables = append(res.CreatedTables, "tenant_backups")
			}
			runTables, err := fleet.Init(ctx, db)
			if err != nil {
				return err
			}
			res.CreatedTables = append(res.CreatedTables, runTables...)
			moveTables, err := lifecycle.Init(ctx, db)
			if err != nil {
				return err
			}
			res.CreatedTables = append(res.CreatedTables, moveTables...)
			if created, err := audit.Init(ctx, db); err != nil {
				return err
			} else if created {
				res.CreatedTables = append(res.CreatedTables, audit.Table)
			}
			out := cmd.OutOrStdout()
			if createdDB {
				printf(out, "Created the central database.\n")
			}
			if len(res.CreatedTables) > 0 {
				printf(out, "Created tables: %s.\n", strings.Join(res.CreatedTables, ", "))
			} else {
				printf(out, "The central tables already exist; nothing was changed.\n")
			}
			printf(out, "Central database flavour: %s.\n", res.Flavour)
			return nil
		},
	}
}
