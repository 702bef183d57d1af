package lifecycle

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/sandbox"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

// secondServer names the second MariaDB server TestMain starts, as the
// tests' [[servers]] know it.
const secondServer = "second"

// secondDSN reaches it (set by TestMain, or by the child's environment).
var secondDSN = os.Getenv("LIFECYCLE_TEST_SECOND")

// TestMain starts the second server once for the package (the sandbox
// package starts it from the installed binaries on a free port), unless
// this process is a child that a kill test runs (see kill_test.go).
func TestMain(m *testing.M) {
	if os.Getenv("LIFECYCLE_TEST_CHILD") != "" {
		os.Exit(childMove())
	}
	dir, err := os.MkdirTemp("", "tenancy-lifecycle-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	srv, err := sandbox.StartServer(context.Background(), dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start the second MariaDB server:", err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	secondDSN = srv.DSN
	code := m.Run()
	_ = srv.Stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixture is one test's registry (either flavour), the main test server
// as central, the second server as "second", and the services.
type fixture struct {
	env     *testdb.Env
	central *sqlx.DB
	second  *sqlx.DB
	ts      *tenants.Service
	bs      *backup.Service
	ls      *Service
}

var stanclTables = []string{
	"CREATE TABLE `tenants` (`id` VARCHAR(255) NOT NULL PRIMARY KEY, `created_at` TIMESTAMP NULL, `updated_at` TIMESTAMP NULL, `data` JSON NULL)",
	"CREATE TABLE `domains` (`id` INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, `domain` VARCHAR(255) NOT NULL UNIQUE, " +
		"`tenant_id` VARCHAR(255) NOT NULL, `created_at` TIMESTAMP NULL, `updated_at` TIMESTAMP NULL, " +
		"FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON UPDATE CASCADE ON DELETE CASCADE)",
}

func newFixture(t *testing.T, flavour tenants.Flavour) *fixture {
	t.Helper()
	ctx := context.Background()
	var env *testdb.Env
	if flavour == tenants.FlavourStancl {
		env = testdb.New(t)
		db, _, err := tenants.EnsureCentralDatabase(ctx, env.Config.Central.DSN)
		require.NoError(t, err)
		for _, q := range stanclTables {
			_, err := db.Exec(q)
			require.NoError(t, err)
		}
		db.Close()
	} else {
		env = testdb.NewCentral(t)
	}
	env.Config.Servers = append(env.Config.Servers, config.Server{Name: secondServer, DSN: secondDSN})
	f := &fixture{env: env, central: env.Database(t, env.Prefix+"central"), second: openServer(t, secondDSN)}
	t.Cleanup(func() { f.dropOnSecond(t) })
	f.ts = env.Service(t)
	require.Equal(t, flavour, f.ts.Flavour())
	var err error
	f.bs, err = backup.Open(ctx, f.ts)
	require.NoError(t, err)
	f.ls, err = Open(ctx, f.ts, f.bs, Options{})
	require.NoError(t, err)
	return f
}

func openServer(t *testing.T, dsn string) *sqlx.DB {
	t.Helper()
	mc, err := config.ParseDSN(dsn)
	require.NoError(t, err)
	conn, err := mysql.NewConnector(mc)
	require.NoError(t, err)
	db := sqlx.NewDb(sql.OpenDB(conn), "mysql")
	t.Cleanup(func() { db.Close() })
	return db
}

// dropOnSecond drops what the test made on the second server: its
// databases and its tenants' users.
func (f *fixture) dropOnSecond(t *testing.T) {
	var users []string
	_ = f.second.Select(&users, "SELECT DISTINCT User FROM mysql.user WHERE User LIKE 't%' AND User <> 'root'")
	known := map[string]bool{}
	var names []string
	_ = f.central.Select(&names, "SELECT COALESCE(JSON_UNQUOTE(JSON_EXTRACT(`data`, '$.tenancy_db_username')), '') FROM `tenants`")
	for _, n := range names {
		known[n] = n != ""
	}
	for _, u := range users {
		if known[u] {
			_, _ = f.second.Exec("DROP USER IF EXISTS " + tenants.QuoteString(u) + "@'%'")
		}
	}
	var dbs []string
	_ = f.second.Select(&dbs, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?", strings.ReplaceAll(f.env.Prefix, "_", `\_`)+"%")
	for _, db := range dbs {
		if _, err := f.second.Exec("DROP DATABASE IF EXISTS " + tenants.QuoteIdent(db)); err != nil {
			t.Logf("drop %s on the second server: %v", db, err)
		}
	}
}

// trickyTypes is a tenant schema with the value types a copy must keep
// exactly (the backup tests' groups in brief), foreign keys, a trigger,
// a view and routines, and w, the table the writer appends to.
var trickyTypes = []string{
	"CREATE TABLE s (id INT PRIMARY KEY, v VARCHAR(100) NULL, t LONGTEXT NULL, l VARCHAR(20) CHARACTER SET latin1 NULL, KEY v (v(10)))",
	"INSERT INTO s VALUES (1, NULL, NULL, NULL), (2, '', '', ''), (3, 'emoji 😀 𝄞 中文', 'a\\'b\"c\\\\d\\n\\r\\t\\0 \\Z end', 'café')",
	"INSERT INTO s SELECT 100 + seq, CONCAT('row', seq), REPEAT(CHAR(seq USING utf8mb4), 3), CHAR(seq) FROM seq_1_to_127",
	"CREATE TABLE b (id INT PRIMARY KEY, bl BLOB NULL, bi BINARY(4) NULL, vb VARBINARY(300) NULL)",
	"INSERT INTO b VALUES (1, NULL, NULL, NULL), (2, '', 0x00000000, '')",
	"INSERT INTO b SELECT 10 + seq, REPEAT(UNHEX(LPAD(HEX(seq), 2, '0')), 1000), UNHEX(CONCAT(LPAD(HEX(seq), 2, '0'), '00FF27')), UNHEX(LPAD(HEX(seq), 2, '0')) FROM seq_0_to_255",
	"CREATE TABLE n (id INT PRIMARY KEY, d DECIMAL(65,30) NULL, ub BIGINT UNSIGNED NULL, f FLOAT NULL, db DOUBLE NULL, b64 BIT(64) NULL, y YEAR NULL)",
	"INSERT INTO n VALUES (1, NULL, NULL, NULL, NULL, NULL, NULL), (2, '99999999999999999999999999999999999.999999999999999999999999999999', 18446744073709551615, 3.4028234e38, 4.9406564584124654e-324, b'1111111111111111111111111111111111111111111111111111111111111111', 2155)",
	"INSERT INTO n SELECT 10 + seq, seq / 7, seq, seq / 3, PI() * seq / 7, seq * 12345, 1901 + seq FROM seq_1_to_200",
	"CREATE TABLE tm (id INT PRIMARY KEY, dt DATETIME(6) NULL, ts TIMESTAMP(6) NULL DEFAULT NULL, t TIME(6) NULL, d DATE NULL)",
	"INSERT INTO tm VALUES (1, NULL, NULL, NULL, NULL), (2, '2024-02-29 23:59:59.999999', '2038-01-19 03:14:07.499999', '-838:59:59', '1000-01-01')",
	"CREATE TABLE e (id INT PRIMARY KEY, en ENUM('a','b','c d') NULL, st SET('x','y','z') NULL, j JSON NULL, g INT AS (id * 2) VIRTUAL, p POINT NULL)",
	"INSERT INTO e (id, en, st, j, p) VALUES (1, NULL, NULL, NULL, NULL), (2, 'c d', 'x,z', '{\"a\": [1, 2.5, \"é😀\", null]}', ST_GeomFromText('POINT(1.5 -2.25)'))",
	"CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(20))",
	"CREATE TABLE child (id INT PRIMARY KEY AUTO_INCREMENT, parent_id INT, note VARCHAR(20), FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE)",
	"CREATE TABLE audit (id INT PRIMARY KEY AUTO_INCREMENT, what VARCHAR(40))",
	"INSERT INTO parent VALUES (1, 'one'), (2, 'two')",
	"INSERT INTO child (parent_id, note) VALUES (1, 'a'), (2, 'c')",
	"CREATE TRIGGER child_ai AFTER INSERT ON child FOR EACH ROW BEGIN INSERT INTO audit (what) VALUES (CONCAT('child;', NEW.id)); END",
	"CREATE VIEW v_notes AS SELECT p.name, c.note FROM parent p JOIN child c ON c.parent_id = p.id",
	"CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
	"CREATE TABLE w (id INT AUTO_INCREMENT PRIMARY KEY, n INT NOT NULL, UNIQUE KEY n (n))",
}

// tenant creates a tenant on the central server (with a database user
// when user is set) holding stmts.
func (f *fixture) tenant(t *testing.T, name string, user bool, stmts ...string) tenants.Tenant {
	t.Helper()
	return f.tenantOn(t, config.CentralServerName, name, user, stmts...)
}

// tenantOn is tenant on a server of the main test server (central, or
// another name for it).
func (f *fixture) tenantOn(t *testing.T, server, name string, user bool, stmts ...string) tenants.Tenant {
	t.Helper()
	slug := strings.ReplaceAll(strings.ToLower(name), " ", "-")
	tn, err := f.ts.Create(context.Background(), tenants.CreateRequest{Name: name, Domains: []string{slug + ".test"}, NoMigrate: true, DBUser: &user, Server: server}, nil)
	require.NoError(t, err)
	db := f.env.Database(t, tn.Database)
	conn, err := db.Conn(context.Background())
	require.NoError(t, err)
	defer conn.Close()
	for _, q := range stmts {
		_, err := conn.ExecContext(context.Background(), q)
		require.NoError(t, err, q)
	}
	return tn
}

// checksumsOn reads every table's checksum of database on server.
func checksumsOn(t *testing.T, server *sqlx.DB, database string) map[string]int64 {
	t.Helper()
	sums, err := checksums(context.Background(), server, database, nil, 2)
	require.NoError(t, err)
	return sums
}

// objectsOn lists database's views, triggers and routines on server.
func objectsOn(t *testing.T, server *sqlx.DB, database string) []string {
	t.Helper()
	var out []string
	require.NoError(t, server.Select(&out, `SELECT CONCAT('view:', TABLE_NAME) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?
		UNION ALL SELECT CONCAT('trigger:', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
		UNION ALL SELECT CONCAT(ROUTINE_TYPE, ':', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
		ORDER BY 1`, database, database, database))
	return out
}

func (f *fixture) databaseExists(t *testing.T, server *sqlx.DB, name string) bool {
	t.Helper()
	ok, err := tenants.DatabaseExists(context.Background(), server, name)
	require.NoError(t, err)
	return ok
}
