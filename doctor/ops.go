package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/tenants"
)

// The repair operations doctor's fixes run as (fleet runs: recorded, per
// server limits, tenant locks, resumable). Each re-checks the tenant's
// state when it runs, so a resumed or repeated item does no harm.
const (
	OpCreateDatabase = "doctor-create-database"
	OpMigrate        = "doctor-migrate"
	OpRecreateUser   = "doctor-recreate-user"
)

// Register adds doctor's repair operations to ops, so that a process that
// resumes a doctor run (`tenancy runs resume`) can rebuild them.
func Register(ops *fleet.Operations, cfg *config.Config) {
	ops.Register(OpCreateDatabase, func(json.RawMessage) (fleet.Operation, error) { return createDatabaseOp{cfg: cfg}, nil })
	ops.Register(OpMigrate, func(json.RawMessage) (fleet.Operation, error) { return migrateOp{cfg: cfg}, nil })
	ops.Register(OpRecreateUser, func(json.RawMessage) (fleet.Operation, error) { return recreateUserOp{cfg: cfg}, nil })
}

// Operations returns the default operations plus doctor's.
func Operations(cfg *config.Config) *fleet.Operations {
	ops := fleet.DefaultOperations()
	Register(ops, cfg)
	return ops
}

type createDatabaseOp struct{ cfg *config.Config }

func (createDatabaseOp) Name() string { return OpCreateDatabase }
func (createDatabaseOp) Args() any    { return struct{}{} }
func (createDatabaseOp) Describe(t tenants.Tenant) string {
	return fmt.Sprintf("create database %s on %s and run the tenant migrations", t.Database, t.Server)
}

func (o createDatabaseOp) Do(ctx context.Context, env fleet.Env, t tenants.Tenant) (fleet.Result, error) {
	server, err := env.Servers.DB(ctx, t.Server)
	if err != nil {
		return fleet.Result{}, &fleet.ServerDownError{Server: t.Server, Err: err}
	}
	exists, err := tenants.DatabaseExists(ctx, server, t.Database)
	if err != nil {
		return fleet.Result{}, err
	}
	summary := "database existed; migrated"
	if !exists {
		if err := tenants.ValidateDatabaseName(t.Database); err != nil {
			return fleet.Result{}, fmt.Errorf("not creating it: %w", err)
		}
		// Charset and collation are validated config names; they cannot be placeholders.
		q := fmt.Sprintf("CREATE DATABASE %s CHARACTER SET %s COLLATE %s", tenants.QuoteIdent(t.Database), o.cfg.Tenancy.Charset, o.cfg.Tenancy.Collation)
		if _, err := server.ExecContext(ctx, q); err != nil {
			return fleet.Result{}, fmt.Errorf("create database %s: %w", t.Database, err)
		}
		summary = "created database " + t.Database + "; migrated"
	}
	n, err := migrate(ctx, env, o.cfg, t)
	if err != nil {
		return fleet.Result{Summary: strings.TrimSuffix(summary, "; migrated")}, err
	}
	return fleet.Result{Summary: fmt.Sprintf("%s (%d migrations applied)", summary, n)}, nil
}

type migrateOp struct{ cfg *config.Config }

func (migrateOp) Name() string { return OpMigrate }
func (migrateOp) Args() any    { return struct{}{} }
func (migrateOp) Describe(t tenants.Tenant) string {
	return "run the tenant migrations in " + t.Database
}

func (o migrateOp) Do(ctx context.Context, env fleet.Env, t tenants.Tenant) (fleet.Result, error) {
	n, err := migrate(ctx, env, o.cfg, t)
	if err != nil {
		return fleet.Result{}, err
	}
	return fleet.Result{Summary: fmt.Sprintf("%d migrations applied", n)}, nil
}

func migrate(ctx context.Context, env fleet.Env, cfg *config.Config, t tenants.Tenant) (int, error) {
	db, err := env.Servers.Open(ctx, t.Server, t.Database)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	res, err := tenants.Migrate(ctx, db.DB, cfg.Tenancy.MigrationsDir)
	if err != nil {
		return len(res), fmt.Errorf("migrate %s: %w", t.Database, err)
	}
	return len(res), nil
}

type recreateUserOp struct{ cfg *config.Config }

func (recreateUserOp) Name() string { return OpRecreateUser }
func (recreateUserOp) Args() any    { return struct{}{} }
func (recreateUserOp) Describe(t tenants.Tenant) string {
	return fmt.Sprintf("recreate user %s with stancl's grants on %s only", t.DBUser, t.Database)
}

// Do drops the tenant's user (every grant with it) and creates it again
// with the recorded password and stancl's list on its database only,
// '_' and '%' escaped.
func (o recreateUserOp) Do(ctx context.Context, env fleet.Env, t tenants.Tenant) (fleet.Result, error) {
	if t.DBUser == "" || t.DBPassword() == "" {
		return fleet.Result{}, fmt.Errorf("tenant %s records no user and password (tenancy_db_username, tenancy_db_password) to recreate", t.ID)
	}
	if err := tenants.ValidateUserName(t.DBUser); err != nil {
		return fleet.Result{}, fmt.Errorf("not recreating it: %w", err)
	}
	// The password reaches CREATE USER as a literal (it cannot be a
	// placeholder there): only the characters tenancy generates pass.
	if err := tenants.ValidateNewName("recorded password", t.DBPassword(), 128); err != nil {
		return fleet.Result{}, fmt.Errorf("not recreating user %s: its recorded password holds a character tenancy does not put in SQL text; recreate it by hand", t.DBUser)
	}
	server, err := env.Servers.DB(ctx, t.Server)
	if err != nil {
		return fleet.Result{}, &fleet.ServerDownError{Server: t.Server, Err: err}
	}
	if err := recreateUser(ctx, server, t.DBUser, o.cfg.Tenancy.UserHost, t.DBPassword(), t.Database); err != nil {
		return fleet.Result{}, err
	}
	return fleet.Result{Summary: fmt.Sprintf("recreated %s@%s with access to %s only", t.DBUser, o.cfg.Tenancy.UserHost, t.Database)}, nil
}

func recreateUser(ctx context.Context, db *sqlx.DB, user, host, password, database string) error {
	acct := tenants.QuoteString(user) + "@" + tenants.QuoteString(host)
	// The password comes from the registry: QuoteString escapes it; it
	// cannot be a placeholder in CREATE USER.
	stmts := []string{
		"DROP USER IF EXISTS " + acct,
		"CREATE USER " + acct + " IDENTIFIED BY " + tenants.QuoteString(password),
		fmt.Sprintf("GRANT %s ON %s.* TO %s", strings.Join(tenants.TenantGrants, ", "), tenants.QuoteIdent(tenants.EscapeGrantPattern(database)), acct),
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("recreate user %s: %s: %w", user, strings.SplitN(q, " ", 3)[0], err)
		}
	}
	return nil
}
