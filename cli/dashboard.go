package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/ui"
)

// runDashboard opens the TUI on the app's configuration.
func runDashboard(cmd *cobra.Command, app *App) error {
	if !isTerminal(app.Stdin) || !isTerminal(app.Stdout) {
		return usagef("the dashboard needs a terminal; use the subcommands in scripts (see tenancy --help)")
	}
	if _, err := app.Config(); err != nil {
		return linesError{fmt.Errorf("%w\n(to try tenancy without a server of your own, run `tenancy demo`)", err)}
	}
	svc, err := app.Service(cmd.Context())
	if err != nil {
		return err
	}
	return ui.Run(cmd.Context(), svc)
}
