package backup

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tenancy-dev/tenancy/tenants"
)

// tableKeys are a table's plain secondary indexes, as SHOW CREATE TABLE
// writes them. The restore drops them before the data and builds them
// after it (a sorted build beats maintaining them row by row), as
// myloader's --innodb-optimize-keys does.
type tableKeys struct {
	table string
	names []string
	defs  []string
}

var plainKey = regexp.MustCompile("^KEY `((?:[^`]|``)+)` ")

// deferKeys drops the plain secondary indexes of every table of database
// that no foreign key touches, and returns them to be rebuilt.
func deferKeys(ctx context.Context, c *sql.Conn, database string) ([]tableKeys, error) {
	tables, err := queryStrings(ctx, c, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'", database)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	linked, err := queryStrings(ctx, c, `SELECT TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?
		UNION SELECT REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE UNIQUE_CONSTRAINT_SCHEMA = ?`, database, database)
	if err != nil {
		return nil, fmt.Errorf("list foreign keys: %w", err)
	}
	skip := map[string]bool{}
	for _, t := range linked {
		skip[t] = true
	}
	var out []tableKeys
	for _, t := range tables {
		if skip[t] {
			continue
		}
		ddl, err := showCreate(ctx, c, "SHOW CREATE TABLE "+tenants.QuoteIdent(t), 1)
		if err != nil {
			return nil, fmt.Errorf("show create table %s: %w", t, err)
		}
		k := tableKeys{table: t}
		for _, line := range strings.Split(ddl, "\n") {
			def := strings.TrimSuffix(strings.TrimSpace(line), ",")
			if m := plainKey.FindStringSubmatch(def); m != nil {
				k.names = append(k.names, strings.ReplaceAll(m[1], "``", "`"))
				k.defs = append(k.defs, "ADD "+def)
			}
		}
		if len(k.names) == 0 {
			continue
		}
		drops := make([]string, len(k.names))
		for i, n := range k.names {
			drops[i] = "DROP INDEX " + tenants.QuoteIdent(n)
		}
		if _, err := c.ExecContext(ctx, "ALTER TABLE "+tenants.QuoteIdent(t)+" "+strings.Join(drops, ", ")); err != nil {
			return nil, fmt.Errorf("defer indexes of %s: %w", t, err)
		}
		out = append(out, k)
	}
	return out, nil
}

// addKeys adds a table's deferred indexes on c. When ctx ends first the
// build is killed on the server too: the driver only closes its socket,
// and the server would finish the build, holding the table against the
// cleanup's DROP DATABASE.
func (l *loader) addKeys(ctx context.Context, c *sql.Conn, k tableKeys) error {
	var id int64
	if err := c.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		return fmt.Errorf("build indexes of %s: %w", k.table, err)
	}
	killed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(killed)
		kctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = l.db.ExecContext(kctx, "KILL QUERY "+strconv.FormatInt(id, 10))
	})
	_, err := c.ExecContext(ctx, "ALTER TABLE "+tenants.QuoteIdent(k.table)+" "+strings.Join(k.defs, ", "))
	if !stop() {
		<-killed // the kill has started: let it reach the server before the pool closes
	}
	if err != nil {
		return fmt.Errorf("build indexes of %s: %w", k.table, err)
	}
	return nil
}

// buildKeys adds the deferred indexes back, a table per connection.
func (l *loader) buildKeys(ctx context.Context, keys []tableKeys) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(l.workers)
	for _, k := range keys {
		g.Go(func() error {
			c, err := l.conn(gctx)
			if err != nil {
				return err
			}
			defer c.Close()
			l.track.step(StepLoad, "indexes of "+k.table)
			return l.addKeys(gctx, c, k)
		})
	}
	return g.Wait()
}

// earlyKeys builds the deferred indexes of each table whose data is in
// while the other tables load, one table at a time on a connection of its
// own: the table's pages are still in the buffer pool, and its build
// overlaps the load instead of waiting for the end of it.
type earlyKeys struct {
	loaded chan string
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	// claimed holds the tables whose build was started; over is set when
	// the load has ended: the build under way goes on, the rest are left to
	// buildKeys, which runs them in parallel meanwhile.
	claimed map[string]bool
	over    bool
	err     error
}

// startEarlyKeys starts the builder; tables is how many tables can be
// reported loaded, so that reporting never blocks; fail stops the load
// when a build fails.
func (l *loader) startEarlyKeys(ctx context.Context, keys []tableKeys, tables int, fail context.CancelCauseFunc) *earlyKeys {
	byTable := map[string]tableKeys{}
	for _, k := range keys {
		byTable[k.table] = k
	}
	l.loaded = make(chan string, tables+1)
	ctx, cancel := context.WithCancel(ctx)
	e := &earlyKeys{loaded: l.loaded, cancel: cancel, done: make(chan struct{}), claimed: map[string]bool{}}
	go func() {
		defer close(e.done)
		var c *sql.Conn
		defer func() {
			if c != nil {
				c.Close()
			}
		}()
		for name := range e.loaded {
			k, ok := byTable[name]
			if !ok || !e.claim(name) {
				continue // keep draining: reports never block
			}
			var err error
			if c == nil {
				c, err = l.conn(ctx)
			}
			if err == nil {
				err = l.addKeys(ctx, c, k)
			}
			if err != nil {
				e.mu.Lock()
				e.err = err
				e.mu.Unlock()
				fail(err)
			}
		}
	}()
	return e
}

// claim says whether the builder should build name now.
func (e *earlyKeys) claim(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.over || e.err != nil || e.claimed[name] {
		return false
	}
	e.claimed[name] = true
	return true
}

// tableLoaded reports that a table's data is committed.
func (l *loader) tableLoaded(name string) {
	select {
	case l.loaded <- name:
	default: // reported twice: a malformed file; the end-of-load build covers it
	}
}

// stop ends the builder's queue once nothing reports any more (after a
// failed load, abort, it also stops the build under way) and returns the
// tables whose build it started.
func (e *earlyKeys) stop(abort bool) map[string]bool {
	if abort {
		e.cancel()
	}
	e.mu.Lock()
	e.over = true
	claimed := maps.Clone(e.claimed)
	e.mu.Unlock()
	close(e.loaded)
	return claimed
}

// join waits for the build under way and returns the builder's error.
func (e *earlyKeys) join() error {
	<-e.done
	e.cancel()
	return e.err
}

// unbuilt is keys without the tables whose build was started.
func unbuilt(keys []tableKeys, started map[string]bool) []tableKeys {
	var out []tableKeys
	for _, k := range keys {
		if !started[k.table] {
			out = append(out, k)
		}
	}
	return out
}
