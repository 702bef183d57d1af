package config

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
)

// reachTimeout bounds the whole check: a dead host must not hang the tool.
const reachTimeout = 4 * time.Second

// CheckReachable connects to the central database and every server at
// once, and reports each one that does not answer by its key. DSNs that do
// not parse are left to Validate.
func (c *Config) CheckReachable(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, reachTimeout)
	defer cancel()
	type target struct{ key, dsn string }
	targets := []target{{"central.dsn", c.Central.DSN}}
	for i, s := range c.Servers {
		targets = append(targets, target{fmt.Sprintf("servers[%d].dsn (%s)", i, s.Name), s.DSN})
	}
	var (
		mu sync.Mutex
		p  problems
		wg sync.WaitGroup
	)
	for _, t := range targets {
		if _, err := ParseDSN(t.dsn); err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ping(ctx, t.dsn); err != nil {
				mu.Lock()
				if ctx.Err() != nil {
					err = fmt.Errorf("no answer within %s", reachTimeout)
				}
				p.add(t.key, "cannot connect: %v (is the server running, and are the address and credentials right?)", err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return p.err(c.Path)
}

func ping(ctx context.Context, dsn string) error {
	mc, err := ParseDSN(dsn)
	if err != nil {
		return err
	}
	mc.DBName = "" // reachability is about the server; a missing central database is `tenancy init`'s job
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	return db.PingContext(ctx)
}

// Merge combines configuration errors into one, so that every problem,
// whatever found it, is listed in a single message.
func Merge(errs ...error) error {
	var out *Error
	for _, err := range errs {
		var ce *Error
		switch {
		case err == nil:
			continue
		case !errors.As(err, &ce):
			return err
		case out == nil:
			out = &Error{Path: ce.Path, Problems: append([]Problem(nil), ce.Problems...)}
		default:
			out.Problems = append(out.Problems, ce.Problems...)
		}
	}
	if out == nil {
		return nil
	}
	return problems(out.Problems).err(out.Path)
}
