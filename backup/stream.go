package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tenancy-dev/tenancy/tenants"
)

// Copies stream a consistent native dump straight into the restore's
// loader through an io.Pipe: no file, no compression, the dump's bounded
// memory on one side and the loader's parallel prepared INSERTs on the
// other. Tenant clones and moves between servers are built on them.

// CopyResult tells what a copy did.
type CopyResult struct {
	Tables  int           `json:"tables"`
	Rows    int64         `json:"rows"`
	Bytes   int64         `json:"bytes"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Copy streams src's database, as of one instant, into the existing
// database dstDB on server dstServer (empty, or holding tables the copy
// replaces): tables, rows, views, triggers, routines and events. The
// caller creates dstDB and drops it if the copy fails.
func (s *Service) Copy(ctx context.Context, src tenants.Tenant, dstServer, dstDB string, progress func(Progress)) (CopyResult, error) {
	start := time.Now()
	b := Backup{TenantID: src.ID, Kind: KindFull, Compression: CompressNone, Server: src.Server, Database: src.Database, StartedAt: start.UTC()}
	st, err := s.stream(ctx, dstServer, dstDB, progress, func(ctx context.Context, out io.Writer, track *tracker) (dumpStats, error) {
		return s.native(ctx, b, out, track)
	})
	return CopyResult{Tables: st.Tables, Rows: st.Rows, Bytes: st.Bytes, Elapsed: time.Since(start)}, err
}

// CopyTables copies only the named tables of src (their definitions and
// rows; no views, triggers or routines) into dstDB on dstServer, for a
// second pass over what changed since a Copy. Tables linked to them by
// foreign keys, either way, are copied with them (a foreign key follows
// its table through RENAME TABLE, so a group is replaced whole). They are loaded into a
// scratch database beside dstDB and then swapped in with one RENAME
// TABLE, so dstDB always holds a whole version of each table. The caller
// holds src's tenant lock and keeps src's tables from changing meanwhile.
func (s *Service) CopyTables(ctx context.Context, src tenants.Tenant, dstServer, dstDB string, names []string, progress func(Progress)) (CopyResult, error) {
	start := time.Now()
	if len(names) == 0 {
		return CopyResult{}, nil
	}
	if err := s.dropLeftovers(ctx, src.ID); err != nil {
		return CopyResult{}, err
	}
	server, err := s.tenants.Servers().DB(ctx, dstServer)
	if err != nil {
		return CopyResult{}, err
	}
	scratch := scratchName(dstDB)
	if err := s.markScratch(ctx, dstServer, scratch, tenants.Tenant{ID: src.ID, Database: dstDB}); err != nil {
		return CopyResult{}, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if tenants.DropDatabase(cctx, server, scratch) == nil {
			_ = s.unmarkScratch(cctx, dstServer, scratch)
		}
	}()
	charset, collation := databaseCharset(ctx, server, dstDB)
	if _, err := server.ExecContext(ctx, "CREATE DATABASE "+tenants.QuoteIdent(scratch)+" CHARACTER SET "+charset+" COLLATE "+collation); err != nil {
		return CopyResult{}, fmt.Errorf("create database %s: %w", scratch, err)
	}
	only, err := s.linkedTables(ctx, src, names)
	if err != nil {
		return CopyResult{}, err
	}
	names = slices.Sorted(maps.Keys(only))
	st, err := s.stream(ctx, dstServer, scratch, progress, func(ctx context.Context, out io.Writer, track *tracker) (dumpStats, error) {
		return s.dumpTables(ctx, src, only, out, track)
	})
	res := CopyResult{Tables: st.Tables, Rows: st.Rows, Bytes: st.Bytes}
	if err == nil {
		err = s.replaceTables(ctx, dstServer, scratch, dstDB, names)
	}
	res.Elapsed = time.Since(start)
	return res, err
}

// linkedTables is names with every table a chain of foreign keys links
// to one of them, in src's database.
func (s *Service) linkedTables(ctx context.Context, src tenants.Tenant, names []string) (map[string]bool, error) {
	server, err := s.tenants.Servers().DB(ctx, src.Server)
	if err != nil {
		return nil, err
	}
	var links []struct {
		From string `db:"TABLE_NAME"`
		To   string `db:"REFERENCED_TABLE_NAME"`
	}
	err = server.SelectContext(ctx, &links, "SELECT TABLE_NAME, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND UNIQUE_CONSTRAINT_SCHEMA = ?", src.Database, src.Database)
	if err != nil {
		return nil, fmt.Errorf("list foreign keys of %s: %w", src.Database, err)
	}
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	for grew := true; grew; {
		grew = false
		for _, l := range links {
			if out[l.From] != out[l.To] {
				out[l.From], out[l.To], grew = true, true, true
			}
		}
	}
	return out, nil
}

// dumpFunc writes a native dump to out.
type dumpFunc func(ctx context.Context, out io.Writer, track *tracker) (dumpStats, error)

// stream runs dump into a pipe that the loader reads into dstDB. When
// either side fails, the other is stopped through the pipe.
func (s *Service) stream(ctx context.Context, dstServer, dstDB string, progress func(Progress), dump dumpFunc) (dumpStats, error) {
	mc, err := s.tenants.Servers().MySQLConfig(dstServer, dstDB)
	if err != nil {
		return dumpStats{}, err
	}
	if mc.DialFunc == nil {
		mc.DialFunc = watchedDial
	}
	db, err := openPool(mc, s.cfg.Workers+2)
	if err != nil {
		return dumpStats{}, err
	}
	defer db.Close()
	// Both sides report: one at a time, as a tracker does.
	var mu sync.Mutex
	report := func(p Progress) {
		if progress != nil {
			mu.Lock()
			defer mu.Unlock()
			progress(p)
		}
	}
	dumpTrack := newTracker(report)
	// The loader's own counts (statements) are not the dump's rows: only
	// its steps after the data (indexes, objects) are passed on.
	loadTrack := newTracker(func(p Progress) {
		if p.Step == StepLoad && p.Table != "" && p.Table != "data" && p.Table != "schema" {
			report(Progress{Step: StepLoad, Table: p.Table, Elapsed: p.Elapsed})
		}
	})
	l := &loader{db: db, database: dstDB, workers: s.cfg.Workers, track: loadTrack}
	pr, pw := io.Pipe()
	var st dumpStats
	var dumpErr, loadErr error
	var g errgroup.Group
	g.Go(func() error {
		st, dumpErr = dump(ctx, pw, dumpTrack)
		pw.CloseWithError(dumpErr) // nil: the loader reads EOF after the footer
		return nil
	})
	g.Go(func() error {
		loadErr = l.load(ctx, pr, "the copy into "+dstDB+" on "+dstServer)
		if loadErr == nil {
			loadErr = ctx.Err()
		}
		pr.CloseWithError(errors.Join(loadErr, errCopyStopped))
		return nil
	})
	_ = g.Wait()
	// A side stopped by the other reports the pipe: name the cause.
	if dumpErr != nil && errors.Is(dumpErr, errCopyStopped) {
		dumpErr = nil
	}
	if loadErr != nil && errors.Is(loadErr, dumpErr) {
		loadErr = nil
	}
	if err := firstCause(dumpErr, loadErr); err != nil {
		return st, fmt.Errorf("copy into %s on %s: %w", dstDB, dstServer, err)
	}
	return st, nil
}

// errCopyStopped tells the dump that the loader has stopped reading.
var errCopyStopped = errors.New("the load stopped reading the copy")

// dumpTables dumps the tables of src named in only, on [backup] workers
// connections reading one snapshot.
func (s *Service) dumpTables(ctx context.Context, src tenants.Tenant, only map[string]bool, out io.Writer, track *tracker) (dumpStats, error) {
	var st dumpStats
	mc, err := s.tenants.Servers().MySQLConfig(src.Server, src.Database)
	if err != nil {
		return st, err
	}
	db, err := openPool(mc, s.cfg.Workers)
	if err != nil {
		return st, err
	}
	defer db.Close()
	j := &dumpJob{db: db, database: src.Database, kind: KindFull, compression: CompressNone,
		workers: s.cfg.Workers, chunkBytes: s.chunkBytes, out: out, track: track,
		head: header{Tool: "tenancy", Version: Version, Server: src.Server, Tenant: src.ID, Database: src.Database, Kind: KindFull, Time: time.Now()}}
	snap, err := openSnapshot(ctx, db, s.cfg.Workers)
	if err != nil {
		return st, err
	}
	defer snap.close()
	j.head.Snapshot = snap.mode
	all, err := readTables(ctx, snap.conns[0], src.Database)
	if err != nil {
		return st, err
	}
	var tables []table
	ddl := ""
	for _, t := range all {
		if only[t.Name] {
			tables = append(tables, t)
			ddl += tableDDL(t)
		}
	}
	if len(tables) != len(only) {
		return st, fmt.Errorf("copy tables of %s: %d of the %d tables asked for exist on %s", src.Database, len(tables), len(only), src.Server)
	}
	tasks, err := j.plan(ctx, snap.conns[0], tables)
	if err != nil {
		return st, err
	}
	fr, _ := newFramer(CompressNone)
	if err := j.writeFrame(fr, []byte(j.head.render()+ddl+"\n"+markData+"\n")); err != nil {
		return st, err
	}
	if err := j.runWorkers(ctx, snap.conns, tasks); err != nil {
		return st, err
	}
	if err := j.writeFrame(fr, []byte(objectsSQL(nil))); err != nil {
		return st, err
	}
	st.Tables, st.Mode = len(tables), snap.mode
	st.Rows, st.Bytes = track.totals()
	return st, j.writeFrame(fr, []byte(footer(st.Tables, st.Rows, st.Bytes)))
}

// replaceTables moves the named tables from scratch into target with one
// RENAME TABLE (target's versions go to an "old" database, dropped
// afterwards). Triggers cannot follow a table into another database, so
// target's triggers are dropped before and recreated after; if anything
// fails, target keeps its own tables and triggers.
func (s *Service) replaceTables(ctx context.Context, server, scratch, target string, names []string) error {
	srv, err := s.tenants.Servers().DB(ctx, server)
	if err != nil {
		return err
	}
	mc, err := s.tenants.Servers().MySQLConfig(server, target)
	if err != nil {
		return err
	}
	pool, err := openPool(mc, 1)
	if err != nil {
		return err
	}
	defer pool.Close()
	c, err := sessionConn(ctx, pool)
	if err != nil {
		return err
	}
	defer c.Close()
	objs, skipped, err := readObjects(ctx, c, target)
	if err == nil && len(skipped) > 0 {
		err = fmt.Errorf("could not read %s", strings.Join(skipped, ", "))
	}
	if err != nil {
		return fmt.Errorf("read objects of %s: %w", target, err)
	}
	triggers := triggersOf(objs)
	existing, err := queryStrings(ctx, c, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'", target)
	if err != nil {
		return fmt.Errorf("list tables of %s: %w", target, err)
	}
	old := strings.Replace(scratchName(target), "__restore_", "__old_", 1)
	if _, err := srv.ExecContext(ctx, "CREATE DATABASE "+tenants.QuoteIdent(old)); err != nil {
		return fmt.Errorf("create database %s: %w", old, err)
	}
	undoCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	defer func() { _ = tenants.DropDatabase(undoCtx, srv, old) }()
	sw := &swapper{}
	var out []string
	for _, n := range names {
		if slices.Contains(existing, n) {
			out = append(out, n)
		}
	}
	pairs := append(sw.renames(out, target, old), sw.renames(names, scratch, target)...)
	if err := dropObjects(ctx, c, target, triggers); err != nil {
		return errors.Join(err, createObjects(undoCtx, c, triggers))
	}
	if err := rename(ctx, c, pairs); err != nil {
		return errors.Join(err, createObjects(undoCtx, c, triggers))
	}
	if err := createObjects(ctx, c, triggers); err != nil {
		back := append(sw.renames(names, target, scratch), sw.renames(out, old, target)...)
		return errors.Join(err, rename(undoCtx, c, back), createObjects(undoCtx, c, triggers))
	}
	return nil
}
