package tenants

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"os"

	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var defaultMigrations embed.FS

//go:embed seed/default.sql
var defaultSeed string

// migrationsFS returns the tenant migrations: the configured folder, or
// the built-in default schema.
func migrationsFS(dir string) (fs.FS, error) {
	if dir == "" {
		return fs.Sub(defaultMigrations, "migrations")
	}
	return os.DirFS(dir), nil
}

// Migrate runs the tenant migrations up on db (a pool on the tenant's database).
func Migrate(ctx context.Context, db *sql.DB, dir string) ([]*goose.MigrationResult, error) {
	fsys, err := migrationsFS(dir)
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectMySQL, db, fsys)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return res, fmt.Errorf("migrate: %w", err)
	}
	return res, nil
}

// seedSQL returns the seed script: the configured file, or the built-in
// seed for the default schema.
func seedSQL(file string) (string, error) {
	if file == "" {
		return defaultSeed, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("read seed file %s: %w", file, err)
	}
	return string(b), nil
}

// MigrationsFS returns the tenant migrations fleet runs apply: the folder
// dir, or the built-in schema when dir is "".
func MigrationsFS(dir string) (fs.FS, error) { return migrationsFS(dir) }

// SeedSQL returns the seed script fleet runs load: the file, or the
// built-in seed when file is "".
func SeedSQL(file string) (string, error) { return seedSQL(file) }
