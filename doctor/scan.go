package doctor

import (
	"context"
	"fmt"
	"time"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
)

// domainRow is one row of the central domains table, owner or not.
type domainRow struct {
	ID       int64  `db:"id"`
	Domain   string `db:"domain"`
	TenantID string `db:"tenant_id"`
}

// restoreRow is a scratch database a restore recorded.
type restoreRow struct {
	Server   string `db:"server"`
	Database string `db:"database_name"`
	TenantID string `db:"tenant_id"`
}

// snapshot is everything the checks look at, read once.
type snapshot struct {
	all     []tenants.Tenant
	byID    map[string]*tenants.Tenant
	domains []domainRow
	servers map[string]*serverState
	// referenced holds every database name any row records or derives,
	// on whatever server: none of them is ever an orphan.
	referenced map[string]bool
	naming     naming
	central    string
	// known is the newest version of the tenant migrations (-1: unknown).
	known    int64
	backups  []backup.Backup
	catErr   error
	restores []restoreRow
	queries  int
}

// scan reads the registry, then every configured server in parallel-free
// batches (a handful of statements per server), then the backup catalog.
func (s *Service) scan(ctx context.Context, wantBackups bool) (*snapshot, error) {
	all, err := s.ts.List(ctx, tenants.ListOptions{})
	if err != nil {
		return nil, err
	}
	snap := &snapshot{all: all, byID: map[string]*tenants.Tenant{}, servers: map[string]*serverState{}, referenced: map[string]bool{}, known: -1, queries: 2}
	cfg := s.ts.Config()
	snap.naming = naming{prefix: cfg.Tenancy.DatabasePrefix, suffix: cfg.Tenancy.DatabaseSuffix, forms: map[string]bool{}}
	for i := range all {
		t := &all[i]
		snap.byID[t.ID] = t
		snap.referenced[t.Database] = true
		// A row that names its database still owns the derived name: a
		// database there is never taken for an orphan.
		snap.referenced[cfg.Tenancy.DatabasePrefix+t.ID+cfg.Tenancy.DatabaseSuffix] = true
		if t.Database == cfg.Tenancy.DatabasePrefix+t.ID+cfg.Tenancy.DatabaseSuffix {
			if f := formOf(t.ID); f != "" {
				snap.naming.forms[f] = true
			}
		}
	}
	if len(all) == 0 {
		snap.naming.forms["uuid"] = true // what tenancy itself creates
	}
	snap.queries++
	if err := s.ts.Central().SelectContext(ctx, &snap.domains, "SELECT `id`, `domain`, `tenant_id` FROM `domains` ORDER BY `id`"); err != nil {
		return nil, fmt.Errorf("read domains: %w", err)
	}
	snap.queries++
	if err := s.ts.Central().GetContext(ctx, &snap.central, "SELECT COALESCE(DATABASE(), '')"); err != nil {
		return nil, fmt.Errorf("read the central database's name: %w", err)
	}
	if v, err := tenants.MigrationVersions(cfg.Tenancy.MigrationsDir); err == nil && len(v) > 0 {
		snap.known = v[len(v)-1]
	}
	wanted := func(db string) bool { return snap.referenced[db] }
	for _, name := range s.ts.Servers().Names() {
		db, err := s.ts.Servers().DB(ctx, name)
		if err != nil {
			snap.servers[name] = &serverState{Name: name, Err: err}
			continue
		}
		st := scanServer(ctx, db, name, wanted)
		snap.queries += st.queries
		snap.servers[name] = st
	}
	if wantBackups && s.bs != nil {
		snap.queries += 2
		snap.backups, snap.catErr = s.bs.List(ctx, "")
		if snap.catErr == nil {
			snap.catErr = s.ts.Central().SelectContext(ctx, &snap.restores, "SELECT `server`, `database_name`, `tenant_id` FROM `tenancy_restores`")
		}
	}
	return snap, nil
}

// serverOf returns the scanned state of the tenant's server, nil when it
// is not configured or could not be read.
func (snap *snapshot) serverOf(t *tenants.Tenant) *serverState {
	st := snap.servers[t.Server]
	if st == nil || st.Err != nil {
		return nil
	}
	return st
}

// since is a small helper for check timings.
func since(start time.Time) time.Duration { return time.Since(start) }
