package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"filippo.io/age"
	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/tenants"
)

// RestoreRequest says which backup goes where.
type RestoreRequest struct {
	Backup Backup
	// Target is the tenant whose database is replaced: the backup's own
	// tenant, or another one (--into).
	Target tenants.Tenant
	// NewDatabase, when set, loads into a new database of that name on
	// Target's server instead of replacing Target's database.
	NewDatabase string
}

// RestoreResult tells what a restore did.
type RestoreResult struct {
	Server     string        `json:"server"`
	Database   string        `json:"database"`
	Scratch    string        `json:"scratch_database,omitempty"`
	Statements int64         `json:"statements"`
	Bytes      int64         `json:"bytes"`
	Elapsed    time.Duration `json:"elapsed_ns"`
}

// Restore verifies the backup, loads it into a scratch database on the
// target's server and swaps it in with one RENAME TABLE (or loads it into
// a new database). On any failure the target database is left as it was
// and the scratch database is dropped.
func (s *Service) Restore(ctx context.Context, req RestoreRequest, progress func(Progress)) (_ RestoreResult, err error) {
	action := access.BackupRestore // over the target's database
	if req.NewDatabase != "" {
		action = access.BackupRestoreNew
	}
	if err := access.Require(ctx, action, req.Target.ID); err != nil {
		return RestoreResult{}, err
	}
	defer access.Done(ctx, action, req.Target.ID, &err, fmt.Sprintf("backup=%d new_database=%s", req.Backup.ID, req.NewDatabase))
	start := time.Now()
	res := RestoreResult{Server: req.Target.Server, Database: req.Target.Database}
	if s.tenants.ReadOnly() {
		return res, tenants.ErrReadOnly
	}
	track := newTracker(progress)
	track.step(StepVerify, "")
	// See restore_read.go: what is checked before anything is loaded, and
	// while loading (the footer always, before the swap).
	ids, err := s.identitiesFor(req.Backup)
	if err != nil {
		return res, fmt.Errorf("restore refused: %w", err)
	}
	hashWhileLoading, rawBytes, err := s.checkBeforeLoad(ctx, req.Backup, ids)
	if err != nil {
		return res, fmt.Errorf("restore refused: %w", err)
	}
	track.estimate("", 0, rawBytes)
	lock, err := tenants.AcquireLock(ctx, s.tenants.Central(), req.Target.ID)
	if err != nil {
		return res, err
	}
	defer lock.Release()
	if err := s.dropLeftovers(ctx, req.Target.ID); err != nil {
		return res, err
	}
	server, err := s.tenants.Servers().DB(ctx, req.Target.Server)
	if err != nil {
		return res, err
	}
	into := req.NewDatabase
	if into != "" {
		if err := tenants.ValidateDatabaseName(into); err != nil {
			return res, err
		}
		res.Database = into
	} else {
		into = scratchName(req.Target.Database)
		res.Scratch = into
	}
	if exists, err := tenants.DatabaseExists(ctx, server, into); err != nil {
		return res, err
	} else if exists {
		return res, fmt.Errorf("database %s already exists on %s: pick another name", into, req.Target.Server)
	}
	if req.NewDatabase == "" {
		if err := s.markScratch(ctx, req.Target.Server, into, req.Target); err != nil {
			return res, err
		}
	}
	cleanup := func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if tenants.DropDatabase(cctx, server, into) == nil && req.NewDatabase == "" {
			_ = s.unmarkScratch(cctx, req.Target.Server, into)
		}
	}
	charset, collation := databaseCharset(ctx, server, req.Target.Database)
	if _, err := server.ExecContext(ctx, "CREATE DATABASE "+tenants.QuoteIdent(into)+" CHARACTER SET "+charset+" COLLATE "+collation); err != nil {
		cleanup()
		return res, fmt.Errorf("create database %s: %w", into, err)
	}
	src := backupSource{b: req.Backup, ids: ids, hash: hashWhileLoading}
	if err := s.loadInto(ctx, req.Target.Server, into, src, track, &res); err != nil {
		cleanup()
		return res, err
	}
	if req.NewDatabase == "" {
		track.step(StepSwap, "")
		err := s.swap(ctx, req.Target.Server, into, req.Target.Database)
		cleanup()
		if err != nil {
			return res, err
		}
	}
	res.Elapsed = time.Since(start)
	track.step(StepFinish, "")
	return res, nil
}

// backupSource is the backup a restore reads: decrypted with ids when
// encrypted, its checksum compared at the end when hash is set.
type backupSource struct {
	b    Backup
	ids  []age.Identity
	hash bool
}

// open streams the backup's SQL. check, called after the load, reads the
// rest and compares the checksum (when hash is set).
func (s *Service) openSource(ctx context.Context, src backupSource) (sql io.Reader, check func() error, closeFn func(), err error) {
	st := s.storeFor(src.b)
	where := st.Location(src.b.File)
	rc, err := st.Open(ctx, src.b.File)
	if err != nil {
		return nil, nil, nil, err
	}
	stored := newStoredReader(rc)
	var plain io.Reader = stored
	if encrypted(src.b.File) {
		if plain, err = decrypt(stored, src.b, where, src.ids); err != nil {
			rc.Close()
			return nil, nil, nil, err
		}
	}
	check = func() error { return nil }
	if src.hash {
		check = func() error { return stored.check(where, src.b) }
	}
	return plain, check, func() { rc.Close() }, nil
}

func (s *Service) loadInto(ctx context.Context, server, database string, src backupSource, track *tracker, res *RestoreResult) error {
	mc, err := s.tenants.Servers().MySQLConfig(server, database)
	if err != nil {
		return err
	}
	if mc.DialFunc == nil {
		mc.DialFunc = watchedDial
	}
	// The schema session, the load connections, one for early index
	// builds and one to kill a build when the load is stopped.
	db, err := openPool(mc, s.cfg.Workers+2)
	if err != nil {
		return err
	}
	defer db.Close()
	r, check, closeSrc, err := s.openSource(ctx, src)
	if err != nil {
		return fmt.Errorf("restore into %s: %w", database, err)
	}
	defer closeSrc()
	l := &loader{db: db, database: database, workers: s.cfg.Workers, track: track}
	track.step(StepLoad, "schema")
	err = l.load(ctx, r, s.Path(src.b))
	res.Statements, res.Bytes = l.statements.Load(), track.bytes()
	if err == nil {
		err = check()
	}
	if err != nil {
		return fmt.Errorf("restore into %s: %w", database, err)
	}
	return ctx.Err()
}

// scratchName is <db>__restore_<random>, shortened to MySQL's 64 characters.
func scratchName(db string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	suffix := "__restore_" + hex.EncodeToString(b)
	// MySQL counts characters: cut whole ones, never a UTF-8 sequence.
	if r := []rune(db); len(r)+len(suffix) > tenants.MaxDatabaseName {
		db = string(r[:tenants.MaxDatabaseName-len(suffix)])
	}
	return db + suffix
}

// databaseCharset returns a database's charset and collation (validated
// names from information_schema), or utf8mb4 defaults.
func databaseCharset(ctx context.Context, server *sqlx.DB, db string) (string, string) {
	var cs, co string
	err := server.QueryRowxContext(ctx, "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", db).Scan(&cs, &co)
	if err != nil || !safeName.MatchString(cs) || !safeName.MatchString(co) {
		return "utf8mb4", "utf8mb4_unicode_ci"
	}
	return cs, co
}
