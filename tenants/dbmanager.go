package tenants

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// TenantGrants is stancl's PermissionControlledMySQLDatabaseManager grant
// list: everything an application needs on its own database, nothing on
// any other, and no GRANT OPTION.
var TenantGrants = []string{
	"ALTER", "ALTER ROUTINE", "CREATE", "CREATE ROUTINE", "CREATE TEMPORARY TABLES",
	"CREATE VIEW", "DELETE", "DROP", "EVENT", "EXECUTE", "INDEX", "INSERT",
	"LOCK TABLES", "REFERENCES", "SELECT", "SHOW VIEW", "TRIGGER", "UPDATE",
}

// DatabaseExists reports whether a database exists on the server db points at.
func DatabaseExists(ctx context.Context, db *sqlx.DB, name string) (bool, error) {
	var n int
	err := db.GetContext(ctx, &n, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name)
	if err != nil {
		return false, fmt.Errorf("check database %s: %w", name, err)
	}
	return n > 0, nil
}

func createDatabase(ctx context.Context, db *sqlx.DB, name, charset, collation string) error {
	// Charset and collation are validated names (config); they cannot be placeholders.
	q := fmt.Sprintf("CREATE DATABASE %s CHARACTER SET %s COLLATE %s", QuoteIdent(name), charset, collation)
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// DropDatabase drops a database if it exists.
func DropDatabase(ctx context.Context, db *sqlx.DB, name string) error {
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+QuoteIdent(name)); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

func account(user, host string) string { return QuoteString(user) + "@" + QuoteString(host) }

// createUser creates a per-tenant account and grants it stancl's list on
// its database only. The database name's '_' and '%' are escaped in the
// grant so the grant cannot match any other database.
func createUser(ctx context.Context, db *sqlx.DB, user, host, password, database string) error {
	if err := ValidateUserName(user); err != nil {
		return err
	}
	if err := ValidateNewName("password", password, 128); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "CREATE USER "+account(user, host)+" IDENTIFIED BY "+QuoteString(password)); err != nil {
		return fmt.Errorf("create user %s: %w", user, err)
	}
	grant := fmt.Sprintf("GRANT %s ON %s.* TO %s", strings.Join(TenantGrants, ", "), QuoteIdent(EscapeGrantPattern(database)), account(user, host))
	if _, err := db.ExecContext(ctx, grant); err != nil {
		_ = dropUser(context.WithoutCancel(ctx), db, user, host)
		return fmt.Errorf("grant %s on %s: %w", user, database, err)
	}
	return nil
}

func dropUser(ctx context.Context, db *sqlx.DB, user, host string) error {
	if _, err := db.ExecContext(ctx, "DROP USER IF EXISTS "+account(user, host)); err != nil {
		return fmt.Errorf("drop user %s: %w", user, err)
	}
	return nil
}

// TableInfo is one table of a tenant database, from information_schema.
type TableInfo struct {
	Name       string `db:"name" json:"name"`
	Engine     string `db:"engine" json:"engine"`
	Rows       int64  `db:"rows" json:"rows_estimate"`
	DataBytes  int64  `db:"data_bytes" json:"data_bytes"`
	IndexBytes int64  `db:"index_bytes" json:"index_bytes"`
}

// DatabaseInfo describes a tenant's physical database.
type DatabaseInfo struct {
	Server    string      `json:"server"`
	Name      string      `json:"name"`
	Exists    bool        `json:"exists"`
	Charset   string      `json:"charset,omitempty"`
	Collation string      `json:"collation,omitempty"`
	Bytes     int64       `json:"bytes"`
	Rows      int64       `json:"rows_estimate"`
	Tables    []TableInfo `json:"tables"`
	ReadAt    time.Time   `json:"read_at"`
}

func databaseInfo(ctx context.Context, db *sqlx.DB, server, name string) (DatabaseInfo, error) {
	info := DatabaseInfo{Server: server, Name: name, ReadAt: time.Now().UTC()}
	var schema []struct {
		Charset   string `db:"DEFAULT_CHARACTER_SET_NAME"`
		Collation string `db:"DEFAULT_COLLATION_NAME"`
	}
	err := db.SelectContext(ctx, &schema,
		"SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name)
	if err != nil {
		return info, fmt.Errorf("read database %s: %w", name, err)
	}
	if len(schema) == 0 {
		return info, nil
	}
	info.Exists, info.Charset, info.Collation = true, schema[0].Charset, schema[0].Collation
	err = db.SelectContext(ctx, &info.Tables, `SELECT TABLE_NAME AS name, COALESCE(ENGINE, TABLE_TYPE) AS engine,
		COALESCE(TABLE_ROWS, 0) AS `+"`rows`"+`, COALESCE(DATA_LENGTH, 0) AS data_bytes, COALESCE(INDEX_LENGTH, 0) AS index_bytes
		FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`, name)
	if err != nil {
		return info, fmt.Errorf("read tables of %s: %w", name, err)
	}
	for _, t := range info.Tables {
		info.Bytes += t.DataBytes + t.IndexBytes
		info.Rows += t.Rows
	}
	return info, nil
}
