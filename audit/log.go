package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/access"
)

// Log appends entries to tenancy_audit (and, if given, as JSON lines to
// a file). It is an access.Sink.
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

// WithLines also writes each entry as one JSON line to w.
func (l *Log) WithLines(w io.Writer) *Log {
	l.lines = w
	return l
}

// Cut limits on what one entry keeps of a long text.
const (
	maxShort = 255
	maxText  = 4096
)

// Record implements access.Sink.
func (l *Log) Record(ctx context.Context, e access.Entry) {
	if err := l.write(ctx, e); err != nil && l.onError != nil {
		l.onError(e, err)
	}
}

func (l *Log) write(ctx context.Context, e access.Entry) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	l.mu.Lock()
	if !l.ready {
		if _, err := Init(ctx, l.db); err != nil {
			l.mu.Unlock()
			return err
		}
		l.ready = true
	}
	if l.lines != nil {
		b, _ := json.Marshal(jsonEntry(e))
		_, _ = l.lines.Write(append(b, '\n'))
	}
	l.mu.Unlock()
	_, err := l.db.ExecContext(ctx, "INSERT INTO `tenancy_audit` (`at`, `user`, `role`, `via`, `remote`, `action`, `target`, `detail`, `outcome`, `error`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		e.Time.UTC(), cut(e.User, maxShort), string(e.Role), e.Via, cut(e.Remote, maxShort), string(e.Action),
		cut(e.Target, maxShort), cut(e.Detail, maxText), e.Outcome, cut(e.Error, maxText))
	if err != nil {
		return fmt.Errorf("audit: record %s by %s: %w", e.Action, e.User, err)
	}
	return nil
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
