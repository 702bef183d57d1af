package backup

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/tenancy-dev/tenancy/tenants"
)

// worker turns tasks into extended INSERTs on its snapshot connection and
// hands compressed segments to the writer.
type worker struct {
	job    *dumpJob
	conn   *sql.Conn
	frames chan<- []byte
	fr     framer
	seg    []byte
}

func (w *worker) run(ctx context.Context, queue <-chan task) error {
	fr, err := newFramer(w.job.compression)
	if err != nil {
		return err
	}
	w.fr = fr
	w.seg = make([]byte, 0, segmentSize+maxStatement)
	for t := range queue {
		if err := w.dump(ctx, t); err != nil {
			return fmt.Errorf("dump table %s: %w", t.t.Name, err)
		}
	}
	return w.flush(ctx)
}

func (w *worker) flush(ctx context.Context) error {
	if len(w.seg) == 0 {
		return nil
	}
	frame, err := w.fr.frame(nil, w.seg)
	if err != nil {
		return fmt.Errorf("compress: %w", err)
	}
	w.job.track.add("", 0, int64(len(w.seg)), 0)
	w.seg = w.seg[:0]
	select {
	case w.frames <- frame:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
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
	// FLOAT and DOUBLE arrive as their exact bits.
	stmt, err := w.conn.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	defer stmt.Close()
	rows, err := stmt.QueryContext(ctx, t.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	raws := make([]sql.RawBytes, len(cols))
	floats := make([]any, len(cols))
	dest := make([]any, len(cols))
	for i, c := range t.t.Columns {
		if c.Kind == kindFloat {
			dest[i] = &floats[i]
		} else {
			dest[i] = &raws[i]
		}
	}
	prefix := insertPrefix(*t.t)
	stmtStart, open := 0, false
	var pending int64
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if !open {
			stmtStart, open = len(w.seg), true
			w.seg = append(w.seg, prefix...)
			w.seg = append(w.seg, '(')
		} else {
			w.seg = append(w.seg, ",("...)
		}
		for i, c := range t.t.Columns {
			if i > 0 {
				w.seg = append(w.seg, ',')
			}
			w.seg = appendLiteral(w.seg, c.Kind, raws[i], floats[i])
		}
		w.seg = append(w.seg, ')')
		pending++
		if pending == progressEvery {
			w.job.track.add(t.t.Name, pending, 0, 0)
			pending = 0
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
	if err := rows.Err(); err != nil {
		return err
	}
	if open {
		w.seg = append(w.seg, ";\n"...)
	}
	w.job.track.add(t.t.Name, pending, 0, 0)
	return nil
}
