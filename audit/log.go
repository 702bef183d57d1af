package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/access"
)

// Log appends entries to tenancy_audit and, if given, as JSON lines to
// a file. It is an access.Sink.
type Log struct {
	db *sqlx.DB
	// onError hears entries that could not be kept (the action itself
	// has happened; a service never prints).
	onError func(access.Entry, error)

	mu    sync.Mutex
	ready bool
	lines io.Writer
}

// New returns a log on the central database; onError (may be nil) hears
// the entries it could not write.
func New(central *sqlx.DB, onError func(access.Entry, error)) *Log {
	return &Log{db: central, onError: onError}
}

// WithLines also writes each entry as one JSON line to w (OpenLines),
// after its row: with the row's id, or without one when the row could
// not be inserted (the line is then the only record).
func (l *Log) WithLines(w io.Writer) *Log {
	l.lines = w
	return l
}

// Cut limits on what one entry keeps of a long text.
const (
	maxShort = 255
	maxText  = 4096
)

// Record implements access.Sink. A row or line it could not write goes
// to onError: the change has happened either way.
func (l *Log) Record(ctx context.Context, e access.Entry) {
	e.Time = e.Time.UTC().Truncate(time.Microsecond) // as the table keeps it
	id, err := l.insert(ctx, e)
	if err != nil && l.onError != nil {
		l.onError(e, err)
	}
	if l.lines == nil {
		return
	}
	if err := l.writeLine(id, e); err != nil && l.onError != nil {
		l.onError(e, err)
	}
}

func (l *Log) insert(ctx context.Context, e access.Entry) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	l.mu.Lock()
	if !l.ready {
		if _, err := Init(ctx, l.db); err != nil {
			l.mu.Unlock()
			return 0, fmt.Errorf("audit: record %s by %s: %w", e.Action, e.User, err)
		}
		l.ready = true
	}
	l.mu.Unlock()
	res, err := l.db.ExecContext(ctx, "INSERT INTO `tenancy_audit` (`at`, `user`, `role`, `via`, `remote`, `action`, `target`, `detail`, `outcome`, `error`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		e.Time.UTC(), cut(e.User, maxShort), string(e.Role), e.Via, cut(e.Remote, maxShort), string(e.Action),
		cut(e.Target, maxShort), cut(e.Detail, maxText), e.Outcome, cut(e.Error, maxText))
	if err != nil {
		return 0, fmt.Errorf("audit: record %s by %s: %w", e.Action, e.User, err)
	}
	id, _ := res.LastInsertId()
	return id, nil
}

// writeLine appends e as one JSON line in one write (an O_APPEND file
// keeps concurrent writers' lines whole).
func (l *Log) writeLine(id int64, e access.Entry) error {
	j := jsonEntry(e)
	j.ID = id
	b, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("audit: encode %s by %s: %w", e.Action, e.User, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.lines.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("audit: write %s by %s to the audit file: %w (the table keeps it; check [audit] file)", e.Action, e.User, err)
	}
	return nil
}

// OpenLines opens the JSON lines file at path ([audit] file) for
// appending, creating it (0600) and its folder (0700) if absent. A file
// others may read or write is refused, as the SSH host key is: the log
// names users, addresses and arguments.
func OpenLines(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit.file %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit.file %s: %w (check the path and who runs tenancy)", path, err)
	}
	st, err := f.Stat()
	if err == nil && st.Mode().Perm()&0o077 != 0 {
		err = fmt.Errorf("permissions %04o are too open: run chmod 600 %s", st.Mode().Perm(), path)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("audit.file %s: %w", path, err)
	}
	return f, nil
}

// cut keeps at most n bytes of s, never half a character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
