// Package cli holds tenancy's cobra commands: they parse flags, call the
// services and print tables, JSON or progress. No business logic lives here.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-sql-driver/mysql"
	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/termtext"
)

// usageError marks a mistake in how the command was called (exit code 2).
type usageError struct{ error }

// linesError marks an error written as several lines on purpose (a
// server log's tail, a hint under the error); it is shown with its line
// breaks. Every other error is shown on one line.
type linesError struct{ error }

func (e linesError) Unwrap() error { return e.error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// Execute runs the command line and returns the process exit code:
// 0 on success, 1 on failure, 2 on a usage error.
func Execute(args []string) int {
	// The driver's own log lines ("packets.go: read tcp ... reset") would
	// repeat, worse, what the returned error already says.
	_ = mysql.SetLogger(&mysql.NopLogger{})
	// SIGPIPE too (`tenancy backup create --json | head`): the work is then
	// cancelled and cleaned up instead of the process dying mid-write.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGPIPE)
	defer stop()
	return run(ctx, &App{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, args)
}

func run(ctx context.Context, app *App, args []string) int {
	root := NewRoot(app)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	app.Close()
	if err == nil {
		return 0
	}
	printBlock(app.Stderr, "tenancy: "+errorText(err)+"\n")
	var ue usageError
	if errors.As(err, &ue) {
		printf(app.Stderr, "Run `tenancy help` (or add --help to the command) for usage.\n")
		return 2
	}
	return 1
}

// NewRoot builds the command tree around app (whose Stderr it makes safe
// for lines from several goroutines at once).
func NewRoot(app *App) *cobra.Command {
	if _, ok := app.Stderr.(*lockedWriter); !ok {
		app.Stderr = &lockedWriter{w: app.Stderr}
	}
	root := &cobra.Command{
		Use:           "tenancy",
		Short:         "Operate a fleet of per-tenant MySQL/MariaDB databases",
		Long:          "tenancy manages the tenants of a multi-tenant SaaS that keeps one MySQL/MariaDB database per tenant,\nworking on an existing stancl/tenancy (v3) or artflow-studio/tenancy central database.\nRun with no command to open the dashboard; `tenancy demo` tries it on a private sandbox.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE:          func(cmd *cobra.Command, _ []string) error { return runDashboard(cmd, app) },
	}
	root.SetIn(app.Stdin)
	root.SetOut(app.Stdout)
	root.SetErr(app.Stderr)
	root.PersistentFlags().StringVar(&app.ConfigPath, "config", "", "config file (default: $TENANCY_CONFIG, ./tenancy.toml, $XDG_CONFIG_HOME/tenancy/config.toml)")
	root.PersistentFlags().BoolVar(&app.ReadOnly, "read-only", false, "refuse every write and open MySQL sessions read-only")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newInitCmd(app), newTenantsCmd(app))
	root.AddCommand(newDemoCmd(app))
	root.AddCommand(newCacheCmd(app), newResolveCmd(app))
	root.AddCommand(newPerfCmd(app))
	root.AddCommand(newBackupCmd(app))
	root.AddCommand(newRunCmd(app), newRunsCmd(app))
	root.AddCommand(newWorkerCmd(app))
	root.AddCommand(newQueueCmd(app))
	root.AddCommand(newScheduleCmd(app))
	root.AddCommand(newMigrateCmd(app))
	root.AddCommand(newSeedCmd(app))
	setupAccess(root, app) // serve, audit; the machine's role and audit on every command
	root.AddCommand(newDoctorCmd(app))
	wrapArgs(root)
	return root
}

// wrapArgs turns cobra's argument-count errors into usage errors, everywhere.
func wrapArgs(cmd *cobra.Command) {
	if cmd.Run == nil && cmd.RunE == nil && cmd.HasSubCommands() {
		cmd.Args = cobra.ArbitraryArgs
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q for %q", args[0], c.CommandPath())
			}
			return c.Help()
		}
	}
	if cmd.Args != nil {
		check := cmd.Args
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return usageError{err}
			}
			return nil
		}
	}
	for _, c := range cmd.Commands() {
		wrapArgs(c)
	}
}

// errorText is err as the user sees it. Errors name tenants, tables and
// files, so they are escaped, and shown as one line (the contract: one
// sentence on stderr), so that a newline in a tenant's name cannot forge a
// line; a config's list of problems and a linesError keep their lines.
func errorText(err error) string {
	var cerr *config.Error
	var lerr linesError
	if errors.As(err, &cerr) || errors.As(err, &lerr) {
		return termtext.Block(err.Error())
	}
	return termtext.Line(err.Error())
}

func printJSON(w io.Writer, v any) error {
	enc := jsonEncoder(w)
	return enc.Encode(v)
}
