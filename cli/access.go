package cli

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/user"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/audit"
	"github.com/tenancy-dev/tenancy/config"
)

// setupAccess adds `serve` and `audit` and puts this machine's principal
// (the OS user@host, with [access] role, admin when unset) on every
// command's context, so services check its role and audit its changes.
// A read-only role also makes the command --read-only.
func setupAccess(root *cobra.Command, app *App) {
	root.AddCommand(newServeCmd(app), newAuditCmd(app))
	prev := root.PersistentPreRunE
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if prev != nil {
			if err := prev(cmd, args); err != nil {
				return err
			}
		}
		p := machinePrincipal(app)
		if p.Role.ReadOnly() {
			app.ReadOnly = true
		}
		cmd.SetContext(access.WithPrincipal(cmd.Context(), p))
		return nil
	}
}

// machinePrincipal reads [access] role on its own (the command loads and
// reports the config itself, and `demo` points it elsewhere later); a
// config that does not load yet leaves the role to admin, and the command
// then fails on that config anyway when it needs it.
func machinePrincipal(app *App) access.Principal {
	p := access.Principal{User: osUser(), Role: access.Admin, Via: "cli", Audit: &cliAudit{app: app}}
	cfg, err := config.Load(app.ConfigPath)
	if err != nil || cfg == nil {
		return p
	}
	if r, err := access.ParseRole(cfg.Access.Role); err == nil {
		p.Role = r
	}
	return p
}

func osUser() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	} else if v := os.Getenv("USER"); v != "" {
		name = v
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "unknown"
	}
	return name + "@" + host
}

// cliAudit writes a command's audit entries on a connection of its own
// (writable even when the command's sessions are read-only), and to
// [audit] file if set, opened per entry: a command makes few changes, and
// nothing is left open. The config is read per entry too, not when the
// command starts: `demo` points the app at its sandbox's config later.
// What it could not keep is a warning: the change has happened.
type cliAudit struct{ app *App }

func (a *cliAudit) Record(ctx context.Context, e access.Entry) {
	var errs []error
	keep := func(_ access.Entry, err error) { errs = append(errs, err) }
	cfg, err := config.Load(a.app.ConfigPath)
	if err == nil && cfg.Central.DSN == "" {
		err = fmt.Errorf("central.dsn is not set")
	}
	var db *sqlx.DB
	if err == nil {
		db, err = openCentral(cfg.Central.DSN)
	}
	if err != nil {
		errs = append(errs, err)
	} else {
		defer db.Close()
		log := audit.New(db, keep)
		if cfg.Audit.File != "" {
			f, err := audit.OpenLines(cfg.Audit.File)
			if err != nil {
				errs = append(errs, err)
			} else {
				defer f.Close()
				log.WithLines(f)
			}
		}
		log.Record(ctx, e)
	}
	for _, err := range errs {
		printf(a.app.Stderr, "tenancy: warning: the audit log did not keep %s on %s (the change was made): %s\n", e.Action, e.Target, err)
	}
}

// openCentral opens a small pool on the central database.
func openCentral(dsn string) (*sqlx.DB, error) {
	mc, err := config.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("central.dsn: %w", err)
	}
	mc.ParseTime = true
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("central.dsn: %w", err)
	}
	db := sqlx.NewDb(sql.OpenDB(conn), "mysql")
	db.SetMaxOpenConns(2)
	return db, nil
}
