package sandbox

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/tenants"
)

// PendingMigration is the demo's migration that no tenant but a few has
// applied: `tenancy migrate status` shows the fleet behind, and
// `migrate up` (or the dashboard's e → migrate) has work.
const PendingMigration = "00010_add_loyalty_points.sql"

const pendingMigrationSQL = `-- The demo's pending migration: a loyalty programme.
-- +goose NO TRANSACTION
-- +goose Up
ALTER TABLE users ADD COLUMN loyalty_points INT UNSIGNED NOT NULL DEFAULT 0;
CREATE INDEX users_loyalty_points_index ON users (loyalty_points);

-- +goose Down
DROP INDEX users_loyalty_points_index ON users;
ALTER TABLE users DROP COLUMN loyalty_points;
`

// hotfixVersion is a version one demo tenant has applied by hand, with
// no file in the folder: `migrate status` reports it as drift.
const hotfixVersion = 5

// migratedEarly are the tenants the demo migrates to the pending
// migration (a recorded migrate run), and driftTenant the one with the
// hand-applied hotfix.
var (
	migratedEarly = []string{"Acme Corp", "Globex", "Initech", "Hooli", "Tyrell Corp"}
	driftTenant   = "Stark Industries"
)

func (s *Sandbox) migrationsDir() string { return filepath.Join(s.Dir, "migrations") }

// writeMigrations writes the built-in schema's migrations into the
// sandbox's folder ([tenancy] migrations_dir), and the pending one when
// withPending; files already there are kept.
func (s *Sandbox) writeMigrations(withPending bool) error {
	dir := s.migrationsDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create the demo migrations folder: %w", err)
	}
	builtin, err := tenants.MigrationsFS("")
	if err != nil {
		return err
	}
	files := map[string]string{}
	err = fs.WalkDir(builtin, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(builtin, p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		return fmt.Errorf("read the built-in migrations: %w", err)
	}
	if withPending {
		files[PendingMigration] = pendingMigrationSQL
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err == nil {
			continue
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			return fmt.Errorf("write demo migration %s: %w", path, err)
		}
	}
	return nil
}

// prepareFleet gives the fleet a history worth looking at, once: the
// pending migration in the folder, applied to a few tenants by a recorded
// migrate run, and a hand-applied hotfix on one tenant (drift).
func (s *Sandbox) prepareFleet(ctx context.Context, svc *tenants.Service, report func(string)) error {
	if err := s.writeMigrations(true); err != nil {
		return err
	}
	fs, err := fleet.Open(ctx, svc, fleet.DefaultOperations())
	if err != nil {
		return err
	}
	runs, err := fs.List(ctx, 100)
	if err != nil {
		return err
	}
	list, err := svc.List(ctx, tenants.ListOptions{})
	if err != nil {
		return err
	}
	var refs []string
	for _, t := range list {
		if slices.Contains(migratedEarly, t.Name) {
			refs = append(refs, t.ID)
		}
		if t.Name == driftTenant {
			if err := hotfix(ctx, svc, t); err != nil {
				return err
			}
		}
	}
	if len(refs) == 0 || slices.ContainsFunc(runs, func(r fleet.Run) bool { return r.Operation == fleet.MigrateName }) {
		return nil
	}
	report(fmt.Sprintf("migrating %d tenants to %s (the rest of the fleet stays behind)", len(refs), PendingMigration))
	m, err := fleet.LoadMigrations(s.migrationsDir())
	if err != nil {
		return err
	}
	op, err := fleet.NewMigrate(m, fleet.Up, nil, 0)
	if err != nil {
		return err
	}
	run, _, err := fs.CreateMigrate(ctx, fleet.CreateRequest{Operation: op, Selection: fleet.Selection{Refs: refs}})
	if err != nil || run.ID == 0 {
		return err
	}
	if _, err := fs.Work(ctx, run.ID, fleet.WorkOptions{}); err != nil {
		return fmt.Errorf("demo migrate run %d: %w", run.ID, err)
	}
	return nil
}

// hotfix records a version in t's goose table that no file has.
func hotfix(ctx context.Context, svc *tenants.Service, t tenants.Tenant) error {
	db, err := svc.Servers().DB(ctx, t.Server)
	if err != nil {
		return err
	}
	table := tenants.QuoteIdent(t.Database) + "." + fleet.GooseTable
	var n int
	if err := db.GetContext(ctx, &n, "SELECT COUNT(*) FROM "+table+" WHERE version_id = ?", hotfixVersion); err != nil {
		return fmt.Errorf("demo hotfix on %s: %w", t.Name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO "+table+" (version_id, is_applied) VALUES (?, 1)", hotfixVersion); err != nil {
		return fmt.Errorf("demo hotfix on %s: %w", t.Name, err)
	}
	return nil
}
