// Package testdb gives integration tests their own randomly named central
// database and tenant database prefix on the real MariaDB/MySQL server
// (TENANCY_TEST_MYSQL_DSN) and Redis address (TENANCY_TEST_REDIS_ADDR),
// and drops everything they made when the test ends.
package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// DSN returns the test server's DSN (no database selected).
func DSN() string {
	if v := os.Getenv("TENANCY_TEST_MYSQL_DSN"); v != "" {
		return v
	}
	return "root@tcp(127.0.0.1:3306)/"
}

// RedisAddr returns the test Redis address.
func RedisAddr() string {
	if v := os.Getenv("TENANCY_TEST_REDIS_ADDR"); v != "" {
		return v
	}
	return "127.0.0.1:6379"
}

// Env is one test's private corner of the server.
type Env struct {
	// Prefix starts every database the test makes (tnt_<random>_).
	Prefix string
	Config *config.Config
	// Server is a pool on the test server with no database selected.
	Server *sqlx.DB
}

// DSNFor returns the test server's DSN with database selected.
func DSNFor(t testing.TB, database string) string {
	mc, err := config.ParseDSN(DSN())
	require.NoError(t, err)
	mc.DBName = database
	return mc.FormatDSN()
}

// New makes a config whose central database and tenant databases carry a
// random prefix, without creating anything yet; everything with the
// prefix is dropped when the test ends.
func New(t testing.TB) *Env {
	t.Helper()
	prefix := "tnt_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "") + "_"
	mc, err := config.ParseDSN(DSN())
	require.NoError(t, err)
	mc.DBName = ""
	conn, err := mysql.NewConnector(mc)
	require.NoError(t, err)
	server := sqlx.NewDb(sql.OpenDB(conn), "mysql")
	require.NoError(t, server.Ping(), "the integration tests need MariaDB/MySQL at %s (set TENANCY_TEST_MYSQL_DSN)", DSN())
	cfg := config.Default()
	cfg.Central.DSN = DSNFor(t, prefix+"central")
	cfg.Tenancy.DatabasePrefix = prefix + "t_"
	cfg.Backup.Dir = t.TempDir()
	cfg.Perf.ReportDir = t.TempDir()
	require.NoError(t, cfg.Validate())
	e := &Env{Prefix: prefix, Config: cfg, Server: server}
	t.Cleanup(func() { e.drop(t) })
	return e
}

// NewCentral is New plus an initialised artflow-flavoured central database.
func NewCentral(t testing.TB) *Env {
	t.Helper()
	e := New(t)
	ctx := context.Background()
	db, _, err := tenants.EnsureCentralDatabase(ctx, e.Config.Central.DSN)
	require.NoError(t, err)
	defer db.Close()
	_, err = tenants.Init(ctx, db)
	require.NoError(t, err)
	return e
}

// Service opens the tenant service on the environment's config.
func (e *Env) Service(t testing.TB) *tenants.Service {
	t.Helper()
	svc, err := tenants.Open(context.Background(), e.Config, tenants.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { svc.Close() })
	return svc
}

func (e *Env) drop(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	defer e.Server.Close()
	// Per-tenant users first: they are named in the central registry.
	var users []string
	_ = e.Server.SelectContext(ctx, &users,
		"SELECT JSON_UNQUOTE(JSON_EXTRACT(`data`, '$.tenancy_db_username')) FROM "+tenants.QuoteIdent(e.Prefix+"central")+".`tenants` WHERE JSON_EXTRACT(`data`, '$.tenancy_db_username') IS NOT NULL")
	for _, u := range users {
		if _, err := e.Server.ExecContext(ctx, "DROP USER IF EXISTS "+tenants.QuoteString(u)+"@'%'"); err != nil {
			t.Logf("drop user %s: %v", u, err)
		}
	}
	var dbs []string
	pattern := strings.ReplaceAll(e.Prefix, "_", `\_`) + "%"
	if err := e.Server.SelectContext(ctx, &dbs, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?", pattern); err != nil {
		t.Logf("list test databases: %v", err)
		return
	}
	for _, db := range dbs {
		if _, err := e.Server.ExecContext(ctx, "DROP DATABASE IF EXISTS "+tenants.QuoteIdent(db)); err != nil {
			t.Logf("drop %s: %v", db, err)
		}
	}
}

// Exec runs statements on the test server, failing the test on error.
func (e *Env) Exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		_, err := e.Server.Exec(s)
		require.NoError(t, err, "exec %s", s)
	}
}

// Database returns a pool on one database of the test server, closed at the end.
func (e *Env) Database(t testing.TB, name string) *sqlx.DB {
	t.Helper()
	mc, err := config.ParseDSN(DSNFor(t, name))
	require.NoError(t, err)
	conn, err := mysql.NewConnector(mc)
	require.NoError(t, err)
	db := sqlx.NewDb(sql.OpenDB(conn), "mysql")
	t.Cleanup(func() { db.Close() })
	return db
}

// SeedRegistry inserts n tenant rows with one domain each straight into the
// central tables (no tenant databases), for listing benchmarks.
func (e *Env) SeedRegistry(t testing.TB, n int) {
	t.Helper()
	central := e.Database(t, e.Prefix+"central")
	const batch = 1000
	for start := 0; start < n; start += batch {
		var rows, domains []string
		var rowArgs, domainArgs []any
		for i := start; i < start+batch && i < n; i++ {
			id := uuid.NewString()
			rows = append(rows, "(?, ?, ?, 'active', '{\"plan\":\"pro\"}', NOW(), NOW())")
			rowArgs = append(rowArgs, id, fmt.Sprintf("Tenant %05d", i), e.Config.Tenancy.DatabasePrefix+id)
			domains = append(domains, "(?, ?, NOW(), NOW())")
			domainArgs = append(domainArgs, fmt.Sprintf("t%05d.example.test", i), id)
		}
		_, err := central.Exec("INSERT INTO tenants (id, name, `database`, status, data, created_at, updated_at) VALUES "+strings.Join(rows, ","), rowArgs...)
		require.NoError(t, err)
		_, err = central.Exec("INSERT INTO domains (domain, tenant_id, created_at, updated_at) VALUES "+strings.Join(domains, ","), domainArgs...)
		require.NoError(t, err)
	}
}
