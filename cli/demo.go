package cli

import (
	"context"
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/sandbox"
)

func newDemoCmd(app *App) *cobra.Command {
	var fresh, noUI, noFill, overSSH bool
	var dir string
	var size, workers int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Try the dashboard on a private sandbox fleet: two servers, 60 example tenants",
		Long: "demo starts two private MariaDB/MySQL servers from the installed binaries (and redis-server if installed)\n" +
			"in $XDG_STATE_HOME/tenancy/demo (else ~/.local/state/tenancy/demo), listening only on 127.0.0.1 and sockets,\n" +
			"creates a fleet of 60 example tenants over both, a migrations folder with one pending migration, writes a\n" +
			"config for it and opens the dashboard; a large tenant (Megacorp, ~330 MB) is filled in the background.\n" +
			"Later runs reuse the sandbox (an older one is upgraded in place); --fresh rebuilds it; `tenancy demo stop`\n" +
			"stops its servers and the fill. --workers N puts the work queue on the sandbox's Redis and starts N\n" +
			"`tenancy worker` processes, so runs started from the dashboard spread over them; they stop with it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			quiet := !noUI && sandbox.Running(cmd.Context(), dir) && !fresh
			report := func(line string) {
				if !quiet {
					printf(app.Stderr, "demo: %s\n", line)
				}
			}
			if workers < 0 {
				return usagef("--workers cannot be negative")
			}
			// The tenants Up creates are audited (as every change) into the
			// sandbox's own central database, named by its config.
			path, err := sandbox.ConfigFile(dir)
			if err != nil {
				return err
			}
			app.ConfigPath = path
			sb, err := sandbox.Up(cmd.Context(), sandbox.Options{Dir: dir, Fresh: fresh, Tenants: size, Workers: workers}, report)
			if err != nil {
				return linesError{err} // it may end with the server log's tail
			}
			if err := startDemoWorkers(app, sb.Dir, workers); err != nil {
				return err
			}
			if noUI {
				if !noFill {
					fill(cmd.Context(), app, sb.Dir, report)
				}
				printf(app.Stdout, "%s\n", sb.ConfigPath)
				if workers > 0 {
					printf(app.Stderr, "demo: the workers keep running until `tenancy demo stop`\n")
				}
				return nil
			}
			// The fill starts beside the dashboard, so its first frame does not wait.
			filled := make(chan struct{})
			go func() {
				defer close(filled)
				if !noFill {
					fill(cmd.Context(), app, sb.Dir, func(string) {})
				}
			}()
			app.ConfigPath = sb.ConfigPath
			if overSSH {
				err = serveDemo(cmd, app, sb.Dir, sb.ConfigPath, "")
			} else {
				err = runDashboard(cmd, app)
			}
			<-filled
			if workers > 0 {
				err = errors.Join(err, sandbox.StopWorkers(sb.Dir))
			}
			if err != nil {
				return err
			}
			printf(app.Stderr, "The demo servers keep running for the next `tenancy demo`; `tenancy demo stop` stops them (config: %s).\n", sb.ConfigPath)
			return nil
		},
	}
	cmd.Flags().BoolVar(&fresh, "fresh", false, "stop and delete the sandbox, then build it again")
	cmd.Flags().BoolVar(&noUI, "no-ui", false, "prepare the sandbox and print its config path instead of opening the dashboard")
	cmd.Flags().BoolVar(&noFill, "no-fill", false, "do not fill the large tenant in the background")
	cmd.Flags().IntVar(&size, "tenants", 0, "tenants in the demo fleet (default 60)")
	_ = cmd.Flags().MarkHidden("tenants") // for tests and quick tries
	cmd.Flags().IntVar(&workers, "workers", 0, "start N `tenancy worker` processes on a work queue in the sandbox's Redis (stopped when the dashboard exits)")
	cmd.Flags().BoolVar(&overSSH, "ssh", false, "serve the demo's dashboard over SSH on 127.0.0.1:2222 instead (your ~/.ssh keys log in as admin)")
	cmd.PersistentFlags().StringVar(&dir, "dir", "", "sandbox directory (default $XDG_STATE_HOME/tenancy/demo)")
	cmd.AddCommand(&cobra.Command{
		Use:   "stop",
		Short: "Stop the demo sandbox's servers and its background fill (its data is kept)",
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

// startDemoWorkers starts n workers (this very binary) on the sandbox.
func startDemoWorkers(app *App, dir string, n int) error {
	if n == 0 {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	said, err := sandbox.StartWorkers(dir, exe, n)
	if err != nil {
		return err
	}
	printf(app.Stderr, "demo: %s\n", said)
	return nil
}

// fill starts (or leaves running) the large tenant's background fill,
// worked by this very binary; a failure is reported, never fatal.
func fill(ctx context.Context, app *App, dir string, report func(string)) {
	exe, err := os.Executable()
	if err == nil {
		var said string
		if said, err = sandbox.Fill(ctx, dir, exe); err == nil {
			report(said)
			return
		}
	}
	printf(app.Stderr, "demo: the large tenant is not being filled: %v\n", err)
}
