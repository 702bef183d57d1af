package perf

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/tenancy-dev/tenancy/tenants"
)

// Table is the work table a run creates in each tenant's database; no
// other table is ever touched.
const Table = "tenancy_perf_items"

var table = tenants.QuoteIdent(Table)

var createTable = "CREATE TABLE " + table + ` (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_marker VARCHAR(255) NOT NULL,
  run_id CHAR(36) NOT NULL,
  user_no INT NOT NULL,
  payload VARCHAR(255) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY tenancy_perf_marker (tenant_marker, run_id)
) ENGINE=InnoDB`

// The statements each user runs, prepared once per pool. Updates and
// deletes only touch the run's own rows, so a foreign row stays to be found.
var statements = [numKinds]string{
	Read:   "SELECT payload FROM " + table + " WHERE id = ?",
	Insert: "INSERT INTO " + table + " (tenant_marker, run_id, user_no, payload, created_at, updated_at) VALUES (?, ?, ?, ?, NOW(6), NOW(6))",
	Update: "UPDATE " + table + " SET payload = ?, updated_at = NOW(6) WHERE id = ? AND tenant_marker = ? AND run_id = ?",
	Delete: "DELETE FROM " + table + " WHERE id = ? AND tenant_marker = ? AND run_id = ?",
}

// openPool opens a pool on the tenant's database, logging in as the
// tenant's own database user when it has one.
func openPool(servers *tenants.Servers, t tenants.Tenant, maxConns int, opTimeout time.Duration) (*sql.DB, error) {
	mc, err := servers.MySQLConfig(t.Server, t.Database)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: %w", t.Name, err)
	}
	if t.DBUser != "" {
		mc.User, mc.Passwd = t.DBUser, t.DBPassword()
	}
	mc.InterpolateParams = false
	if dial := blockingDial(opTimeout); dial != nil && mc.DialFunc == nil {
		mc.DialFunc = dial // its sockets' timeouts bound a stalled server
	} else {
		mc.ReadTimeout, mc.WriteTimeout = opTimeout, opTimeout
	}
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: database %s: %w", t.Name, t.Database, err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	return db, nil
}

// prepareTable replaces any earlier work table with an empty one and
// inserts the seed rows.
func prepareTable(ctx context.Context, db *sql.DB, marker, runID string, seed, payloadBytes int) error {
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
		return fmt.Errorf("drop old %s: %w", Table, err)
	}
	if _, err := db.ExecContext(ctx, createTable); err != nil {
		return fmt.Errorf("create %s: %w", Table, err)
	}
	const batch = 500
	payload := strings.Repeat("s", payloadBytes)
	for done := 0; done < seed; done += batch {
		n := min(batch, seed-done)
		args := make([]any, 0, n*3)
		for range n {
			args = append(args, marker, runID, payload)
		}
		q := "INSERT INTO " + table + " (tenant_marker, run_id, user_no, payload, created_at, updated_at) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, -1, ?, NOW(6), NOW(6)),", n), ",")
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("seed %s: %w", Table, err)
		}
	}
	return nil
}

func dropTable(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
		return fmt.Errorf("drop %s: %w", Table, err)
	}
	return nil
}
