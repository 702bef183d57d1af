package cli

import (
	"github.com/spf13/cobra"
)

// runDashboard opens the TUI on the app's configuration.
func runDashboard(cmd *cobra.Command, app *App) error {
	return usagef("the dashboard is not built yet; use the subcommands (see tenancy --help)")
}
