package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
)

// bigTable is about 12 MB in 120k rows, enough to be caught mid-table.
var bigTable = []string{
	"CREATE TABLE big (id INT PRIMARY KEY, a VARCHAR(100), b DOUBLE, c BLOB, KEY ab (a(10), b), KEY c (c(8)) COMMENT 'by blob')",
	"INSERT INTO big SELECT seq, REPEAT(CHAR(65 + seq % 26), 60), seq / 7, UNHEX(SHA1(seq)) FROM seq_1_to_120000",
	"ANALYZE TABLE big", // the size estimates the dump plans its key ranges by
	"CREATE TABLE small (id INT PRIMARY KEY, v VARCHAR(10))",
	"INSERT INTO small VALUES (1, 'x'), (2, 'y')",
}

// requireNothingComplete checks a failed backup left no file that looks
// complete, no temp file, and no complete catalog row.
func (f *fixture) requireNothingComplete(t *testing.T, tn tenants.Tenant) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(f.env.Config.Backup.Dir, tenantFolder(tn.ID)))
	if !errors.Is(err, os.ErrNotExist) {
		require.NoError(t, err)
	}
	for _, e := range entries {
		require.Fail(t, "file left behind", e.Name())
	}
	list, err := f.bs.List(context.Background(), tn.ID)
	require.NoError(t, err)
	require.NotEmpty(t, list)
	for _, b := range list {
		require.Equal(t, StatusFailed, b.Status, "catalog row %d", b.ID)
		require.NotEmpty(t, b.Error)
		_, err := f.bs.Verify(context.Background(), b)
		require.ErrorContains(t, err, "never finished", "a failed backup is refused before any file is opened")
	}
}

// killConnections kills every connection using database but the caller's.
func (f *fixture) killConnections(t *testing.T, pattern string) int {
	var ids []int64
	require.NoError(t, f.env.Server.Select(&ids, "SELECT ID FROM information_schema.PROCESSLIST WHERE DB LIKE ? AND ID <> CONNECTION_ID()", pattern))
	for _, id := range ids {
		_, _ = f.env.Server.Exec("KILL CONNECTION ?", id)
	}
	return len(ids)
}

// TestDumpConnectionKilledMidTable kills the dump's connections from the
// first progress report of the big table, which the worker reading it
// makes between two of its rows (reportAll): about 12 MB of the table are
// still to come on a connection that is gone, so the dump fails however
// fast the machine, and leaves nothing complete.
func TestDumpConnectionKilledMidTable(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "killed", bigTable...)
	f.bs.reportAll = true
	killed, at := 0, int64(0)
	_, err := f.bs.Create(context.Background(), CreateRequest{Tenant: tn}, func(p Progress) {
		if killed == 0 && p.Step == StepData && p.Table == "big" && p.TableDone > 0 {
			at = p.TableDone
			killed = f.killConnections(t, tn.Database)
		}
	})
	require.Error(t, err)
	require.Positive(t, killed)
	require.Less(t, at, int64(120000), "killed before the last row")
	f.requireNothingComplete(t, tn)
}

// TestFsyncFailure: a failing fsync fails the backup and leaves neither
// the final file nor the temp file, and no complete catalog row.
func TestFsyncFailure(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "fsync", "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	f.bs.failSync = syscall.EIO
	_, err := f.bs.Create(context.Background(), CreateRequest{Tenant: tn}, nil)
	require.ErrorIs(t, err, syscall.EIO)
	f.requireNothingComplete(t, tn)
}

// TestRenameFailureLeavesTarget: when the swap's RENAME TABLE itself fails
// on the server, the target keeps its tables, rows, views, triggers and
// routines exactly as they were (definitions included).
func TestRenameFailureLeavesTarget(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "rename fails", objectsFixture...)
	b := f.backup(t, tn, KindFull, CompressZstd)
	f.env.Exec(t, "DELETE FROM "+tenants.QuoteIdent(tn.Database)+".audit",
		"CREATE TABLE "+tenants.QuoteIdent(tn.Database)+".only_here (id INT PRIMARY KEY)",
		"DROP VIEW "+tenants.QuoteIdent(tn.Database)+".v_alpha")
	before, defs := f.checksums(t, tn.Database), f.objectDefs(t, tn.Database)
	f.bs.breakRename = true
	_, err := f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn}, nil)
	require.ErrorContains(t, err, "swap tables")
	require.Equal(t, before, f.checksums(t, tn.Database))
	require.Equal(t, defs, f.objectDefs(t, tn.Database))
	f.requireNoScratch(t)
}

// objectDefs returns each view, trigger, routine and event of database
// with its definition.
func (f *fixture) objectDefs(t *testing.T, database string) map[string]string {
	t.Helper()
	objs, skipped, err := readObjects(context.Background(), f.env.Server, database)
	require.NoError(t, err)
	require.Empty(t, skipped)
	out := map[string]string{}
	for _, o := range objs {
		out[o.Kind+":"+o.Name] = o.Create
	}
	require.NotEmpty(t, out)
	return out
}

type failingWriter struct {
	w    io.Writer
	left int
}

func (fw *failingWriter) Write(p []byte) (int, error) {
	if len(p) > fw.left {
		n, _ := fw.w.Write(p[:fw.left])
		fw.left = 0
		return n, syscall.ENOSPC
	}
	fw.left -= len(p)
	return fw.w.Write(p)
}

func TestDiskWriteFailure(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "disk full", bigTable...)
	f.bs.wrapWrite = func(w io.Writer) io.Writer { return &failingWriter{w: w, left: 300 << 10} }
	_, err := f.bs.Create(context.Background(), CreateRequest{Tenant: tn}, nil)
	require.ErrorIs(t, err, syscall.ENOSPC)
	f.requireNothingComplete(t, tn)
}

func TestCancelledBackup(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "cancelled", bigTable...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Progress is reported at most every 100 ms but always on a step
	// change: cancel as the data step starts, which a fast dump of the
	// table could otherwise finish before a later report.
	_, err := f.bs.Create(ctx, CreateRequest{Tenant: tn}, func(p Progress) {
		if p.Step == StepData {
			cancel()
		}
	})
	require.Error(t, err)
	f.requireNothingComplete(t, tn)
}

func TestLeftoversCleanedOnNextRun(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "leftovers", "CREATE TABLE t (id INT PRIMARY KEY)")
	dir := filepath.Join(f.env.Config.Backup.Dir, tn.ID)
	require.NoError(t, os.MkdirAll(dir, 0o750))
	stale := filepath.Join(dir, "."+tn.ID+"_2026-01-01_00-00-00_full.sql.zst"+tempMarker+"123")
	require.NoError(t, os.WriteFile(stale, []byte("partial"), 0o600))
	running := Backup{TenantID: tn.ID, File: "x", Kind: KindFull, Compression: CompressZstd, Engine: "native", Server: tn.Server, Database: tn.Database, StartedAt: f.now()}
	require.NoError(t, f.bs.cat.insertRunning(context.Background(), &running))
	b := f.backup(t, tn, KindFull, CompressZstd)
	require.NoFileExists(t, stale)
	old, err := f.bs.cat.get(context.Background(), running.ID)
	require.NoError(t, err)
	require.Equal(t, StatusFailed, old.Status)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.ElementsMatch(t, []string{filepath.Base(b.File), "metadata.json"}, names)
}

func TestDamagedFilesFailVerifyAndRestore(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "damaged", bigTable[3:]...)
	before := f.checksums(t, tn.Database)
	for _, comp := range []string{CompressZstd, CompressGzip, CompressNone} {
		b := f.backup(t, tn, KindFull, comp)
		_, err := f.bs.Verify(context.Background(), b)
		require.NoError(t, err)
		path := f.bs.Path(b)
		good, err := os.ReadFile(path)
		require.NoError(t, err)
		damage := map[string][]byte{
			"truncated":   good[:len(good)*2/3],
			"bit-flipped": flipBit(good, len(good)/2),
		}
		for name, data := range damage {
			require.NoError(t, os.WriteFile(path, data, 0o600))
			_, err := f.bs.Verify(context.Background(), b)
			require.Error(t, err, "%s %s file passed verify", name, comp)
			_, err = f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn}, nil)
			require.ErrorContains(t, err, "restore refused", "%s %s", name, comp)
			// Outside the catalog (no checksum to compare) a truncated file still fails.
			if name == "truncated" {
				_, err = verifyFile(context.Background(), path, Backup{}, true)
				require.Error(t, err, "uncatalogued truncated %s file passed", comp)
			}
		}
		require.NoError(t, os.WriteFile(path, good, 0o600))
	}
	require.Equal(t, before, f.checksums(t, tn.Database))
	f.requireNoScratch(t)
}

// TestLoadChecksFooter: a catalogued restore checks only the checksum
// before loading, so the load itself refuses a native file whose footer is
// missing, miscounts the bytes before it, or is followed by more; the new
// database it was loading is dropped.
func TestLoadChecksFooter(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "footer check", "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))", "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
	b := f.backup(t, tn, KindFull, CompressNone)
	good, err := os.ReadFile(f.bs.Path(b))
	require.NoError(t, err)
	at := bytes.LastIndex(good, []byte(footerPrefix))
	require.Positive(t, at)
	cases := map[string]struct {
		data []byte
		want string
	}{
		"missing":    {good[:at], "without its completion footer"},
		"miscounted": {append(good[:at:at], footer(1, 2, int64(at+1))...), "does not count"},
		"more after": {append(good[:len(good):len(good)], "INSERT INTO t VALUES (3, 'c');\n"...), "more after its completion footer"},
	}
	for name, c := range cases {
		path := filepath.Join(t.TempDir(), "damaged.sql")
		require.NoError(t, os.WriteFile(path, c.data, 0o600))
		sum := sha256.Sum256(c.data)
		damaged := Backup{File: path, Compression: CompressNone, Status: StatusComplete, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(c.data))}
		into := f.env.Prefix + "footer"
		_, err := f.bs.Restore(context.Background(), RestoreRequest{Backup: damaged, Target: tn, NewDatabase: into}, nil)
		require.ErrorContains(t, err, c.want, name)
		var n int
		require.NoError(t, f.env.Server.Get(&n, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", into))
		require.Zero(t, n, "%s: the half-loaded database was kept", name)
	}
	_, err = f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn, NewDatabase: f.env.Prefix + "footer_ok"}, nil)
	require.NoError(t, err, "the intact file")
}

func flipBit(b []byte, at int) []byte {
	out := append([]byte(nil), b...)
	out[at] ^= 0x10
	return out
}

func TestRestoreKilledMidwayLeavesOriginal(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "restore killed", bigTable...)
	b := f.backup(t, tn, KindFull, CompressZstd)
	f.env.Exec(t, "DELETE FROM "+tenants.QuoteIdent(tn.Database)+".big WHERE id % 2 = 0")
	before := f.checksums(t, tn.Database)
	var once sync.Once
	killed := 0
	_, err := f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn}, func(p Progress) {
		if p.Step == StepLoad && p.Table == "data" && p.Bytes > 3<<20 {
			once.Do(func() {
				killed = f.killConnections(t, strings.ReplaceAll(f.env.Prefix, "_", `\_`)+`%\_\_restore\_%`)
			})
		}
	})
	require.Error(t, err)
	require.Positive(t, killed)
	require.Equal(t, before, f.checksums(t, tn.Database))
	f.requireNoScratch(t)
}

// TestSwapFailureAfterRenamePutsOriginalBack fails the swap once the
// restored tables were renamed in: the original tables and objects come
// back and no scratch or old database is left.
func TestSwapFailureAfterRenamePutsOriginalBack(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "swap rollback", objectsFixture...)
	b := f.backup(t, tn, KindFull, CompressZstd)
	f.env.Exec(t, "DELETE FROM "+tenants.QuoteIdent(tn.Database)+".audit",
		"CREATE TABLE "+tenants.QuoteIdent(tn.Database)+".only_here (id INT PRIMARY KEY)",
		"DROP VIEW "+tenants.QuoteIdent(tn.Database)+".v_alpha")
	before, objects := f.checksums(t, tn.Database), f.objects(t, tn.Database)
	f.bs.failAfterRename = errors.New("injected failure after the rename")
	_, err := f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn}, nil)
	require.ErrorContains(t, err, "injected failure")
	require.Equal(t, before, f.checksums(t, tn.Database))
	require.Equal(t, objects, f.objects(t, tn.Database))
	f.requireNoScratch(t)
}

// TestBacktickTableNameRoundTrip: a table name with a backtick, doubled
// in the file's statements, is the same table to the load.
func TestBacktickTableNameRoundTrip(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "backtick",
		"CREATE TABLE `we``ird` (id INT PRIMARY KEY, v VARCHAR(10), KEY v (v))",
		"INSERT INTO `we``ird` VALUES (1, 'a'), (2, 'b')")
	b := f.backup(t, tn, KindFull, CompressNone)
	into := f.env.Prefix + "bt_copy"
	_, err := f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn, NewDatabase: into}, nil)
	require.NoError(t, err)
	f.requireSameData(t, tn.Database, into)
}

// TestLoadErrorNotHiddenByIndexBuild: a data error while the early
// builder is in the middle of a build cancels the build; the restore
// reports the data error, not the build's "context canceled".
func TestLoadErrorNotHiddenByIndexBuild(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "mask",
		"CREATE TABLE t1 (id INT PRIMARY KEY, v VARCHAR(60), KEY k (v))",
		"INSERT INTO t1 SELECT seq, REPEAT(CHAR(65 + seq % 26), 50) FROM seq_1_to_60000",
		"CREATE TABLE t2 (id INT PRIMARY KEY, v VARCHAR(200))",
		"INSERT INTO t2 SELECT seq, CONCAT(REPEAT('y', 150), seq) FROM seq_1_to_20000",
		"INSERT INTO t2 VALUES (99999, 'zzzbad')",
		"ANALYZE TABLE t1, t2")
	b := f.backup(t, tn, KindFull, CompressNone)
	data, err := os.ReadFile(f.bs.Path(b))
	require.NoError(t, err)
	// Same length, so the footer still counts right: a literal the
	// native format never writes.
	require.Equal(t, 1, strings.Count(string(data), "'zzzbad'"))
	bad := strings.Replace(string(data), "'zzzbad'", `"zzzbad"`, 1)
	path := filepath.Join(t.TempDir(), "bad.sql")
	require.NoError(t, os.WriteFile(path, []byte(bad), 0o600))
	into := f.env.Prefix + "mask_copy"

	// Hold a shared metadata lock on t1 once its index has been deferred,
	// so that the early ALTER TABLE t1 ADD KEY waits (deterministically
	// "in the middle of a build") when t2's bad row fails the load.
	held, left := make(chan string, 1), make(chan []string, 1)
	go func() {
		conn, err := f.env.Server.Conn(context.Background())
		if err != nil {
			held <- err.Error()
			left <- nil
			return
		}
		defer conn.Close()
		deadline := time.Now().Add(2 * time.Minute) // a loaded machine can take long to get there
		for time.Now().Before(deadline) {
			var tables, keys int
			_ = conn.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't1'", into).Scan(&tables)
			_ = conn.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't1' AND INDEX_NAME = 'k'", into).Scan(&keys)
			if tables == 1 && keys == 0 {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		_, _ = conn.ExecContext(context.Background(), "START TRANSACTION")
		_, err = conn.ExecContext(context.Background(), "SELECT COUNT(*) FROM "+tenants.QuoteIdent(into)+".t1")
		time.Sleep(3 * time.Second)
		var procs []string
		rows, qerr := conn.QueryContext(context.Background(), "SELECT CONCAT(ID, ' ', COMMAND, ' ', COALESCE(STATE,''), ' ', LEFT(COALESCE(INFO,''), 60)) FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()", into)
		if qerr == nil {
			for rows.Next() {
				var s string
				_ = rows.Scan(&s)
				procs = append(procs, s)
			}
			rows.Close()
		}
		_, _ = conn.ExecContext(context.Background(), "COMMIT")
		held <- fmt.Sprintf("lock err: %v; sessions in the load database after the restore gave up: %s", err, strings.Join(procs, " | "))
		left <- procs
	}()
	_, err = f.bs.Restore(context.Background(), RestoreRequest{Backup: Backup{File: path, Compression: CompressNone, Status: StatusComplete}, Target: tn, NewDatabase: into}, nil)
	t.Logf("holder: %s", <-held)
	require.Empty(t, <-left, "the cancelled index build was killed on the server, not left running")
	require.Error(t, err)
	t.Logf("restore error: %v", err)
	require.ErrorIs(t, err, errLiteral, "the data error is what the restore reports")
}
