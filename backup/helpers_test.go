package backup

import (
	"context"
	"database/sql"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

type fixture struct {
	env *testdb.Env
	ts  *tenants.Service
	bs  *Service
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	env := testdb.NewCentral(t)
	ts := env.Service(t)
	bs, err := Open(context.Background(), ts)
	require.NoError(t, err)
	return &fixture{env: env, ts: ts, bs: bs}
}

// tenant creates a tenant with an empty database and runs stmts in it.
func (f *fixture) tenant(t testing.TB, name string, stmts ...string) tenants.Tenant {
	t.Helper()
	tn, err := f.ts.Create(context.Background(), tenants.CreateRequest{Name: name, NoMigrate: true}, nil)
	require.NoError(t, err)
	conn, err := f.env.Database(t, tn.Database).Conn(context.Background())
	require.NoError(t, err)
	defer conn.Close()
	for _, s := range stmts {
		_, err := conn.ExecContext(context.Background(), s)
		require.NoError(t, err, s)
	}
	return tn
}

func (f *fixture) now() time.Time { return time.Now().UTC().Truncate(time.Second) }

func (f *fixture) backup(t *testing.T, tn tenants.Tenant, kind, compression string) Backup {
	t.Helper()
	b, err := f.bs.Create(context.Background(), CreateRequest{Tenant: tn, Kind: kind, Compression: compression}, nil)
	require.NoError(t, err)
	require.Equal(t, StatusComplete, b.Status)
	return b
}

// checksums returns CHECKSUM TABLE of every base table of database.
func (f *fixture) checksums(t *testing.T, database string) map[string]string {
	t.Helper()
	var names []string
	require.NoError(t, f.env.Server.Select(&names, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'", database))
	out := map[string]string{}
	for _, n := range names {
		var tbl string
		var sum sql.NullString
		require.NoError(t, f.env.Server.QueryRow("CHECKSUM TABLE "+tenants.QuoteIdent(database)+"."+tenants.QuoteIdent(n)).Scan(&tbl, &sum))
		out[n] = sum.String
	}
	return out
}

// rows reads a table row by row over the binary protocol (exact floats).
func (f *fixture) rows(t *testing.T, database, table string) [][]any {
	t.Helper()
	r, err := f.env.Server.Query("SELECT * FROM "+tenants.QuoteIdent(database)+"."+tenants.QuoteIdent(table)+" WHERE 1 = ? ORDER BY 1", 1)
	require.NoError(t, err)
	defer r.Close()
	cols, err := r.Columns()
	require.NoError(t, err)
	var out [][]any
	for r.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, r.Scan(ptrs...))
		out = append(out, vals)
	}
	require.NoError(t, r.Err())
	return out
}

// requireSameData checks two databases hold the same tables, checksums
// and rows.
func (f *fixture) requireSameData(t *testing.T, want, got string) {
	t.Helper()
	ws, gs := f.checksums(t, want), f.checksums(t, got)
	require.Equal(t, ws, gs, "CHECKSUM TABLE of %s vs %s", want, got)
	for table := range ws {
		require.Equal(t, f.rows(t, want, table), f.rows(t, got, table), "rows of %s", table)
		require.Equal(t, f.ddl(t, want, table), f.ddl(t, got, table), "SHOW CREATE TABLE %s", table)
	}
}

func (f *fixture) ddl(t *testing.T, database, table string) string {
	t.Helper()
	var name, ddl string
	require.NoError(t, f.env.Server.QueryRow("SHOW CREATE TABLE "+tenants.QuoteIdent(database)+"."+tenants.QuoteIdent(table)).Scan(&name, &ddl))
	return ddl
}

// objects lists views, triggers and routines of database as kind:name.
func (f *fixture) objects(t *testing.T, database string) []string {
	t.Helper()
	var out []string
	require.NoError(t, f.env.Server.Select(&out, `SELECT CONCAT('view:', TABLE_NAME) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?
		UNION ALL SELECT CONCAT('trigger:', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
		UNION ALL SELECT CONCAT(ROUTINE_TYPE, ':', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
		UNION ALL SELECT CONCAT('event:', EVENT_NAME) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?
		ORDER BY 1`, database, database, database, database))
	return out
}

// loadWithClient decompresses a backup and pipes it into `mariadb DB`.
func (f *fixture) loadWithClient(t *testing.T, path, database string, flags ...string) {
	t.Helper()
	f.env.Exec(t, "CREATE DATABASE "+tenants.QuoteIdent(database))
	file, err := os.Open(path)
	require.NoError(t, err)
	defer file.Close()
	r, err := newDecompressor(file, compressionOf(path))
	require.NoError(t, err)
	defer r.Close()
	cmd := exec.Command("mariadb", append(flags, "-uroot", "-h127.0.0.1", "--protocol=tcp", database)...)
	cmd.Stdin = r
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "mariadb client: %s", out)
}

// decompressed returns a backup file's SQL.
func decompressed(t *testing.T, path string) string {
	t.Helper()
	file, err := os.Open(path)
	require.NoError(t, err)
	defer file.Close()
	r, err := newDecompressor(file, compressionOf(path))
	require.NoError(t, err)
	defer r.Close()
	data, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(data)
}

// scratchLeft lists scratch or old databases left behind.
func (f *fixture) scratchLeft(t *testing.T) []string {
	t.Helper()
	var left []string
	require.NoError(t, f.env.Server.Select(&left, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? AND (SCHEMA_NAME LIKE '%\\_\\_restore\\_%' OR SCHEMA_NAME LIKE '%\\_\\_old\\_%')",
		strings.ReplaceAll(f.env.Prefix, "_", "\\_")+"%"))
	return left
}

func (f *fixture) requireNoScratch(t *testing.T) {
	t.Helper()
	require.Empty(t, f.scratchLeft(t), "scratch databases left behind")
}
