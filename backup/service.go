package backup

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/go-sql-driver/mysql"
	"golang.org/x/sync/errgroup"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// Version is the file format, written into every header. Format 2 writes
// names in comments %XX-encoded and starts a MariaDB server's files with
// the client's sandbox line; restores read formats 1 and 2.
const Version = "2"

// Service makes, lists, verifies, restores and expires tenant backups.
type Service struct {
	tenants *tenants.Service
	cfg     config.Backup
	cat     catalog
	store   store
	// recipients encrypt new backups ([backup] encrypt_to); identities
	// decrypt them (UseIdentityFile, else [backup] identity_file).
	recipients []age.Recipient
	identities []age.Identity

	// wrapWrite, when set (by tests), wraps every backup file's writer:
	// the seam through which a disk write failure is injected.
	wrapWrite func(io.Writer) io.Writer
	// failAfterRename, when set (by tests), fails the swap once the tables
	// were renamed: the seam for the swap's own rollback.
	failAfterRename error
	// failSync, when set (by tests), is what fsync of a backup file returns.
	failSync error
	// breakRename, when set (by tests), adds a pair to the swap's RENAME
	// TABLE that the server cannot rename, so the whole statement fails.
	breakRename bool
	// reportAll, when set (by tests), reports a dump's progress at every
	// count, from the worker that counted, in the middle of its rows.
	reportAll bool
	// chunkBytes is the size of a large table's key range (tests shrink it).
	chunkBytes int64
}

// Open returns the backup service over the tenant service, creating the
// catalog table when it is absent (unless read-only).
func Open(ctx context.Context, svc *tenants.Service) (*Service, error) {
	return openWith(ctx, svc, svc.Config().Backup)
}

// openWith opens the service with cfg as its [backup] section.
func openWith(ctx context.Context, svc *tenants.Service, cfg config.Backup) (*Service, error) {
	if !svc.ReadOnly() {
		if _, err := InitCatalog(ctx, svc.Central()); err != nil {
			return nil, err
		}
	}
	cat, err := openCatalog(ctx, svc.Central())
	if err != nil {
		return nil, err
	}
	st, err := openStore(cfg)
	if err != nil {
		return nil, err
	}
	recipients, err := parseRecipients(cfg.EncryptTo)
	if err != nil {
		return nil, err
	}
	return &Service{tenants: svc, cfg: cfg, cat: cat, store: st, recipients: recipients, chunkBytes: 16 << 20}, nil
}

// UseIdentityFile makes restores and full verifies of encrypted backups
// decrypt with the age identities in path (instead of [backup]
// identity_file).
func (s *Service) UseIdentityFile(path string) error {
	ids, err := readIdentities(path)
	if err != nil {
		return err
	}
	s.identities = ids
	return nil
}

// identitiesFor returns the identities that decrypt b: none when b is not
// encrypted; UseIdentityFile's, else [backup] identity_file's.
func (s *Service) identitiesFor(b Backup) ([]age.Identity, error) {
	if !encrypted(b.File) || len(s.identities) > 0 || s.cfg.IdentityFile == "" {
		return s.identities, nil
	}
	ids, err := readIdentities(s.cfg.IdentityFile)
	if err != nil {
		return nil, fmt.Errorf("[backup] identity_file: %w", err)
	}
	return ids, nil
}

// CreateRequest says what to back up and how.
type CreateRequest struct {
	Tenant tenants.Tenant
	// Kind is full (default), structure, final or orphan.
	Kind string
	// Compression defaults to [backup] compression.
	Compression string
}

// fileName is <folder>_<YYYY-MM-DD_HH-MM-SS>_<kind>.sql[.zst|.gz][.age].
func fileName(tenantID string, at time.Time, kind, compression string, encrypt bool) string {
	name := fmt.Sprintf("%s_%s_%s.sql%s", tenantFolder(tenantID), at.UTC().Format("2006-01-02_15-04-05"), kind, extension(compression))
	if encrypt {
		name += ageExt
	}
	return name
}

// tenantFolder names a tenant's backup folder: its id when the id follows
// the rule for new names (a UUID, a slug), else "~" and a hash of the id,
// so that an id a registry holds ("../x", "a/b", a newline) never leaves
// the backup folder or reaches a path raw. "~" never starts a valid id.
func tenantFolder(id string) string {
	if tenants.ValidateNewName("tenant id", id, 200) == nil {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "~" + hex.EncodeToString(sum[:16])
}

// Path returns where a backup is: a file's path, or an s3:// URL.
func (s *Service) Path(b Backup) string {
	return s.storeFor(b).Location(b.File)
}

// storeFor is the store that holds b: a file outside the catalog given
// by its path is read where it is.
func (s *Service) storeFor(b Backup) store {
	if filepath.IsAbs(b.File) {
		return &fileStore{}
	}
	return s.store
}

// Create backs up one tenant. The file appears under its final name and
// the catalog row turns complete only once everything is on disk; on any
// failure, cancellation included, neither is left looking complete. With
// [backup] cleanup_after_backup, the retention policy runs after it.
func (s *Service) Create(ctx context.Context, req CreateRequest, progress func(Progress)) (_ Backup, err error) {
	if err := access.Require(ctx, access.BackupCreate, req.Tenant.ID); err != nil {
		return Backup{}, err
	}
	defer access.Done(ctx, access.BackupCreate, req.Tenant.ID, &err, "kind="+req.Kind)
	b, err := s.create(ctx, req, progress)
	if err != nil || !s.cfg.CleanupAfter {
		return b, err
	}
	if p := PolicyFrom(s.cfg.Retention); !p.Empty() {
		if _, err := s.Cleanup(ctx, b.TenantID, p, false); err != nil {
			return b, fmt.Errorf("backup %s is complete but the cleanup after it failed: %w", b.File, err)
		}
	}
	return b, nil
}

// Result is one tenant's outcome in CreateMany.
type Result struct {
	Tenant tenants.Tenant
	Backup Backup
	Err    error
}

// CreateMany backs up tenants, [backup] parallel_tenants at a time. One
// tenant's failure does not stop the others.
func (s *Service) CreateMany(ctx context.Context, list []tenants.Tenant, kind, compression string, progress func(tenantID string, p Progress)) []Result {
	out := make([]Result, len(list))
	var g errgroup.Group
	g.SetLimit(s.cfg.ParallelTenants)
	for i, t := range list {
		g.Go(func() error {
			var fn func(Progress)
			if progress != nil {
				fn = func(p Progress) { progress(t.ID, p) }
			}
			b, err := s.Create(ctx, CreateRequest{Tenant: t, Kind: kind, Compression: compression}, fn)
			out[i] = Result{Tenant: t, Backup: b, Err: err}
			return nil
		})
	}
	_ = g.Wait()
	return out
}

func (s *Service) create(ctx context.Context, req CreateRequest, progress func(Progress)) (Backup, error) {
	t := req.Tenant
	if s.tenants.ReadOnly() {
		return Backup{}, tenants.ErrReadOnly
	}
	if req.Kind == "" {
		req.Kind = KindFull
	}
	switch req.Kind {
	case KindFull, KindStructure, KindFinal, KindOrphan:
	default:
		return Backup{}, fmt.Errorf("%q is not a backup kind: use full or structure (final and orphan are made by delete and doctor)", req.Kind)
	}
	if req.Compression == "" {
		req.Compression = s.cfg.Compression
	}
	if err := checkCompression(req.Compression); err != nil {
		return Backup{}, err
	}
	lock, err := tenants.AcquireLock(ctx, s.tenants.Central(), t.ID)
	if err != nil {
		return Backup{}, err
	}
	defer lock.Release()
	folder := tenantFolder(t.ID)
	if _, err := s.store.CleanLeftovers(ctx, folder); err != nil {
		return Backup{}, err
	}
	if err := s.cat.failInterrupted(ctx, t.ID); err != nil {
		return Backup{}, err
	}
	encrypt := len(s.recipients) > 0
	started := time.Now().UTC().Truncate(time.Second)
	for {
		taken, err := s.store.Exists(ctx, objectName(folder, fileName(t.ID, started, req.Kind, req.Compression, encrypt)))
		if err != nil {
			return Backup{}, err
		}
		if !taken {
			break
		}
		started = started.Add(time.Second) // one a second: the name holds seconds
	}
	b := Backup{
		TenantID: t.ID, Kind: req.Kind, Compression: req.Compression, Engine: s.cfg.Engine,
		File:   objectName(folder, fileName(t.ID, started, req.Kind, req.Compression, encrypt)),
		Server: t.Server, Database: t.Database, StartedAt: started,
	}
	if encrypt {
		b.EncryptedTo = Recipients(s.cfg.EncryptTo)
	}
	if err := s.cat.insertRunning(ctx, &b); err != nil {
		return Backup{}, err
	}
	if err := s.write(ctx, &b, progress); err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if merr := s.cat.markFailed(cctx, b.ID, err); merr != nil {
			err = fmt.Errorf("%w (and %v)", err, merr)
		}
		return Backup{}, fmt.Errorf("back up tenant %s: %w", t.ID, err)
	}
	if err := s.cat.markComplete(context.WithoutCancel(ctx), &b); err != nil {
		return b, err
	}
	err = rewriteMetadata(context.WithoutCancel(ctx), s.store, t.ID, func(list []Backup) []Backup { return append(list, b) })
	if err != nil {
		return b, fmt.Errorf("backup %s is complete but its metadata.json could not be written (the next backup of the tenant writes it again): %w", s.Path(b), err)
	}
	return b, nil
}

// write dumps into the store (through age when encrypting) and commits:
// the backup is visible only once that succeeds.
func (s *Service) write(ctx context.Context, b *Backup, progress func(Progress)) error {
	w, err := s.createWriter(ctx, b)
	if err != nil {
		return err
	}
	stored := &hashingWriter{w: w, hash: sha256.New()}
	var out io.Writer = stored
	var enc io.WriteCloser
	if len(s.recipients) > 0 {
		if enc, err = age.Encrypt(stored, s.recipients...); err != nil {
			w.Abort()
			return fmt.Errorf("encrypt %s: %w", s.Path(*b), err)
		}
		out = enc
	}
	track := newTracker(progress)
	if s.reportAll {
		track.every = 0
	}
	var st dumpStats
	if b.Engine == "mysqldump" {
		st, err = s.mysqldump(ctx, *b, out)
	} else {
		st, err = s.native(ctx, *b, out, track)
	}
	if err == nil && enc != nil {
		err = enc.Close()
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		w.Abort()
		return err
	}
	track.step(StepFinish, "")
	if err := w.Commit(); err != nil {
		return err
	}
	now := time.Now().UTC()
	b.Size, b.SHA256, b.FinishedAt = stored.n, hex.EncodeToString(stored.hash.Sum(nil)), &now
	b.Tables, b.Rows, b.RawBytes, b.SnapshotMode = st.Tables, st.Rows, st.Bytes, st.Mode
	if len(st.Skipped) > 0 {
		b.SnapshotMode += "; not readable, so not included: " + strings.Join(st.Skipped, ", ")
	}
	return nil
}

// createWriter starts b's file in the store: the folder with the tests'
// seams, or an upload sized by the database's size.
func (s *Service) createWriter(ctx context.Context, b *Backup) (storeWriter, error) {
	if fs, ok := s.store.(*fileStore); ok {
		cp := *fs
		cp.wrap = s.wrapWrite
		if s.failSync != nil {
			cp.sync = func(*os.File) error { return s.failSync }
		}
		return cp.Create(ctx, b.File, 0)
	}
	return s.store.Create(ctx, b.File, s.sizeHint(ctx, *b))
}

// sizeHint is the server's estimate of the tenant's data and index size
// (0 when unknown): an upper bound of the compressed backup in practice.
func (s *Service) sizeHint(ctx context.Context, b Backup) int64 {
	server, err := s.tenants.Servers().DB(ctx, b.Server)
	if err != nil {
		return 0
	}
	var n sql.NullInt64
	_ = server.QueryRowxContext(ctx, "SELECT SUM(DATA_LENGTH + INDEX_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", b.Database).Scan(&n)
	return n.Int64
}

// hashingWriter counts and hashes what reaches the store.
type hashingWriter struct {
	w    io.Writer
	hash hash.Hash
	n    int64
}

func (h *hashingWriter) Write(p []byte) (int, error) {
	n, err := h.w.Write(p)
	h.hash.Write(p[:n])
	h.n += int64(n)
	return n, err
}

func (s *Service) native(ctx context.Context, b Backup, out io.Writer, track *tracker) (dumpStats, error) {
	mc, err := s.tenants.Servers().MySQLConfig(b.Server, b.Database)
	if err != nil {
		return dumpStats{}, err
	}
	db, err := openPool(mc, s.cfg.Workers)
	if err != nil {
		return dumpStats{}, err
	}
	defer db.Close()
	job := &dumpJob{
		db: db, database: b.Database, kind: b.Kind, compression: b.Compression,
		workers: s.cfg.Workers, chunkBytes: s.chunkBytes, out: out, track: track,
		head: header{Tool: "tenancy", Version: Version, Server: b.Server, Tenant: b.TenantID,
			Database: b.Database, Kind: b.Kind, Time: b.StartedAt},
	}
	return job.run(ctx)
}

// openPool opens a private pool for dump or restore connections: times
// as text (parseTime off) and never multiStatements.
func openPool(mc *mysql.Config, conns int) (*sql.DB, error) {
	mc = mc.Clone()
	mc.ParseTime = false
	mc.MultiStatements = false
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(conns + 1)
	db.SetMaxIdleConns(conns + 1)
	return db, nil
}

// List returns the catalog's backups, of one tenant when tenantID is set.
func (s *Service) List(ctx context.Context, tenantID string) ([]Backup, error) {
	return s.cat.list(ctx, tenantID)
}

// Find resolves BACKUP: a catalog id, a name in the store
// (<tenant folder>/<file>, or its s3:// URL), or a local file path
// (absolute, relative to the working folder, or relative to the backup
// folder). A file the catalog does not know is returned with only File set.
func (s *Service) Find(ctx context.Context, ref string) (Backup, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return s.cat.get(ctx, id)
	}
	if st, ok := s.store.(*s3Store); ok {
		if b, found, err := s.findObject(ctx, st, ref); err != nil || found {
			return b, err
		}
	}
	root := s.cfg.Dir
	if fs, ok := s.store.(*fileStore); ok {
		root = fs.root
	}
	path := ref
	if _, err := os.Stat(path); err != nil {
		path = filepath.Join(root, ref)
		if _, err := os.Stat(path); err != nil {
			return Backup{}, fmt.Errorf("backup %s: neither a catalog id, nor a backup in %s, nor a file (%v)", ref, s.store.Location(""), err)
		}
	}
	abs, _ := filepath.Abs(path)
	rootAbs, _ := filepath.Abs(root)
	if _, isFile := s.store.(*fileStore); isFile {
		if rel, err := filepath.Rel(rootAbs, abs); err == nil && !strings.HasPrefix(rel, "..") {
			b, ok, err := s.cat.byFile(ctx, filepath.ToSlash(rel))
			if err != nil || ok {
				return b, err
			}
		}
	}
	return Backup{File: abs, Compression: compressionOf(abs), Status: StatusComplete}, nil
}

// findObject resolves ref as an object of the S3 store.
func (s *Service) findObject(ctx context.Context, st *s3Store, ref string) (Backup, bool, error) {
	name := strings.TrimPrefix(ref, st.Location(""))
	if strings.HasPrefix(name, "s3://") {
		return Backup{}, false, fmt.Errorf("backup %s is not in this store (%s): fix [backup] storage or the name", ref, st.Location(""))
	}
	if b, ok, err := s.cat.byFile(ctx, name); err != nil || ok {
		return b, ok, err
	}
	ok, err := st.Exists(ctx, name)
	if err != nil || !ok {
		return Backup{}, false, err
	}
	return Backup{File: name, Compression: compressionOf(name), Status: StatusComplete}, true, nil
}
