package backup

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// TestParallelRangesUnderReadLock forces key ranges and several workers.
func TestParallelRangesUnderReadLock(t *testing.T) {
	f := newFixture(t)
	f.bs.chunkBytes = 256 << 10
	tn := f.tenant(t, "ranges", append(bigTable, objectsFixture...)...)
	b := f.backup(t, tn, KindFull, CompressZstd)
	require.Contains(t, b.SnapshotMode, "2 connections opened under FLUSH TABLES WITH READ LOCK")
	require.EqualValues(t, 120000+2+2+3+0, b.Rows)
	sqlText := decompressed(t, f.bs.Path(b))
	require.False(t, strings.Contains(sqlText, "CREATE DATABASE"), "the file creates a database")
	require.False(t, strings.Contains(sqlText, "\nUSE "), "the file switches database")
	for _, stmt := range strings.Split(sqlText, ";\n") {
		require.LessOrEqual(t, len(stmt), maxStatement+64<<10, "statements stay near 1 MB")
	}
	// Every table's parts are marked, once each: the restore builds a
	// table's indexes as soon as its data is in, and none is left for the
	// end of the load (which reports "indexes of <table>").
	parts, total := map[string][]int{}, map[string]int{}
	for _, line := range strings.Split(sqlText, "\n") {
		if m, ok := strings.CutPrefix(line, markPrefix); ok && strings.HasPrefix(m, markPart) {
			name, part, n, ok := parsePart(m)
			require.True(t, ok, line)
			parts[name], total[name] = append(parts[name], part), n
		}
	}
	for table := range f.checksums(t, tn.Database) {
		var want []int
		for i := 1; i <= total[table]; i++ {
			want = append(want, i)
		}
		require.NotEmpty(t, want, table)
		require.ElementsMatch(t, want, parts[table], "%s: every part marked once", table)
	}
	require.Greater(t, total["big"], 1, "big is read in ranges")
	copyDB := f.env.Prefix + "ranges_copy"
	_, err := f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn, NewDatabase: copyDB}, nil)
	require.NoError(t, err)
	f.requireSameData(t, tn.Database, copyDB)

	// A file without part markers (as made before them) builds every
	// table's indexes after the load, with the same result.
	var kept []string
	for _, line := range strings.SplitAfter(sqlText, "\n") {
		if !strings.HasPrefix(line, markPrefix+markPart) {
			kept = append(kept, line)
		}
	}
	old := strings.Join(kept, "")
	at := strings.LastIndex(old, footerPrefix)
	old = old[:at] + footer(int(b.Tables), b.Rows, int64(at))
	path := filepath.Join(t.TempDir(), "unmarked.sql")
	require.NoError(t, os.WriteFile(path, []byte(old), 0o600))
	var late []string
	oldCopy := f.env.Prefix + "ranges_old"
	_, err = f.bs.Restore(context.Background(), RestoreRequest{Backup: Backup{File: path, Compression: CompressNone, Status: StatusComplete}, Target: tn, NewDatabase: oldCopy}, func(p Progress) {
		if strings.HasPrefix(p.Table, "indexes of ") {
			late = append(late, p.Table)
		}
	})
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"indexes of big"}, late)
	f.requireSameData(t, tn.Database, oldCopy)
}

// TestIndexesBuiltWhileLoading: a table that finishes long before the
// last one gets its indexes while the load goes on; the one that finishes
// last gets them at the end. Both come out as they were.
func TestIndexesBuiltWhileLoading(t *testing.T) {
	f := newFixture(t)
	f.bs.chunkBytes = 256 << 10
	tn := f.tenant(t, "early keys", append(bigTable,
		"CREATE TABLE mid (id INT PRIMARY KEY, v VARCHAR(40), KEY v (v))",
		"INSERT INTO mid SELECT seq, MD5(seq) FROM seq_1_to_20000",
		"ANALYZE TABLE mid")...)
	b := f.backup(t, tn, KindFull, CompressZstd)
	copyDB := f.env.Prefix + "early_copy"
	var late []string
	_, err := f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn, NewDatabase: copyDB}, func(p Progress) {
		if strings.HasPrefix(p.Table, "indexes of ") {
			late = append(late, p.Table)
		}
	})
	require.NoError(t, err)
	require.NotContains(t, late, "indexes of mid", "mid's data ends long before big's")
	f.requireSameData(t, tn.Database, copyDB)
}

// TestNoReloadPrivilegeFallsBackToOneConnection runs the dump as a user
// who may not FLUSH TABLES WITH READ LOCK.
func TestNoReloadPrivilegeFallsBackToOneConnection(t *testing.T) {
	f := newFixture(t)
	f.bs.chunkBytes = 256 << 10
	tn := f.tenant(t, "no reload", bigTable...)
	user := strings.TrimSuffix(f.env.Prefix, "_") + "_lim"
	f.env.Exec(t, "CREATE USER "+tenants.QuoteString(user)+"@'%' IDENTIFIED BY 'pw'",
		"GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES ON "+tenants.QuoteIdent(tn.Database)+".* TO "+tenants.QuoteString(user)+"@'%'")
	t.Cleanup(func() { f.env.Exec(t, "DROP USER IF EXISTS "+tenants.QuoteString(user)+"@'%'") })
	mc, err := config.ParseDSN(f.env.Config.Central.DSN)
	require.NoError(t, err)
	mc.User, mc.Passwd, mc.DBName = user, "pw", ""
	f.env.Config.Servers = append(f.env.Config.Servers, config.Server{Name: "limited", DSN: mc.FormatDSN()})
	tn.Server = "limited"
	b := f.backup(t, tn, KindFull, CompressZstd)
	require.Contains(t, b.SnapshotMode, "one connection (FLUSH TABLES WITH READ LOCK not permitted")
	tn.Server = config.CentralServerName
	copyDB := f.env.Prefix + "lim_copy"
	_, err = f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn, NewDatabase: copyDB}, nil)
	require.NoError(t, err)
	f.requireSameData(t, tn.Database, copyDB)
}

func TestStructureOnly(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "structure", objectsFixture...)
	b := f.backup(t, tn, KindStructure, CompressNone)
	require.True(t, strings.HasSuffix(b.File, "_structure.sql"))
	sqlText := decompressed(t, f.bs.Path(b))
	require.False(t, strings.Contains(sqlText, "INSERT INTO `"), "a structure backup holds rows")
	require.Contains(t, sqlText, "CREATE TABLE `child`")
	copyDB := f.env.Prefix + "structure_copy"
	_, err := f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn, NewDatabase: copyDB}, nil)
	require.NoError(t, err)
	require.Equal(t, f.objects(t, tn.Database), f.objects(t, copyDB))
	require.Empty(t, f.rows(t, copyDB, "parent"))
}

func TestFileLayoutAndMetadata(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "layout", bigTable[3:]...)
	b1 := f.backup(t, tn, KindFull, CompressZstd)
	b2 := f.backup(t, tn, KindFull, CompressGzip)
	name := regexp.MustCompile(`^` + regexp.QuoteMeta(tn.ID) + `/` + regexp.QuoteMeta(tn.ID) + `_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_full\.sql\.(zst|gz)$`)
	require.Regexp(t, name, b1.File)
	require.Regexp(t, name, b2.File)
	require.NotEqual(t, b1.File, b2.File)
	data, err := os.ReadFile(filepath.Join(f.env.Config.Backup.Dir, tn.ID, "metadata.json"))
	require.NoError(t, err)
	var meta []Backup
	require.NoError(t, json.Unmarshal(data, &meta))
	require.Len(t, meta, 2)
	list, err := f.bs.List(context.Background(), tn.ID)
	require.NoError(t, err)
	for i, m := range meta {
		require.Equal(t, list[i].ID, m.ID)
		require.Equal(t, list[i].SHA256, m.SHA256)
		require.Equal(t, list[i].Size, m.Size)
		require.Equal(t, StatusComplete, list[i].Status)
		require.NotEmpty(t, m.SnapshotMode)
		require.Equal(t, 1, m.Tables)
	}
	plan, err := f.bs.Cleanup(context.Background(), tn.ID, Policy{Last: 1}, false)
	require.NoError(t, err)
	require.Len(t, plan, 2)
	require.NoFileExists(t, f.bs.Path(b1))
	require.FileExists(t, f.bs.Path(b2))
	data, err = os.ReadFile(filepath.Join(f.env.Config.Backup.Dir, tn.ID, "metadata.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &meta))
	require.Len(t, meta, 1)
	require.Equal(t, b2.ID, meta[0].ID)
	list, err = f.bs.List(context.Background(), tn.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
}

// TestMysqldumpEngine makes a backup with mariadb-dump and restores it
// through the sequential path; a file made by hand with mariadb-dump
// restores too.
func TestMysqldumpEngine(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "mysqldump", append(append([]string{}, typeGroups[1].stmts...), objectsFixture...)...)
	f.bs.cfg.Engine = "mysqldump"
	b := f.backup(t, tn, KindFull, CompressZstd)
	require.Equal(t, "mysqldump", b.Engine)
	v, err := f.bs.Verify(context.Background(), b)
	require.NoError(t, err)
	require.False(t, v.Native)
	copyDB := f.env.Prefix + "md_copy"
	_, err = f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn, NewDatabase: copyDB}, nil)
	require.NoError(t, err)
	f.requireSameData(t, tn.Database, copyDB)
	require.Equal(t, f.objects(t, tn.Database), f.objects(t, copyDB))

	plain := filepath.Join(t.TempDir(), "hand.sql")
	out, err := exec.Command("mariadb-dump", "-uroot", "-h127.0.0.1", "--protocol=tcp", "--single-transaction", "--routines", "--triggers", "--events", "--result-file="+plain, tn.Database).CombinedOutput()
	require.NoError(t, err, "%s", out)
	found, err := f.bs.Find(context.Background(), plain)
	require.NoError(t, err)
	require.Zero(t, found.ID)
	f.env.Exec(t, "DELETE FROM "+tenants.QuoteIdent(tn.Database)+".b WHERE id > 100")
	_, err = f.bs.Restore(context.Background(), RestoreRequest{Backup: found, Target: tn}, nil)
	require.NoError(t, err)
	f.requireSameData(t, copyDB, tn.Database)
	f.requireNoScratch(t)
}
