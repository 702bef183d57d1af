package tenants

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/config"
)

// DeleteOptions tune a deletion.
type DeleteOptions struct {
	// KeepDatabase leaves the physical database in place.
	KeepDatabase bool
}

// Delete removes a tenant under its lock: its row is locked, the database
// and user are dropped, then the rows are deleted and committed,
// so a failure at any step leaves the tenant registered. Dropping uses IF
// EXISTS, so a retry after a lost commit completes the deletion.
func (s *Service) Delete(ctx context.Context, t Tenant, opts DeleteOptions, report func(Progress)) (err error) {
	if err := access.Require(ctx, access.TenantDelete, t.ID); err != nil {
		return err
	}
	defer access.Done(ctx, access.TenantDelete, t.ID, &err)
	if s.readOnly {
		return ErrReadOnly
	}
	r := reporter(report)
	r.send(StepLock, StepStarted, "lock tenant "+t.ID)
	lock, err := AcquireLock(ctx, s.central, t.ID)
	if err != nil {
		r.send(StepLock, StepFailed, err.Error())
		return err
	}
	defer lock.Release()
	r.send(StepLock, StepDone, "")
	server, err := s.servers.DB(ctx, t.Server)
	if err != nil {
		return err
	}
	tx, err := s.central.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete tenant %s: %w", t.ID, err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	// The row is locked first (concurrent changes wait), dropped last and
	// committed only after the database and user are gone.
	var locked string
	if err := tx.GetContext(ctx, &locked, "SELECT `id` FROM `tenants` WHERE `id` = ? FOR UPDATE", t.ID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("tenant %s: %w", t.ID, ErrNotFound)
		}
		return fmt.Errorf("delete tenant %s: %w", t.ID, err)
	}
	steps := []struct {
		step Step
		skip bool
		msg  string
		// gone names what the step removed, for a later step's failure.
		gone string
		run  func() error
	}{
		{StepDropDatabase, opts.KeepDatabase, "drop database " + t.Database + " on " + t.Server, "database " + t.Database,
			func() error { return DropDatabase(ctx, server, t.Database) }},
		{StepDropUser, t.DBUser == "", "drop user " + t.DBUser, "user " + t.DBUser,
			func() error { return dropUser(ctx, server, t.DBUser, s.cfg.Tenancy.UserHost) }},
		{StepDeleteRows, false, fmt.Sprintf("delete tenant row and %d domain(s)", len(t.Domains)), "",
			func() error { return deleteRows(ctx, tx, t.ID) }},
	}
	var gone []string
	for _, st := range steps {
		if st.skip {
			r.send(st.step, StepSkipped, "")
			continue
		}
		r.send(st.step, StepStarted, st.msg)
		if err := st.run(); err != nil {
			r.send(st.step, StepFailed, err.Error())
			return fmt.Errorf("delete tenant %s: %w; %s", t.ID, err, stillRegistered(gone))
		}
		if st.gone != "" {
			gone = append(gone, st.gone)
		}
		r.send(st.step, StepDone, "")
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete tenant %s: commit: %w (its database is already dropped; run the delete again to finish)", t.ID, err)
	}
	committed = true
	s.publish(Change{Kind: Deleted, TenantID: t.ID, Domains: t.Domains})
	return nil
}

// stillRegistered ends the message of a deletion that failed before its
// commit: the rows are kept, and gone lists what was dropped already.
func stillRegistered(gone []string) string {
	if len(gone) == 0 {
		return "nothing was removed and the tenant is still registered; fix the problem and delete it again"
	}
	verb := " was"
	if len(gone) > 1 {
		verb = " were"
	}
	return "the tenant is still registered, but its " + strings.Join(gone, " and ") + verb +
		" already dropped; fix the problem and delete it again to finish"
}

// SetStatus changes a tenant's status.
func (s *Service) SetStatus(ctx context.Context, t Tenant, status Status) (_ Tenant, err error) {
	if err := access.Require(ctx, access.TenantStatus, t.ID); err != nil {
		return t, err
	}
	defer access.Done(ctx, access.TenantStatus, t.ID, &err, "status="+string(status))
	if s.readOnly {
		return t, ErrReadOnly
	}
	if !status.Known() {
		return t, fmt.Errorf("status %q is not one of active, inactive, blocked", status)
	}
	if err := s.reg.update(ctx, t.ID, attrs{"status": status}); err != nil {
		return t, err
	}
	return s.changed(ctx, t.ID, t.Domains)
}

// AddDomain gives a tenant one more domain.
func (s *Service) AddDomain(ctx context.Context, t Tenant, domain string) (_ Tenant, err error) {
	if err := access.Require(ctx, access.TenantDomainAdd, t.ID); err != nil {
		return t, err
	}
	defer access.Done(ctx, access.TenantDomainAdd, t.ID, &err, "domain="+domain)
	if s.readOnly {
		return t, ErrReadOnly
	}
	d, err := NormalizeDomain(domain)
	if err != nil {
		return t, err
	}
	if err := s.domainFree(ctx, d); err != nil {
		return t, err
	}
	if err := s.reg.addDomain(ctx, t.ID, d); err != nil {
		return t, err
	}
	if err := s.reg.update(ctx, t.ID, attrs{}); err != nil {
		return t, err
	}
	return s.changed(ctx, t.ID, append(append([]string(nil), t.Domains...), d))
}

// RemoveDomain takes a domain away from a tenant.
func (s *Service) RemoveDomain(ctx context.Context, t Tenant, domain string) (_ Tenant, err error) {
	if err := access.Require(ctx, access.TenantDomainRemove, t.ID); err != nil {
		return t, err
	}
	defer access.Done(ctx, access.TenantDomainRemove, t.ID, &err, "domain="+domain)
	if s.readOnly {
		return t, ErrReadOnly
	}
	d, err := NormalizeDomain(domain)
	if err != nil {
		return t, err
	}
	if err := s.reg.removeDomain(ctx, t, d); err != nil {
		return t, err
	}
	if err := s.reg.update(ctx, t.ID, attrs{}); err != nil {
		return t, err
	}
	return s.changed(ctx, t.ID, t.Domains)
}

// changed reloads a tenant after a write and publishes the change with
// every domain it had before or has now.
func (s *Service) changed(ctx context.Context, id string, before []string) (Tenant, error) {
	t, err := s.reg.Get(ctx, id)
	if err != nil {
		return t, err
	}
	domains := append([]string(nil), before...)
	for _, d := range t.Domains {
		if !contains(domains, d) {
			domains = append(domains, d)
		}
	}
	s.publish(Change{Kind: Updated, TenantID: id, Domains: domains})
	return t, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// DatabaseInfo reads a tenant database's size, tables and row estimates.
func (s *Service) DatabaseInfo(ctx context.Context, t Tenant) (DatabaseInfo, error) {
	server, err := s.servers.DB(ctx, t.Server)
	if err != nil {
		return DatabaseInfo{Server: t.Server, Name: t.Database}, err
	}
	return databaseInfo(ctx, server, t.Server, t.Database)
}

// Init creates the central database and tables when they are absent. It
// is idempotent and never drops or alters an existing column.
func Init(ctx context.Context, central *sqlx.DB) (InitResult, error) {
	var res InitResult
	for i, table := range []string{"tenants", "domains"} {
		cols, err := readColumns(ctx, central, table)
		if err != nil {
			return res, err
		}
		if len(cols) > 0 {
			continue
		}
		if _, err := central.ExecContext(ctx, centralDDL[i]); err != nil {
			return res, fmt.Errorf("create table %s: %w", table, err)
		}
		res.CreatedTables = append(res.CreatedTables, table)
	}
	cols, err := detect(ctx, central)
	if err != nil {
		return res, err
	}
	res.Flavour = cols.flavour()
	return res, nil
}

// EnsureCentralDatabase creates the central database named in cfg's DSN
// if it does not exist, and returns a pool on it.
func EnsureCentralDatabase(ctx context.Context, dsn string) (*sqlx.DB, bool, error) {
	mc, err := config.ParseDSN(dsn)
	if err != nil {
		return nil, false, err
	}
	name := mc.DBName
	if name == "" {
		return nil, false, fmt.Errorf("central.dsn names no database: add it after the slash, like root@tcp(127.0.0.1:3306)/central")
	}
	mc.DBName = ""
	server, err := openDB(ctx, mc, false)
	if err != nil {
		return nil, false, err
	}
	defer server.Close()
	exists, err := DatabaseExists(ctx, server, name)
	if err != nil {
		return nil, false, err
	}
	if !exists {
		if err := createDatabase(ctx, server, name, "utf8mb4", "utf8mb4_unicode_ci"); err != nil {
			return nil, false, err
		}
	}
	mc.DBName = name
	db, err := openDB(ctx, mc, false)
	return db, !exists, err
}
