package tenants

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// FindByDomain returns the tenant owning domain (already normalised) with
// all its domains, in one indexed query (domains_domain_unique, then the
// tenants primary key). Index is not computed (it needs the whole
// registry) and stays 0. An unknown domain gives an error wrapping
// ErrNotFound. The tenant resolver's database tier calls this.
func (s *Service) FindByDomain(ctx context.Context, domain string) (Tenant, error) {
	stmt, err := s.byDomainStmt(ctx)
	if err != nil {
		return Tenant{}, err
	}
	var row struct {
		tenantRow
		AllDomains sql.NullString `db:"all_domains"`
	}
	err = stmt.QueryRowxContext(ctx, domain).StructScan(&row)
	if errors.Is(err, sql.ErrNoRows) {
		return Tenant{}, fmt.Errorf("domain %s: %w", domain, ErrNotFound)
	}
	if err != nil {
		return Tenant{}, fmt.Errorf("find tenant of domain %s: %w", domain, err)
	}
	t := s.reg.fromRow(row.tenantRow)
	t.Domains = strings.Fields(row.AllDomains.String)
	return t, nil
}

// byDomainStmt prepares FindByDomain's query once (a prepared statement
// is one round trip per lookup instead of prepare, execute and close).
func (s *Service) byDomainStmt(ctx context.Context) (*sqlx.Stmt, error) {
	s.byDomainMu.Lock()
	defer s.byDomainMu.Unlock()
	if s.byDomain != nil {
		return s.byDomain, nil
	}
	q := "SELECT " + s.reg.selectListOf("t") + ", " +
		"(SELECT GROUP_CONCAT(`d2`.`domain` ORDER BY `d2`.`id` SEPARATOR ' ') FROM `domains` `d2` WHERE `d2`.`tenant_id` = `t`.`id`) AS `all_domains` " +
		"FROM `domains` `d` JOIN `tenants` `t` ON `t`.`id` = `d`.`tenant_id` WHERE `d`.`domain` = ?"
	stmt, err := s.central.PreparexContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare the tenant-by-domain query: %w", err)
	}
	s.byDomain = stmt
	return stmt, nil
}

// TouchLastAccess records that tenant id was used at the given time, in
// one UPDATE: the last_accessed_at column on an artflow registry, the
// last_accessed_at data key on a stancl one. The time never moves
// backwards, updated_at is left alone and no Change is published (an
// access changes nothing a cache holds).
func (s *Service) TouchLastAccess(ctx context.Context, id string, at time.Time) error {
	if s.readOnly {
		return ErrReadOnly
	}
	stamp := at.UTC().Format("2006-01-02 15:04:05")
	var err error
	if s.reg.cols["last_accessed_at"] {
		_, err = s.central.ExecContext(ctx,
			"UPDATE `tenants` SET `last_accessed_at` = ? WHERE `id` = ? AND (`last_accessed_at` IS NULL OR `last_accessed_at` < ?)",
			stamp, id, stamp)
	} else {
		_, err = s.central.ExecContext(ctx,
			"UPDATE `tenants` SET `data` = JSON_SET(COALESCE(NULLIF(`data`, ''), '{}'), '$.last_accessed_at', ?) "+
				"WHERE `id` = ? AND COALESCE(JSON_UNQUOTE(JSON_EXTRACT(`data`, '$.last_accessed_at')), '') < ?",
			stamp, id, stamp)
	}
	if err != nil {
		return fmt.Errorf("record last access of tenant %s: %w", id, err)
	}
	return nil
}
