package backup

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"

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
			if _, err := c.ExecContext(gctx, "ALTER TABLE "+tenants.QuoteIdent(k.table)+" "+strings.Join(k.defs, ", ")); err != nil {
				return fmt.Errorf("build indexes of %s: %w", k.table, err)
			}
			return nil
		})
	}
	return g.Wait()
}
