package cli

import (
	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/sandbox"
)

func newDemoCmd(app *App) *cobra.Command {
	var fresh, noUI bool
	var dir string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Try the dashboard on a private sandbox server with example tenants",
		Long: "demo starts a private MariaDB/MySQL server from the installed binaries (and redis-server if installed)\n" +
			"in $XDG_STATE_HOME/tenancy/demo (else ~/.local/state/tenancy/demo), listening only on 127.0.0.1 and a socket,\n" +
			"creates a dozen example tenants, writes a config for it and opens the dashboard.\n" +
			"Later runs reuse the sandbox; --fresh rebuilds it; `tenancy demo stop` stops its servers.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			quiet := !noUI && sandbox.Running(cmd.Context(), dir) && !fresh
			report := func(line string) {
				if !quiet {
					printf(app.Stderr, "demo: %s\n", line)
				}
			}
			sb, err := sandbox.Up(cmd.Context(), sandbox.Options{Dir: dir, Fresh: fresh}, report)
			if err != nil {
				return linesError{err} // it may end with the server log's tail
			}
			if noUI {
				printf(app.Stdout, "%s\n", sb.ConfigPath)
				return nil
			}
			app.ConfigPath = sb.ConfigPath
			if err := runDashboard(cmd, app); err != nil {
				return err
			}
			printf(app.Stderr, "The demo servers keep running for the next `tenancy demo`; `tenancy demo stop` stops them (config: %s).\n", sb.ConfigPath)
			return nil
		},
	}
	cmd.Flags().BoolVar(&fresh, "fresh", false, "stop and delete the sandbox, then build it again")
	cmd.Flags().BoolVar(&noUI, "no-ui", false, "prepare the sandbox and print its config path instead of opening the dashboard")
	cmd.PersistentFlags().StringVar(&dir, "dir", "", "sandbox directory (default $XDG_STATE_HOME/tenancy/demo)")
	cmd.AddCommand(&cobra.Command{
		Use:   "stop",
		Short: "Stop the demo sandbox's servers (its data is kept)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := sandbox.Stop(dir); err != nil {
				return err
			}
			printf(app.Stdout, "demo sandbox stopped\n")
			return nil
		},
	})
	return cmd
}
