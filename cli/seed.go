package cli

import (
	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/fleet"
)

func newSeedCmd(app *App) *cobra.Command {
	var f runFlags
	var transaction bool
	cmd := &cobra.Command{
		Use:   "seed [REF...]",
		Short: "Load the seed ([tenancy] seed_file, or the built-in seed) into the selected tenant databases as a run",
		Long: "Load the seed script into each selected tenant database, statement by statement on one connection\n" +
			"(as `run sql` does), as a recorded, resumable run. The script is recorded with the run.",
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			op, err := fleet.NewSeed(cfg.Tenancy.SeedFile, transaction, f.timeout)
			if err != nil {
				return err
			}
			return startRun(cmd, app, &f, op, args)
		},
	}
	f.register(cmd.Flags(), false)
	cmd.Flags().BoolVar(&transaction, "transaction", false, "load the seed in one transaction per tenant (rolled back on error)")
	return cmd
}
