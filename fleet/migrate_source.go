package fleet

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"

	"github.com/tenancy-dev/tenancy/tenants"
)

// GooseTable is goose's version table in each tenant database.
const GooseTable = "goose_db_version"

// BuiltInSchema names the built-in migrations in messages and records.
const BuiltInSchema = "built-in schema"

// Migrations is a folder of goose SQL migrations as a run records it: the
// files themselves, so that a resume (in any process) applies what the run
// started with even if the folder changed since.
type Migrations struct {
	// Source is the folder, or BuiltInSchema.
	Source string `json:"source"`
	// Files maps file names (NNNNN_name.sql) to their text.
	Files map[string]string `json:"files"`

	versions []int64
	names    map[int64]string
}

// LoadMigrations reads the goose migrations in dir, or the built-in
// schema's when dir is "" ([tenancy] migrations_dir).
func LoadMigrations(dir string) (*Migrations, error) {
	fsys, err := tenants.MigrationsFS(dir)
	if err != nil {
		return nil, err
	}
	m := &Migrations{Source: dir, Files: map[string]string{}}
	if dir == "" {
		m.Source = BuiltInSchema
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read the migrations folder %s: %w", m.Source, err)
	}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s in %s: %w", e.Name(), m.Source, err)
		}
		m.Files[e.Name()] = string(b)
	}
	return m, m.index()
}

// index checks the file names and lists the versions.
func (m *Migrations) index() error {
	m.names = map[int64]string{}
	m.versions = nil
	for name := range m.Files {
		v, err := goose.NumericComponent(name)
		if err != nil {
			return fmt.Errorf("migration %s in %s: %w (goose names files NNNNN_name.sql)", name, m.Source, err)
		}
		if other, ok := m.names[v]; ok {
			return fmt.Errorf("migrations %s and %s in %s have the same version %d", other, name, m.Source, v)
		}
		m.names[v] = name
		m.versions = append(m.versions, v)
	}
	if len(m.versions) == 0 {
		return fmt.Errorf("no goose migrations (NNNNN_name.sql) in %s", m.Source)
	}
	slices.Sort(m.versions)
	return nil
}

// Versions lists the migrations' versions, ascending.
func (m *Migrations) Versions() []int64 { return m.versions }

// Latest is the highest version.
func (m *Migrations) Latest() int64 { return m.versions[len(m.versions)-1] }

// Has reports whether there is a migration of that version.
func (m *Migrations) Has(v int64) bool { _, ok := m.names[v]; return ok }

// FileName names a version's file ("" when there is none).
func (m *Migrations) FileName(v int64) string { return m.names[v] }

// provider is goose over db (one tenant database).
func (m *Migrations) provider(db *sql.DB) (*goose.Provider, error) {
	fsys := fstest.MapFS{}
	for name, text := range m.Files {
		fsys[name] = &fstest.MapFile{Data: []byte(text), Mode: 0o444}
	}
	store, err := database.NewStore(database.DialectMySQL, GooseTable)
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectCustom, db, fsys, goose.WithStore(gooseStore{store}), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("load the migrations of %s: %w", m.Source, err)
	}
	return p, nil
}

// gooseStore is goose's MySQL store with a cheaper check for its table:
// goose's own asks information_schema about every schema on the server
// (`database() IS NULL OR ...`), which costs per database on a server
// holding thousands; SHOW TABLES looks in the tenant's database only.
type gooseStore struct{ database.Store }

// TableExists also finishes a table a killed process left half made: MySQL commits
// goose's CREATE TABLE at once, so a process killed before the table's
// zero row leaves it empty, and goose then refuses the tenant for good
// ("missing zero version migration"). The row written is the one goose
// would have written (the tenant's lock keeps others out meanwhile).
func (s gooseStore) TableExists(ctx context.Context, db database.DBTxConn) (bool, error) {
	rows, err := db.QueryContext(ctx, "SHOW TABLES LIKE '"+strings.ReplaceAll(GooseTable, "_", `\_`)+"'")
	if err != nil {
		return false, err
	}
	found := rows.Next()
	rows.Close()
	if err := rows.Err(); err != nil || !found {
		return false, err
	}
	var zero int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+tenants.QuoteIdent(GooseTable)+" WHERE `version_id` = 0").Scan(&zero); err != nil {
		return false, err
	}
	if zero == 0 {
		if err := s.Store.Insert(ctx, db, database.InsertRequest{Version: 0}); err != nil {
			return false, fmt.Errorf("add the zero version row to a %s table left empty: %w", GooseTable, err)
		}
	}
	return true, nil
}
