package config

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/go-sql-driver/mysql"
)

// CheckReachable connects to the central database and every server at
// once, and reports each one that does not answer by its key.
func (c *Config) CheckReachable(ctx context.Context) error {
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
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ping(ctx, t.dsn); err != nil {
				mu.Lock()
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
