package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/tenancy-dev/tenancy/tenants"
)

// A native file's extended INSERTs are turned back into rows for LOAD
// DATA LOCAL INFILE, which the server parses far more cheaply than SQL
// literals. The rows reach the driver through a Reader:: handler
// registered under a unique name for one load (never AllowAllFiles).

// localInfile tells whether the server accepts LOAD DATA LOCAL. It is a
// variable so that a test can take the INSERT path of a server that
// refuses it, without changing the shared server's global setting.
var localInfile = func(ctx context.Context, c *sql.Conn) bool {
	var on bool
	return c.QueryRowContext(ctx, "SELECT @@local_infile").Scan(&on) == nil && on
}

// bulkLoad is one LOAD DATA in progress on a connection: rows go into
// the pipe, the statement runs in its own goroutine until the pipe closes.
type bulkLoad struct {
	table string
	pw    *io.PipeWriter
	done  chan error
	size  int
}

// bulkTable is what a load needs to know about a table.
type bulkTable struct {
	prefix string // the INSERT prefix its statements must start with
	load   string // the LOAD DATA statement, without the reader name
	kinds  []valueKind
}

// bulkTableOf reads table's stored columns in the target database and
// builds its LOAD DATA statement: binary values travel as hex and are
// decoded by UNHEX, YEARs become numbers again, everything else is the
// text the INSERT held.
func bulkTableOf(ctx context.Context, c *sql.Conn, database, name string) (bulkTable, error) {
	t := table{Name: name}
	if err := readTable(ctx, c, database, &t); err != nil {
		return bulkTable{}, err
	}
	var cols, sets []string
	kinds := make([]valueKind, len(t.Columns))
	for i, col := range t.Columns {
		kinds[i] = col.Kind
		v := fmt.Sprintf("@v%d", i)
		switch {
		case col.Kind == kindBinary:
			sets = append(sets, tenants.QuoteIdent(col.Name)+" = UNHEX("+v+")")
		case strings.EqualFold(col.Type, "year"):
			// As a string, YEAR reads 0 as 2000; the INSERT's bare 0 is 0000.
			sets = append(sets, tenants.QuoteIdent(col.Name)+" = "+v+" + 0")
		default:
			cols = append(cols, tenants.QuoteIdent(col.Name))
			continue
		}
		cols = append(cols, v)
	}
	load := " INTO TABLE " + tenants.QuoteIdent(name) +
		` CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' ESCAPED BY '\\' LINES TERMINATED BY '\n' (` +
		strings.Join(cols, ",") + ")"
	if len(sets) > 0 {
		load += " SET " + strings.Join(sets, ", ")
	}
	return bulkTable{prefix: string(insertPrefix(t)), load: load, kinds: kinds}, nil
}

// startBulk begins a LOAD DATA of table on c under a new reader name.
func (l *loader) startBulk(ctx context.Context, c *sql.Conn, name string, bt bulkTable) *bulkLoad {
	pr, pw := io.Pipe()
	reader := fmt.Sprintf("tenancy-%s-%d", l.database, l.loads.Add(1))
	mysql.RegisterReaderHandler(reader, func() io.Reader { return pr })
	b := &bulkLoad{table: name, pw: pw, done: make(chan error, 1)}
	go func() {
		defer mysql.DeregisterReaderHandler(reader)
		_, err := c.ExecContext(ctx, "LOAD DATA LOCAL INFILE "+tenants.QuoteString("Reader::"+reader)+bt.load)
		if err != nil {
			err = fmt.Errorf("restore: load data into %s: %w", name, err)
		}
		// The driver stops reading on an error: unblock the writer.
		pr.CloseWithError(cmpErr(err, io.ErrClosedPipe))
		b.done <- err
	}()
	return b
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// finish ends the rows and waits for the statement; abort (an error)
// makes the statement fail instead.
func (b *bulkLoad) finish(abort error) error {
	if abort != nil {
		b.pw.CloseWithError(abort)
		<-b.done
		return abort
	}
	b.pw.Close()
	return <-b.done
}

// bulkBatches loads a connection's data statements with LOAD DATA, one
// statement per table and about commitEvery bytes.
func (l *loader) bulkBatches(ctx context.Context, c *sql.Conn, queue <-chan string) (err error) {
	tables := map[string]bulkTable{}
	var cur *bulkLoad
	defer func() {
		if cur != nil {
			err = cur.finish(err)
		}
	}()
	var rows []byte
	for q := range queue {
		name := insertTable(q)
		if cur != nil && (cur.table != name || cur.size >= commitEvery) {
			b := cur
			cur = nil
			if err := b.finish(nil); err != nil {
				return err
			}
		}
		bt, ok := tables[name]
		if !ok {
			if bt, err = bulkTableOf(ctx, c, l.database, name); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			tables[name] = bt
		}
		values, ok := strings.CutPrefix(q, bt.prefix)
		if !ok {
			return fmt.Errorf("restore: statement %.80q does not insert the columns of %s", q, name)
		}
		if rows, err = appendRows(rows[:0], values, bt.kinds); err != nil {
			return fmt.Errorf("restore: data of %s: %w", name, err)
		}
		if cur == nil {
			cur = l.startBulk(ctx, c, name, bt)
		}
		if _, err := cur.pw.Write(rows); err != nil {
			return err // the statement's own error, from the pipe
		}
		cur.size += len(q)
		l.statements.Add(1)
		l.track.add("", 1, 0, 0)
	}
	return nil
}

// errLiteral reports a value the native format does not write.
var errLiteral = errors.New("unexpected literal")

// appendRows turns the VALUES list of a native extended INSERT into LOAD
// DATA lines: NULL as \N, strings with their escapes kept (the native
// escapes \0 \n \r \\ \' \Z mean the same to LOAD DATA) and commas
// escaped, hex literals as their digits, numbers as written.
func appendRows(b []byte, values string, kinds []valueKind) ([]byte, error) {
	s := values
	for {
		if len(s) == 0 || s[0] != '(' {
			return b, fmt.Errorf("%w: row does not start with (: %.20q", errLiteral, s)
		}
		s = s[1:]
		for i := range kinds {
			if i > 0 {
				if len(s) == 0 || s[0] != ',' {
					return b, fmt.Errorf("%w: missing comma: %.20q", errLiteral, s)
				}
				s = s[1:]
				b = append(b, ',')
			}
			var err error
			if b, s, err = appendField(b, s, kinds[i]); err != nil {
				return b, err
			}
		}
		if len(s) == 0 || s[0] != ')' {
			return b, fmt.Errorf("%w: row has more values than columns: %.20q", errLiteral, s)
		}
		b = append(b, '\n')
		s = s[1:]
		if len(s) == 0 {
			return b, nil
		}
		if s[0] != ',' {
			return b, fmt.Errorf("%w: after a row: %.20q", errLiteral, s)
		}
		s = s[1:]
	}
}

// appendField writes one value and returns the rest of the list.
func appendField(b []byte, s string, kind valueKind) ([]byte, string, error) {
	switch {
	case strings.HasPrefix(s, "NULL"):
		return append(b, `\N`...), s[4:], nil
	case strings.HasPrefix(s, "''"):
		return b, s[2:], nil
	case s != "" && s[0] == '\'' && kind != kindBinary:
		return appendString(b, s[1:])
	case strings.HasPrefix(s, "0x") && kind == kindBinary:
		s = s[2:]
	case s != "" && kind != kindBinary && kind != kindString:
	default:
		return b, s, fmt.Errorf("%w: %.20q", errLiteral, s)
	}
	n := strings.IndexAny(s, ",)")
	if n <= 0 {
		return b, s, fmt.Errorf("%w: bare value %.20q", errLiteral, s)
	}
	return append(b, s[:n]...), s[n:], nil
}

// appendString copies a quoted string's body (after the opening quote).
func appendString(b []byte, s string) ([]byte, string, error) {
	for {
		n := strings.IndexAny(s, `'\,`)
		if n < 0 {
			return b, s, fmt.Errorf("%w: unterminated string", errLiteral)
		}
		b = append(b, s[:n]...)
		switch s[n] {
		case '\'':
			return b, s[n+1:], nil
		case ',':
			b = append(b, '\\', ',')
			s = s[n+1:]
		default:
			if n+1 >= len(s) {
				return b, s, fmt.Errorf("%w: unterminated string", errLiteral)
			}
			b = append(b, '\\', s[n+1])
			s = s[n+2:]
		}
	}
}
