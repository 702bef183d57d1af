package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/testdb"
)

func central(t testing.TB) *sqlx.DB {
	t.Helper()
	env := testdb.NewCentral(t)
	return env.Database(t, env.Prefix+"central")
}

func entry(i int) access.Entry {
	return access.Entry{Time: time.Date(2026, 3, 14, 15, 0, i%60, 0, time.UTC), User: fmt.Sprintf("user%d", i%3), Role: access.Operator,
		Via: "ssh", Remote: "10.0.0.1:5555", Action: []access.Action{access.TenantStatus, access.TenantDelete, access.BackupCreate}[i%3],
		Target: fmt.Sprintf("t%d", i%5), Detail: "status=blocked", Outcome: access.OutcomeOK}
}

// errs collects what a log could not keep.
type errs struct {
	mu   sync.Mutex
	list []error
}

func (e *errs) add(_ access.Entry, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, err)
}

func readLines(t *testing.T, path string) []JSON {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []JSON
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var j JSON
		require.NoError(t, json.Unmarshal(sc.Bytes(), &j), "line %q", sc.Text())
		out = append(out, j)
	}
	require.NoError(t, sc.Err())
	return out
}

func TestRecordWritesTheRowThenItsLine(t *testing.T) {
	db := central(t)
	path := filepath.Join(t.TempDir(), "log", "audit.jsonl")
	f, err := OpenLines(path)
	require.NoError(t, err)
	defer f.Close()
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	var failed errs
	log := New(db, failed.add).WithLines(f)
	failure := entry(1)
	failure.Outcome, failure.Error = access.OutcomeFailed, "boom\nwith a newline"
	for _, e := range []access.Entry{entry(0), failure} {
		log.Record(context.Background(), e)
	}
	require.Empty(t, failed.list)

	rows, err := List(context.Background(), db, Filter{})
	require.NoError(t, err)
	require.Len(t, rows, 2)
	lines := readLines(t, path)
	require.Len(t, lines, 2)
	for i, r := range rows {
		require.Equal(t, r.JSON(), lines[i], "line %d has the row's fields and id", i)
	}
	require.Equal(t, "boom\nwith a newline", lines[1].Error)

	// A second writer (the next command) appends; nothing is rewritten.
	f2, err := OpenLines(path)
	require.NoError(t, err)
	New(db, failed.add).WithLines(f2).Record(context.Background(), entry(2))
	require.NoError(t, f2.Close())
	require.Len(t, readLines(t, path), 3)
	require.Equal(t, lines, readLines(t, path)[:2])
}

func TestLineKeptWhenTheRowIsNot(t *testing.T) {
	env := testdb.New(t) // no central database: every insert fails
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	f, err := OpenLines(path)
	require.NoError(t, err)
	defer f.Close()
	var failed errs
	New(env.Database(t, env.Prefix+"central"), failed.add).WithLines(f).Record(context.Background(), entry(4))
	require.Len(t, failed.list, 1)
	require.ErrorContains(t, failed.list[0], "audit: record tenant.delete by user1")
	lines := readLines(t, path)
	require.Len(t, lines, 1)
	require.Zero(t, lines[0].ID, "no row, no id")
	require.Equal(t, "tenant.delete", lines[0].Action)
}

type brokenFile struct{}

var errDiskFull = errors.New("no space left on device")

func (brokenFile) Write([]byte) (int, error) { return 0, errDiskFull }

func TestLineFailureIsReportedAndTheRowKept(t *testing.T) {
	db := central(t)
	var failed errs
	New(db, failed.add).WithLines(brokenFile{}).Record(context.Background(), entry(0))
	require.Len(t, failed.list, 1)
	require.ErrorIs(t, failed.list[0], errDiskFull)
	require.ErrorContains(t, failed.list[0], "the table keeps it")
	rows, err := List(context.Background(), db, Filter{})
	require.NoError(t, err)
	require.Len(t, rows, 1)
}

func TestOpenLinesRefusesAFileOthersCanRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	require.NoError(t, os.WriteFile(path, nil, 0o644))
	_, err := OpenLines(path)
	require.ErrorContains(t, err, "too open: run chmod 600")
}

func TestNewestPagesByID(t *testing.T) {
	db := central(t)
	log := New(db, func(e access.Entry, err error) { t.Errorf("%v: %v", e, err) })
	const n = 250
	for i := range n {
		log.Record(context.Background(), entry(i))
	}
	var ids []int64
	f := Filter{Limit: 100}
	for {
		page, err := Newest(context.Background(), db, f)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			ids = append(ids, e.ID)
		}
		f.Before = page[len(page)-1].ID
	}
	require.Len(t, ids, n)
	for i := 1; i < n; i++ {
		require.Greater(t, ids[i-1], ids[i], "newest first, each once")
	}

	for _, tc := range []struct {
		f    Filter
		want int
	}{
		{Filter{Match: "user1"}, n / 3},
		{Filter{Match: "delete"}, n / 3},
		{Filter{Match: "t4"}, n / 5},
		{Filter{Match: "%"}, 0},
		{Filter{Match: "user_"}, 0}, // a LIKE wildcard matches itself only
		{Filter{Action: "tenant"}, 167},
		{Filter{Action: "tenant_"}, 0},
		{Filter{User: "user2", Target: "t0"}, 17},
	} {
		got, err := Newest(context.Background(), db, tc.f)
		require.NoError(t, err)
		require.Len(t, got, tc.want, "%+v", tc.f)
	}
}

func TestNoTableNoEntries(t *testing.T) {
	db := central(t)
	got, err := Newest(context.Background(), db, Filter{})
	require.NoError(t, err)
	require.Empty(t, got)
}
