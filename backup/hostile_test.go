package backup

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/sqlsplit"
	"github.com/tenancy-dev/tenancy/tenants"
)

// hostile is what a tenant can put into names and text through the app:
// each string tries to leave a comment or a quoted name of a dump and run
// a statement or a client command of its own. None may end in whitespace
// (MySQL refuses such names).
func hostile(canary, marker string) map[string]string {
	drop := "DROP DATABASE `" + canary + "`"
	return map[string]string{
		"newline":   "\n" + drop + ";\n-- x",
		"shell":     "\n\\! touch " + marker + "\nx",
		"crlf":      "\r\n" + drop + ";#",
		"escapes":   "\x1b[31m\x1b]0;title\x07\x1b]52;c;aGk=\x07",
		"comment":   "*/ " + drop + "; /*",
		"backtick":  "a`b``; " + drop,
		"quotes":    `'";\'` + "\\",
		"wildcards": "%_%\\_",
		"bidi":      "\u202e\u2066gnp.exe\u2069",
		"delimiter": "\nDELIMITER ;;\n" + drop + ";;",
		"long":      strings.Repeat("ж", 50),
	}
}

// hostileFixture makes, for one payload, a registry row as Laravel could
// write it (any varchar: id, name, database, domain, a data key) and a
// tenant database whose table, column, view, trigger and procedure names
// and comments all carry the payload; a canary database stands beside it.
type hostileFixture struct {
	*fixture
	canary, marker string
}

func newHostileFixture(t *testing.T) *hostileFixture {
	f := &hostileFixture{fixture: newFixture(t)}
	f.canary = f.env.Prefix + "cy"
	f.marker = "/tmp/" + f.env.Prefix + "m"
	f.env.Exec(t, "CREATE DATABASE "+tenants.QuoteIdent(f.canary))
	t.Cleanup(func() { os.Remove(f.marker) })
	return f
}

func (f *hostileFixture) tenantWith(t *testing.T, p string) tenants.Tenant {
	t.Helper()
	db := f.env.Prefix + "d" + p
	q := tenants.QuoteIdent
	lit := tenants.QuoteString
	tbl, col := q("t"+p), q("c"+p)
	f.env.Exec(t, "CREATE DATABASE "+q(db))
	conn := f.env.Database(t, db)
	for _, s := range []string{
		"CREATE TABLE " + tbl + " (id INT PRIMARY KEY, " + col + " TEXT COMMENT " + lit(p) + ") COMMENT " + lit(p),
		"INSERT INTO " + tbl + " VALUES (1, " + lit(p) + "), (2, " + lit("😀 "+p) + ")",
		"CREATE VIEW " + q("v"+p) + " AS SELECT " + col + " AS " + q("a"+p) + " FROM " + tbl,
		"CREATE TRIGGER " + q("g"+p) + " BEFORE INSERT ON " + tbl + " FOR EACH ROW SET NEW." + col + " = CONCAT(NEW." + col + ", " + lit(p) + ")",
		"CREATE PROCEDURE " + q("p"+p) + "() COMMENT " + lit(p) + " BEGIN SELECT " + lit(p) + " AS " + q("r"+p) + "; END",
	} {
		_, err := conn.Exec(s)
		require.NoError(t, err, "%q", s)
	}
	id := "id" + p
	data, err := json.Marshal(map[string]string{p: p})
	require.NoError(t, err)
	central := f.env.Database(t, f.env.Prefix+"central")
	_, err = central.Exec("INSERT INTO tenants (id, name, `database`, status, data, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, NOW(), NOW())",
		id, "Name 😀"+p, db, string(data))
	require.NoError(t, err)
	_, err = central.Exec("INSERT INTO domains (domain, tenant_id, created_at, updated_at) VALUES (?, ?, NOW(), NOW())", "d"+p+".test", id)
	require.NoError(t, err)
	list, err := f.ts.List(context.Background(), tenants.ListOptions{})
	require.NoError(t, err)
	for _, tn := range list {
		if tn.ID == id {
			require.Equal(t, db, tn.Database)
			return tn
		}
	}
	t.Fatalf("tenant %q not listed", id)
	return tenants.Tenant{}
}

// requireNothingElseRan: the canary database is there and no client
// command left its marker file.
func (f *hostileFixture) requireNothingElseRan(t *testing.T) {
	t.Helper()
	var n int
	require.NoError(t, f.env.Server.Get(&n, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", f.canary))
	require.Equal(t, 1, n, "the canary database was dropped")
	_, err := os.Stat(f.marker)
	require.ErrorIs(t, err, os.ErrNotExist, "a client command ran")
}

// requireCleanComments: every comment line of the file is one tenancy
// writes, with no control byte, and the payload's names are encoded.
func requireCleanComments(t *testing.T, sqlText string) {
	t.Helper()
	g := &fileGuard{path: "dump"}
	sp := sqlsplit.New(strings.NewReader(sqlText))
	sp.MarkerPrefix = markPrefix
	var seen []string
	sp.Comment = func(c string) error {
		seen = append(seen, c)
		require.False(t, strings.ContainsFunc(c, isControl), "control byte in comment %q", c)
		return g.comment(c)
	}
	for {
		p, err := sp.Next()
		if err != nil {
			require.ErrorContains(t, err, "EOF")
			break
		}
		if p.Marker != "" && !strings.HasPrefix(p.Marker, "part ") {
			require.NoError(t, g.marker(p.Marker))
		}
	}
	require.True(t, g.native)
	require.NotEmpty(t, seen)
}

// TestHostileNamesRoundTrip: for every payload in every name, the dump
// restores exactly with tenancy (into a new database and over the tenant)
// and with the mariadb client, and runs nothing else.
func TestHostileNamesRoundTrip(t *testing.T) {
	f := newHostileFixture(t)
	for name, p := range hostile(f.canary, f.marker) {
		t.Run(name, func(t *testing.T) {
			tn := f.tenantWith(t, p)
			b := f.backup(t, tn, KindFull, CompressZstd)
			rel, err := filepath.Rel(f.env.Config.Backup.Dir, f.bs.Path(b))
			require.NoError(t, err)
			require.False(t, strings.HasPrefix(rel, ".."), "backup file %s left the backup folder", rel)
			require.Equal(t, 2, strings.Count(rel, string(filepath.Separator))+1, "one folder per tenant: %s", rel)

			text := decompressed(t, f.bs.Path(b))
			require.True(t, strings.HasPrefix(text, sandboxLine+"\n-- tenancy "+Version+" backup\n"), "MariaDB files start with the sandbox line")
			require.Contains(t, text, "-- tenant: "+commentText(tn.ID)+", database: "+commentText(tn.Database)+"\n")
			requireCleanComments(t, text)

			copyDB := f.env.Prefix + "copy_" + name
			_, err = f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn, NewDatabase: copyDB}, nil)
			require.NoError(t, err)
			f.requireSameData(t, tn.Database, copyDB)
			require.Equal(t, f.objects(t, tn.Database), f.objects(t, copyDB))

			before := f.objects(t, tn.Database)
			f.env.Exec(t, "DELETE FROM "+tenants.QuoteIdent(tn.Database)+"."+tenants.QuoteIdent("t"+p)+" WHERE id = 1")
			_, err = f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn}, nil)
			require.NoError(t, err)
			f.requireSameData(t, copyDB, tn.Database)
			require.Equal(t, before, f.objects(t, tn.Database))
			f.requireNoScratch(t)

			// The client as the file's header says, and as people will run
			// it anyway (which turns a CR LF inside a quoted name into LF).
			binaryDB := f.env.Prefix + "binary_" + name
			f.loadWithClient(t, f.bs.Path(b), binaryDB, "--binary-mode")
			f.requireSameData(t, tn.Database, binaryDB)
			require.Equal(t, before, f.objects(t, binaryDB))
			plainDB := f.env.Prefix + "plain_" + name
			f.loadWithClient(t, f.bs.Path(b), plainDB)
			if !strings.Contains(p, "\r") {
				f.requireSameData(t, tn.Database, plainDB)
				require.Equal(t, before, f.objects(t, plainDB))
			}
			f.requireNothingElseRan(t)
		})
	}
}

// alter rewrites a native file (uncompressed) with edit and recomputes its
// footer, as someone holding the file could.
func alter(t *testing.T, good []byte, edit func(string) string) Backup {
	t.Helper()
	text := string(good)
	at := strings.LastIndex(text, footerPrefix)
	require.Positive(t, at)
	body := edit(text[:at])
	data := []byte(body + footer(1, 1, int64(len(body))))
	path := filepath.Join(t.TempDir(), "altered.sql")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return Backup{File: path, Compression: CompressNone}
}

// TestRestoreRefusesAlteredFiles: a file whose comments or statements are
// not what tenancy writes is refused before anything of it runs outside
// the scratch database, including format-1 files whose header a newline
// in a name had broken.
func TestRestoreRefusesAlteredFiles(t *testing.T) {
	f := newHostileFixture(t)
	tn := f.tenant(t, "altered", "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))", "INSERT INTO t VALUES (1, 'a')")
	b := f.backup(t, tn, KindFull, CompressNone)
	good, err := os.ReadFile(f.bs.Path(b))
	require.NoError(t, err)
	drop := "DROP DATABASE `" + f.canary + "`;\n"
	header := "-- tenant: " + commentText(tn.ID) + ", database: " + commentText(tn.Database) + "\n"
	cases := map[string]struct {
		edit func(string) string
		want string
	}{
		"format 1 header broken by a newline": {func(s string) string {
			s = strings.Replace(s, "-- tenancy "+Version+" backup", "-- tenancy 1 backup", 1)
			return strings.Replace(s, header, "-- tenant: x, database: t_nl\n"+drop, 1)
		}, "switches, creates or drops databases"},
		"statement of another kind in the schema": {func(s string) string {
			return strings.Replace(s, "\n"+markData, "\nCREATE TABLE `"+f.canary+"`.`planted` (id INT);\n"+markData, 1)
		}, "is not one tenancy writes"},
		"comment line tenancy never writes": {func(s string) string {
			return strings.Replace(s, header, header+"-- hello\x1b]0;x\x07\n", 1)
		}, "comment line"},
		"object section qualifies another database": {func(s string) string {
			return strings.Replace(s, markObjects+"\n", markObjects+"\nCREATE VIEW `"+f.canary+"`.`v` AS SELECT 1;\n", 1)
		}, "is not one tenancy writes"},
		"unknown marker": {func(s string) string {
			return strings.Replace(s, markSchema, markSchema+"\n-- tenancy:exec sh", 1)
		}, "unexpected line"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			altered := alter(t, good, c.edit)
			into := f.env.Prefix + "altered"
			_, err := f.bs.Restore(context.Background(), RestoreRequest{Backup: altered, Target: tn, NewDatabase: into}, nil)
			require.ErrorContains(t, err, c.want)
			f.requireNothingElseRan(t)
			var n int
			require.NoError(t, f.env.Server.Get(&n, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", f.canary))
			require.Zero(t, n, "something was created in the canary database")
		})
	}
	_, err = f.bs.Restore(context.Background(), RestoreRequest{Backup: alter(t, good, func(s string) string { return s }), Target: tn, NewDatabase: f.env.Prefix + "unaltered"}, nil)
	require.NoError(t, err, "the same file, unaltered")
}
