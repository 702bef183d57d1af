package backup

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/tenancy-dev/tenancy/tenants"
)

// worker turns tasks into extended INSERTs on its snapshot connection;
// its compressor goroutine turns each full segment into a frame for the
// writer meanwhile, so the connection keeps streaming rows while the
// previous segment is compressed. Two segment buffers circulate between
// them: memory stays at two segments per worker.
type worker struct {
	job    *dumpJob
	conn   *sql.Conn
	frames chan<- []byte
	seg    []byte
	full   chan []byte // segments to compress
	free   chan []byte // compressed segments, for reuse
}

func (w *worker) run(ctx context.Context, queue <-chan task) error {
	fr, err := newFramer(w.job.compression)
	if err != nil {
		return err
	}
	defer fr.release()
	w.full, w.free = make(chan []byte, 1), make(chan []byte, 2)
	w.seg = getSegment()
	w.free <- getSegment()
	defer func() {
		putSegment(w.seg)
		for {
			select {
			case b := <-w.free:
				putSegment(b)
			default:
				return
			}
		}
	}()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return w.compress(gctx, fr) })
	g.Go(func() error {
		defer close(w.full)
		for t := range queue {
			if err := w.dump(gctx, t); err != nil {
				return fmt.Errorf("dump table %s: %w", t.t.Name, err)
			}
		}
		return w.flush(gctx)
	})
	return g.Wait()
}

// flush hands the segment to the compressor and takes the other buffer.
func (w *worker) flush(ctx context.Context) error {
	if len(w.seg) == 0 {
		return nil
	}
	select {
	case w.full <- w.seg:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	select {
	case w.seg = <-w.free:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (w *worker) compress(ctx context.Context, fr framer) error {
	for seg := range w.full {
		var dst []byte
		select {
		case dst = <-w.job.spare:
		default:
			dst = getSegment()
		}
		frame, err := fr.frame(dst, seg)
		if err != nil {
			return fmt.Errorf("compress: %w", err)
		}
		w.job.track.add("", 0, int64(len(seg)), 0)
		w.free <- seg[:0]
		select {
		case w.frames <- frame:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	return nil
}

// progressEvery is how many rows a worker reads between reports.
const progressEvery = 2000

func (w *worker) dump(ctx context.Context, t task) error {
	cols := make([]string, len(t.t.Columns))
	for i, c := range t.t.Columns {
		cols[i] = tenants.QuoteIdent(c.Name)
	}
	q := "SELECT " + strings.Join(cols, ",") + " FROM " + tenants.QuoteIdent(t.t.Name) + t.where
	if t.t.PK != "" {
		q += " ORDER BY " + tenants.QuoteIdent(t.t.PK)
	}
	// A prepared statement makes the server send the binary protocol:
	// FLOAT and DOUBLE arrive as their exact bits. The rows are read from
	// the driver itself: database/sql would copy and convert every value
	// once more on the way to a RawBytes.
	var pending int64
	err := w.conn.Raw(func(dc any) error {
		pc, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("driver connection %T cannot prepare statements", dc)
		}
		st, err := pc.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		defer st.Close()
		sq, ok := st.(driver.StmtQueryContext)
		if !ok {
			return fmt.Errorf("driver statement %T cannot query", st)
		}
		args := make([]driver.NamedValue, len(t.args))
		for i, a := range t.args {
			args[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
		}
		rows, err := sq.QueryContext(ctx, args)
		if err != nil {
			return err
		}
		defer rows.Close()
		return w.rows(ctx, t, rows, &pending)
	})
	if err != nil {
		return err
	}
	w.seg = append(w.seg, partMarker(t)...)
	w.job.track.add(t.t.Name, pending, 0, 0)
	return nil
}

// rows writes the rows of one task as extended INSERTs of about
// maxStatement each, flushing full segments; pending counts rows not yet
// reported.
func (w *worker) rows(ctx context.Context, t task, rows driver.Rows, pending *int64) error {
	cols := t.t.Columns
	vals := make([]driver.Value, len(cols))
	var num []byte
	prefix := insertPrefix(*t.t)
	stmtStart, open := 0, false
	for {
		if err := rows.Next(vals); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return err
		}
		if !open {
			stmtStart, open = len(w.seg), true
			w.seg = append(w.seg, prefix...)
			w.seg = append(w.seg, '(')
		} else {
			w.seg = append(w.seg, ",("...)
		}
		for i, c := range cols {
			if i > 0 {
				w.seg = append(w.seg, ',')
			}
			var raw []byte
			var f any
			switch v := vals[i].(type) {
			case nil:
			case []byte:
				raw = v
			case int64:
				num = strconv.AppendInt(num[:0], v, 10)
				raw = num
			case uint64:
				num = strconv.AppendUint(num[:0], v, 10)
				raw = num
			case float32, float64:
				f = v
			default:
				return fmt.Errorf("column %s: unexpected %T from the driver", c.Name, v)
			}
			w.seg = appendLiteral(w.seg, c.Kind, raw, f)
		}
		w.seg = append(w.seg, ')')
		if *pending++; *pending == progressEvery {
			w.job.track.add(t.t.Name, *pending, 0, 0)
			*pending = 0
		}
		if len(w.seg)-stmtStart >= maxStatement {
			w.seg = append(w.seg, ";\n"...)
			open = false
			if len(w.seg) >= segmentSize {
				if err := w.flush(ctx); err != nil {
					return err
				}
			}
		}
	}
	if open {
		w.seg = append(w.seg, ";\n"...)
	}
	return nil
}
