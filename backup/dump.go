package backup

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/tenancy-dev/tenancy/tenants"
)

// segmentSize is how much SQL a worker gathers before compressing it into
// one frame: memory stays near workers × (segment + frame queue) whatever
// the table size.
const segmentSize = 2 << 20

// segments keeps a few segment buffers (a segment and its statement's
// overrun) between dumps: allocating and clearing three per worker was a
// large part of backing up a small tenant. A channel rather than a
// sync.Pool, which the collector empties every cycle.
var segments = make(chan []byte, 12)

func getSegment() []byte {
	select {
	case b := <-segments:
		return b[:0]
	default:
		return make([]byte, 0, segmentSize+maxStatement)
	}
}

// putSegment keeps b for another dump (a frame that outgrew the size is
// left to the collector).
func putSegment(b []byte) {
	if cap(b) != segmentSize+maxStatement {
		return
	}
	select {
	case segments <- b[:0]:
	default:
	}
}

// dumpJob is one native dump of one database into out.
type dumpJob struct {
	db          *sql.DB // pool on the database, with room for workers
	database    string
	head        header
	kind        string
	compression string
	workers     int
	chunkBytes  int64
	out         io.Writer
	track       *tracker
	// spare holds written frames' buffers for the compressors to reuse
	// (growing a fresh one per frame cost a tenth of the dump's CPU).
	spare chan []byte
}

type dumpStats struct {
	Tables  int
	Rows    int64
	Bytes   int64
	Mode    string
	Skipped []string
}

// task is one table, or one primary-key range of a large table: part of
// parts (from 1).
type task struct {
	t           *table
	where       string
	args        []any
	part, parts int
}

func (j *dumpJob) run(ctx context.Context) (dumpStats, error) {
	var st dumpStats
	workers := j.workers
	if j.kind == KindStructure {
		workers = 1
	} else if small, err := j.smallerThanChunk(ctx); err != nil {
		return st, err
	} else if small {
		workers = 1
	}
	j.track.step(StepSnapshot, "")
	snap, err := openSnapshot(ctx, j.db, workers)
	if err != nil {
		return st, err
	}
	defer snap.close()
	st.Mode = snap.mode
	j.head.Snapshot = snap.mode
	conn0 := snap.conns[0]
	if err := conn0.QueryRowContext(ctx, "SELECT VERSION()").Scan(&j.head.ServerVersion); err != nil {
		return st, fmt.Errorf("read server version: %w", err)
	}
	j.track.step(StepSchema, "")
	tables, err := readTables(ctx, conn0, j.database)
	if err != nil {
		return st, err
	}
	objs, skipped, err := readObjects(ctx, conn0, j.database)
	if err != nil {
		return st, err
	}
	st.Tables, st.Skipped = len(tables), skipped
	var tasks []task
	if HasData(j.kind) {
		if tasks, err = j.plan(ctx, conn0, tables); err != nil {
			return st, err
		}
	}
	fr, err := newFramer(j.compression)
	if err != nil {
		return st, err
	}
	defer fr.release()
	headSQL := j.head.render()
	for _, t := range tables {
		headSQL += tableDDL(t)
	}
	headSQL += "\n" + markData + "\n"
	if err := j.writeFrame(fr, []byte(headSQL)); err != nil {
		return st, err
	}
	j.track.step(StepData, "")
	if err := j.runWorkers(ctx, snap.conns, tasks); err != nil {
		return st, err
	}
	j.track.step(StepObjects, "")
	tail := objectsSQL(objs)
	if err := j.writeFrame(fr, []byte(tail)); err != nil {
		return st, err
	}
	st.Rows, st.Bytes = j.track.totals()
	if err := j.writeFrame(fr, []byte(footer(st.Tables, st.Rows, st.Bytes))); err != nil {
		return st, err
	}
	return st, nil
}

func (j *dumpJob) writeFrame(fr framer, sqlText []byte) error {
	frame, err := fr.frame(nil, sqlText)
	if err != nil {
		return fmt.Errorf("compress: %w", err)
	}
	if _, err := j.out.Write(frame); err != nil {
		return err
	}
	j.track.add("", 0, int64(len(sqlText)), int64(len(frame)))
	return nil
}

// smallerThanChunk reports whether the whole database fits in one chunk:
// then a second connection (and the global read lock) buys nothing.
func (j *dumpJob) smallerThanChunk(ctx context.Context) (bool, error) {
	var total int64
	err := j.db.QueryRowContext(ctx, "SELECT COALESCE(SUM(DATA_LENGTH),0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", j.database).Scan(&total)
	if err != nil {
		return false, fmt.Errorf("estimate size of %s: %w", j.database, err)
	}
	return total < j.chunkBytes, nil
}

// plan splits tables into tasks, large tables with an integer primary key
// into ranges of about chunkBytes, biggest first so workers finish together.
func (j *dumpJob) plan(ctx context.Context, conn *sql.Conn, tables []table) ([]task, error) {
	var tasks []task
	for i := range tables {
		t := &tables[i]
		j.track.estimate(t.Name, t.Rows, t.DataBytes)
		if t.PK == "" || t.DataBytes <= j.chunkBytes {
			tasks = append(tasks, task{t: t})
			continue
		}
		pk := tenants.QuoteIdent(t.PK)
		var lo, hi sql.NullString
		q := "SELECT MIN(" + pk + "), MAX(" + pk + ") FROM " + tenants.QuoteIdent(t.Name)
		if err := conn.QueryRowContext(ctx, q).Scan(&lo, &hi); err != nil {
			return nil, fmt.Errorf("read key range of %s: %w", t.Name, err)
		}
		min, err1 := strconv.ParseInt(lo.String, 10, 64)
		max, err2 := strconv.ParseInt(hi.String, 10, 64)
		if err1 != nil || err2 != nil || max-min < 0 {
			tasks = append(tasks, task{t: t})
			continue
		}
		n := t.DataBytes/j.chunkBytes + 1
		step := (max-min)/n + 1
		for from := min; from <= max; from += step {
			if from+step > max || from+step < from {
				tasks = append(tasks, task{t: t, where: " WHERE " + pk + " >= ?", args: []any{from}})
				break
			}
			tasks = append(tasks, task{t: t, where: " WHERE " + pk + " >= ? AND " + pk + " < ?", args: []any{from, from + step}})
		}
	}
	return interleave(tasks, j.workers), nil
}

// interleave numbers each table's tasks and orders them biggest table
// first, with width tables in flight: one range of each in turn, the next
// table joining when one runs out. The workers read different tables at
// once and the file interleaves them, so the restore (which gives each
// table one connection) loads them in parallel too, while the tables
// finish one after another: the restore builds a finished table's
// indexes while the next ones load.
func interleave(tasks []task, width int) []task {
	var order []*table
	byTable := map[*table][]task{}
	for _, t := range tasks {
		if _, ok := byTable[t.t]; !ok {
			order = append(order, t.t)
		}
		byTable[t.t] = append(byTable[t.t], t)
	}
	for _, list := range byTable {
		for i := range list {
			list[i].part, list[i].parts = i+1, len(list)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return order[a].DataBytes > order[b].DataBytes })
	out := make([]task, 0, len(tasks))
	var window []*table
	for len(out) < len(tasks) {
		for len(window) < max(width, 1) && len(order) > 0 {
			window, order = append(window, order[0]), order[1:]
		}
		next := window[:0]
		for _, t := range window {
			q := byTable[t]
			out = append(out, q[0])
			if byTable[t] = q[1:]; len(q) > 1 {
				next = append(next, t)
			}
		}
		window = next
	}
	return out
}

// partMarker is the line after a task's rows: once the restore has read
// every part of a table, the table's data is all in.
func partMarker(t task) string {
	return fmt.Sprintf("%s%s%x %d/%d\n", markPrefix, markPart, t.t.Name, t.part, t.parts)
}

// parsePart reads a part marker (without "-- tenancy:").
func parsePart(marker string) (table string, part, parts int, ok bool) {
	rest, ok := strings.CutPrefix(marker, markPart)
	if !ok {
		return "", 0, 0, false
	}
	var name []byte
	if _, err := fmt.Sscanf(rest, "%x %d/%d", &name, &part, &parts); err != nil || part < 1 || part > parts {
		return "", 0, 0, false
	}
	return string(name), part, parts, true
}

// runWorkers reads tasks on the snapshot connections, one worker each,
// and writes their frames to out in the order they complete (every frame
// holds whole statements, so any order restores the same data).
func (j *dumpJob) runWorkers(ctx context.Context, conns []*sql.Conn, tasks []task) error {
	queue := make(chan task, len(tasks))
	for _, t := range tasks {
		queue <- t
	}
	close(queue)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	frames := make(chan []byte, 2*len(conns))
	j.spare = make(chan []byte, 3*len(conns))
	writeDone := make(chan error, 1)
	go func() { writeDone <- j.writeFrames(frames, cancel) }()
	g, gctx := errgroup.WithContext(ctx)
	for _, c := range conns {
		g.Go(func() error {
			w := &worker{job: j, conn: c, frames: frames}
			return w.run(gctx, queue)
		})
	}
	err := g.Wait()
	close(frames)
	werr := <-writeDone
	for len(j.spare) > 0 {
		putSegment(<-j.spare)
	}
	if werr != nil {
		return werr
	}
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && cause != context.Canceled {
			return cause
		}
	}
	return err
}

// writeFrames writes frames as they come; on a write error it cancels the
// workers and keeps draining so none blocks.
func (j *dumpJob) writeFrames(frames <-chan []byte, cancel context.CancelCauseFunc) error {
	var failed error
	for f := range frames {
		if failed != nil {
			continue
		}
		if _, err := j.out.Write(f); err != nil {
			failed = err
			cancel(err)
			continue
		}
		j.track.add("", 0, 0, int64(len(f)))
		select {
		case j.spare <- f[:0]:
		default:
		}
	}
	return failed
}
