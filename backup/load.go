package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/tenancy-dev/tenancy/sqlsplit"
)

// loader runs a dump's statements into one database: the schema and
// objects in order on one connection, a native file's data section on
// several at once (every data statement is independent).
type loader struct {
	db       *sql.DB // pool on the target database
	database string
	workers  int
	track    *tracker
	// loaded takes the tables whose data is committed, for their indexes.
	loaded chan string
	// statements counts what was executed.
	statements atomic.Int64
}

func (l *loader) conn(ctx context.Context) (*sql.Conn, error) {
	c, err := sessionConn(ctx, l.db)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	return c, nil
}

// load reads src, the stored file at path (decrypted), decompresses it
// and executes it.
func (l *loader) load(ctx context.Context, src io.Reader, path string) error {
	dec, err := newDecompressor(src, compressionOf(path))
	if err != nil {
		return fmt.Errorf("decompress %s: %w", path, err)
	}
	defer dec.Close()
	counted := &countingReader{r: dec, ctx: ctx}
	sp := sqlsplit.New(counted)
	sp.MarkerPrefix = markPrefix
	guard := &fileGuard{path: path}
	sp.Comment = guard.comment
	seq, err := l.conn(ctx)
	if err != nil {
		return err
	}
	defer seq.Close()
	native := false
	for {
		p, err := sp.Next()
		if errors.Is(err, io.EOF) {
			if native {
				return fmt.Errorf("%s ends without its completion footer: the file is incomplete", path)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		l.track.add("", 0, counted.n-l.track.bytes(), 0)
		native = native || strings.HasPrefix(p.Marker, "section ")
		switch {
		case strings.HasPrefix(p.Marker, "complete "):
			return checkFooter(path, p.Marker, sp.Consumed(counted.n), sp)
		case p.Marker == "section data":
			keys, err := deferKeys(ctx, seq, l.database)
			if err != nil {
				return err
			}
			tables, err := loadTables(ctx, seq, l.database)
			if err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			// A failed index build stops the load at once.
			lctx, stop := context.WithCancelCause(ctx)
			early := l.startEarlyKeys(lctx, keys, len(tables), stop)
			loadErr := l.parallel(lctx, sp, counted, tables)
			l.track.step(StepLoad, "indexes")
			claimed := early.stop(loadErr != nil)
			var restErr error
			if loadErr == nil {
				// The tables the builder has not started, while it ends its last.
				restErr = l.buildKeys(lctx, unbuilt(keys, claimed))
			}
			earlyErr := early.join()
			stop(nil)
			if err := firstCause(loadErr, earlyErr, restErr); err != nil {
				return err
			}
			l.track.step(StepLoad, "objects")
			guard.objects = true // parallel took the objects marker
		case p.Marker != "":
			if err := guard.marker(p.Marker); err != nil {
				return err
			}
		default:
			if err := guard.statement(p.SQL); err != nil {
				return err
			}
			if err := l.exec(ctx, seq, p.SQL); err != nil {
				return err
			}
		}
	}
}

// firstCause returns the first error that is not a cancellation, else
// the first one: when one part fails, the others end with "context
// canceled", which must not hide what went wrong.
func firstCause(errs ...error) error {
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return errors.Join(errs...)
}

// item is one data statement for a load connection, or (done set) the
// end of a table's data.
type item struct {
	sql  string
	done string
}

// checkFooter checks a native file's footer (marker, the line without
// its "-- tenancy:" prefix; end, the stream offset just after it): it
// counts the bytes before it and nothing follows it.
func checkFooter(path, marker string, end int64, sp *sqlsplit.Splitter) error {
	line := markPrefix + marker
	_, _, n, ok := parseFooter(line)
	if want := end - int64(len(line)) - 1; !ok || n != want {
		return fmt.Errorf("%s: the footer %q does not count the %d bytes before it: the file is damaged", path, line, want)
	}
	if p, err := sp.Next(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s holds more after its completion footer (%.40q, %v): the file is damaged", path, p.SQL, err)
	}
	return nil
}

// parallel runs the data section's statements on l.workers connections
// until the objects marker. Each table sticks to one connection (the one
// with the least work when the table first appears): two sessions
// appending to one B-tree fight over its last page, while one session per
// table fills pages in key order.
func (l *loader) parallel(ctx context.Context, sp *sqlsplit.Splitter, counted *countingReader, tables map[string]*loadTable) error {
	l.track.step(StepLoad, "data")
	g, gctx := errgroup.WithContext(ctx)
	queues := make([]chan item, l.workers)
	for i := range queues {
		queues[i] = make(chan item, 2)
		g.Go(func() error {
			c, err := l.conn(gctx)
			if err != nil {
				return err
			}
			defer c.Close()
			return l.preparedBatches(gctx, c, tables, queues[i])
		})
	}
	readErr := func() error {
		defer func() {
			for _, q := range queues {
				close(q)
			}
		}()
		owner := map[string]int{}
		load := make([]int, l.workers) // bytes of the tables in flight
		size := map[string]int{}       // bytes of each table so far
		partsSeen := map[string]int{}
		for {
			p, err := sp.Next()
			if err != nil {
				if errors.Is(err, io.EOF) {
					return errors.New("the file ends inside its data section")
				}
				return err
			}
			l.track.add("", 0, counted.n-l.track.bytes(), 0)
			it, table := item{sql: p.SQL}, insertTable(p.SQL)
			if p.Marker != "" {
				name, _, parts, ok := parsePart(p.Marker)
				if !ok {
					if markPrefix+p.Marker == markObjects {
						return nil
					}
					return fmt.Errorf("unexpected line %q in the data section", markPrefix+p.Marker)
				}
				if partsSeen[name]++; partsSeen[name] < parts {
					continue
				}
				// Every part of the table is in: its connection commits
				// and hands it on for its indexes.
				w, ok := owner[name]
				if !ok {
					l.tableLoaded(name) // no rows at all
					continue
				}
				load[w] -= size[name]
				table, it = name, item{done: name}
			}
			w, ok := owner[table]
			if !ok {
				w = slices.Index(load, slices.Min(load))
				owner[table] = w
			}
			load[w] += len(p.SQL)
			size[table] += len(p.SQL)
			select {
			case queues[w] <- it:
			case <-gctx.Done():
				return nil
			}
		}
	}()
	if err := g.Wait(); err != nil {
		return err
	}
	if readErr != nil {
		return fmt.Errorf("read data section: %w", readErr)
	}
	return ctx.Err()
}

// insertTable returns the quoted table name of an INSERT INTO `t` ...
// statement, or "" for anything else.
func insertTable(q string) string {
	rest, ok := strings.CutPrefix(q, "INSERT INTO `")
	if !ok {
		return ""
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] == '`' {
			if i+1 < len(rest) && rest[i+1] == '`' {
				i++
				continue
			}
			return strings.ReplaceAll(rest[:i], "``", "`")
		}
	}
	return ""
}

// execer is a connection or a transaction on one.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// exec runs one statement the file guard let through.
func (l *loader) exec(ctx context.Context, c execer, q string) error {
	if _, err := c.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("restore statement %.80q: %w", q, err)
	}
	l.statements.Add(1)
	l.track.add("", 1, 0, 0)
	return nil
}
