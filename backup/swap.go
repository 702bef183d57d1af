package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/tenancy-dev/tenancy/tenants"
)

var safeName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// sessionConn takes a connection from db set up as the dump's session.
func sessionConn(ctx context.Context, db *sql.DB) (*sql.Conn, error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open connection: %w", err)
	}
	for _, q := range sessionSetup {
		if _, err := c.ExecContext(ctx, q); err != nil {
			c.Close()
			return nil, fmt.Errorf("set up connection (%s): %w", q, err)
		}
	}
	return c, nil
}

// swapper replaces target's tables and objects by scratch's.
type swapper struct {
	scratch, target, old string
	sc, tc               *sql.Conn // sessions in scratch and in target
}

// swap moves scratch's tables into target with one RENAME TABLE (target's
// own go to an "old" database, dropped afterwards) and recreates the
// views, triggers, routines and events in target. Tables with triggers
// cannot change database, so triggers are dropped before and recreated
// after. If any step fails, target gets its own tables and objects back.
func (s *Service) swap(ctx context.Context, server, scratch, target string) error {
	srv, err := s.tenants.Servers().DB(ctx, server)
	if err != nil {
		return err
	}
	if _, err := srv.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+tenants.QuoteIdent(target)); err != nil {
		return fmt.Errorf("create database %s: %w", target, err)
	}
	sw := &swapper{scratch: scratch, target: target, old: strings.Replace(scratchName(target), "__restore_", "__old_", 1)}
	for _, side := range []struct {
		db   string
		conn **sql.Conn
	}{{scratch, &sw.sc}, {target, &sw.tc}} {
		mc, err := s.tenants.Servers().MySQLConfig(server, side.db)
		if err != nil {
			return err
		}
		pool, err := openPool(mc, 1)
		if err != nil {
			return err
		}
		defer pool.Close()
		if *side.conn, err = sessionConn(ctx, pool); err != nil {
			return err
		}
		defer (*side.conn).Close()
	}
	// Every object must be seen here: one left out would be lost (of the
	// restore) or would stop its table's RENAME (a trigger).
	newObjs, skipped, err := readObjects(ctx, sw.sc, scratch)
	if err == nil && len(skipped) > 0 {
		err = fmt.Errorf("could not read %s", strings.Join(skipped, ", "))
	}
	if err != nil {
		return fmt.Errorf("read restored objects: %w", err)
	}
	oldObjs, skipped, err := readObjects(ctx, sw.tc, target)
	if err == nil && len(skipped) > 0 {
		err = fmt.Errorf("could not read %s", strings.Join(skipped, ", "))
	}
	if err != nil {
		return fmt.Errorf("read objects of %s: %w", target, err)
	}
	newTables, err := queryStrings(ctx, sw.sc, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'", scratch)
	if err != nil {
		return fmt.Errorf("list restored tables: %w", err)
	}
	oldTables, err := queryStrings(ctx, sw.tc, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'", target)
	if err != nil {
		return fmt.Errorf("list tables of %s: %w", target, err)
	}
	if _, err := srv.ExecContext(ctx, "CREATE DATABASE "+tenants.QuoteIdent(sw.old)); err != nil {
		return fmt.Errorf("create database %s: %w", sw.old, err)
	}
	// From here on, a failure must put target back: undo on a context of
	// its own, so a cancelled caller still gets its database back.
	undoCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	dropOld := func() error { return tenants.DropDatabase(undoCtx, srv, sw.old) }
	if err := dropObjects(ctx, sw.sc, scratch, triggersOf(newObjs)); err != nil {
		return errors.Join(err, dropOld())
	}
	if err := dropObjects(ctx, sw.tc, target, oldObjs); err != nil {
		return errors.Join(err, createObjects(undoCtx, sw.tc, oldObjs), dropOld())
	}
	out := sw.renames(oldTables, target, sw.old)
	in := sw.renames(newTables, scratch, target)
	pairs := append(out, in...)
	if s.breakRename {
		pairs = append(pairs, sw.renames([]string{"no such table"}, scratch, target)...)
	}
	if err := rename(ctx, sw.tc, pairs); err != nil {
		return errors.Join(err, createObjects(undoCtx, sw.tc, oldObjs), dropOld())
	}
	if err := s.afterRename(createObjects(ctx, sw.tc, newObjs)); err != nil {
		back := append(sw.renames(newTables, target, scratch), sw.renames(oldTables, sw.old, target)...)
		undo := errors.Join(dropObjects(undoCtx, sw.tc, target, newObjs), rename(undoCtx, sw.tc, back))
		if undo != nil {
			return fmt.Errorf("%w; putting the original tables back also failed (%v): they are in database %s", err, undo, sw.old)
		}
		return errors.Join(err, createObjects(undoCtx, sw.tc, oldObjs), dropOld())
	}
	return dropOld()
}

// afterRename passes err on, or the test seam's injected failure.
func (s *Service) afterRename(err error) error {
	if err == nil && s.failAfterRename != nil {
		return s.failAfterRename
	}
	return err
}

func (sw *swapper) renames(tables []string, from, to string) []string {
	out := make([]string, len(tables))
	for i, t := range tables {
		out[i] = tenants.QuoteIdent(from) + "." + tenants.QuoteIdent(t) + " TO " + tenants.QuoteIdent(to) + "." + tenants.QuoteIdent(t)
	}
	return out
}

func rename(ctx context.Context, c *sql.Conn, pairs []string) error {
	if len(pairs) == 0 {
		return nil
	}
	if _, err := c.ExecContext(ctx, "RENAME TABLE "+strings.Join(pairs, ", ")); err != nil {
		return fmt.Errorf("swap tables: %w", err)
	}
	return nil
}

func triggersOf(objs []object) []object {
	var out []object
	for _, o := range objs {
		if o.Kind == "trigger" {
			out = append(out, o)
		}
	}
	return out
}

func dropObjects(ctx context.Context, c *sql.Conn, db string, objs []object) error {
	for i := len(objs) - 1; i >= 0; i-- {
		o := objs[i]
		q := "DROP " + strings.ToUpper(o.Kind) + " IF EXISTS " + tenants.QuoteIdent(db) + "." + tenants.QuoteIdent(o.Name)
		if _, err := c.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("drop %s %s: %w", o.Kind, o.Name, err)
		}
	}
	return nil
}

func createObjects(ctx context.Context, c *sql.Conn, objs []object) error {
	for _, o := range objs {
		if _, err := c.ExecContext(ctx, o.Create); err != nil {
			return fmt.Errorf("create %s %s: %w", o.Kind, o.Name, err)
		}
	}
	return nil
}
