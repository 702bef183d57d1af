package doctor

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
)

// The fixes applied one by one, outside runs: catalog rows and cache
// entries (safe), and the destructive ones, each re-checked against a
// fresh read of the registry first.

func (s *Service) applyDirect(ctx context.Context, f Finding) Applied {
	a := Applied{Finding: f}
	var err error
	switch f.action.kind {
	case actFailBackup:
		err = s.failBackup(ctx, f.Tenant, f.action.backupID)
	case actClearCache:
		err = s.clearCache(ctx, []string{f.action.database})
	case actSetStatus:
		err = s.setStatus(ctx, f.Tenant, f.action.status)
	case actNormalizeDomain:
		err = s.normalizeDomain(ctx, f.Tenant, f.action)
	default:
		err = fmt.Errorf("no automatic fix")
	}
	if err != nil {
		a.Error = err.Error()
	} else {
		a.Done = true
	}
	return a
}

// failBackup marks a catalog row left running failed, holding the
// tenant's lock (so no backup of it can be running) and only if it is
// still running.
func (s *Service) failBackup(ctx context.Context, tenantID string, id int64) error {
	lock, err := tenants.AcquireLock(ctx, s.ts.Central(), tenantID)
	if err != nil {
		return err
	}
	defer lock.Release()
	_, err = s.ts.Central().ExecContext(ctx, "UPDATE `tenant_backups` SET `status` = ?, `error` = ?, `finished_at` = UTC_TIMESTAMP(6) WHERE `id` = ? AND `status` = ?",
		backup.StatusFailed, "interrupted: the process making it stopped (marked by tenancy doctor)", id, backup.StatusRunning)
	if err != nil {
		return fmt.Errorf("mark backup %d failed: %w", id, err)
	}
	return nil
}

// errReferenced stops a destructive fix whose object a row now uses.
var errReferenced = errors.New("a tenant row references it now: left alone")

func (s *Service) applyDestructive(ctx context.Context, f Finding) Applied {
	a := Applied{Finding: f}
	var err error
	switch f.action.kind {
	case actDropDatabase:
		a.Backup, err = s.dropOrphan(ctx, f.action.server, f.action.database)
	case actDropUser:
		err = s.dropUser(ctx, f.action.server, f.action.user, f.action.host)
	case actDeleteBackupRow:
		err = s.deleteBackupRow(ctx, f.action.backupID)
	case actDeleteDomain:
		err = s.deleteOrphanDomain(ctx, f.Tenant, f.action)
	default:
		err = fmt.Errorf("no automatic fix")
	}
	if err != nil {
		a.Error = err.Error()
	} else {
		a.Done = true
	}
	return a
}

// references reads the registry again (a tenant may have been created
// since the scan) and returns the database names and users rows use.
func (s *Service) references(ctx context.Context) (dbs, users map[string]bool, err error) {
	all, err := s.ts.List(ctx, tenants.ListOptions{})
	if err != nil {
		return nil, nil, err
	}
	cfg := s.ts.Config().Tenancy
	dbs, users = map[string]bool{}, map[string]bool{}
	for _, t := range all {
		dbs[t.Database] = true
		dbs[cfg.DatabasePrefix+t.ID+cfg.DatabaseSuffix] = true
		if t.DBUser != "" {
			users[t.DBUser] = true
		}
	}
	return dbs, users, nil
}

// OrphanTenantID is the tenant id an orphan database's backup is filed
// under (its own folder in the store, never a real tenant's).
func OrphanTenantID(database string) string { return "orphan_" + database }

// dropOrphan backs the database up and drops it only once the backup is
// complete; a database a row references by then is left alone.
func (s *Service) dropOrphan(ctx context.Context, server, database string) (*backup.Backup, error) {
	if s.backupFirst == nil {
		return nil, fmt.Errorf("not dropping %s: the backup service is not open, and no database is dropped without a backup", database)
	}
	dbs, _, err := s.references(ctx)
	if err != nil {
		return nil, err
	}
	if dbs[database] {
		return nil, errReferenced
	}
	pseudo := tenants.Tenant{ID: OrphanTenantID(database), Name: database, Server: server, Database: database, Status: tenants.StatusInactive}
	b, err := s.backupFirst(ctx, pseudo)
	if err != nil {
		return nil, fmt.Errorf("not dropping %s: its backup failed: %w", database, err)
	}
	if b.Status != backup.StatusComplete {
		return &b, fmt.Errorf("not dropping %s: its backup %d is %s, not complete", database, b.ID, b.Status)
	}
	if dbs, _, err = s.references(ctx); err != nil {
		return &b, err
	}
	if dbs[database] {
		return &b, errReferenced
	}
	db, err := s.ts.Servers().DB(ctx, server)
	if err != nil {
		return &b, err
	}
	return &b, tenants.DropDatabase(ctx, db, database)
}

func (s *Service) dropUser(ctx context.Context, server, user, host string) error {
	_, users, err := s.references(ctx)
	if err != nil {
		return err
	}
	if users[user] {
		return errReferenced
	}
	db, err := s.ts.Servers().DB(ctx, server)
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "DROP USER IF EXISTS "+tenants.QuoteString(user)+"@"+tenants.QuoteString(host)); err != nil {
		return fmt.Errorf("drop user %s@%s: %w", user, host, err)
	}
	return nil
}

func (s *Service) deleteBackupRow(ctx context.Context, id int64) error {
	if s.bs == nil {
		return fmt.Errorf("the backup service is not open")
	}
	b, err := s.bs.Find(ctx, fmt.Sprint(id))
	if err != nil {
		return err
	}
	return s.bs.Delete(ctx, b)
}
