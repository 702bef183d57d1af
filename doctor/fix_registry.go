package doctor

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/tenants"
)

// The registry's own fixes: a status in another case, domain rows of one
// tenant that answer the same host, a domain of no tenant. Each re-reads
// what it changes first and leaves it alone when it changed since the
// scan.

// errChanged stops a fix whose rows changed since the scan.
var errChanged = errors.New("the rows changed since the scan: left alone (run doctor again)")

// setStatus sets a status written in another case to the known one,
// through the tenant service (checked, audited, caches told).
func (s *Service) setStatus(ctx context.Context, id, status string) error {
	t, err := s.ts.Get(ctx, id)
	if err != nil {
		return err
	}
	if strings.ToLower(strings.TrimSpace(string(t.Status))) != status || t.Status.Known() {
		return errChanged
	}
	_, err = s.ts.SetStatus(ctx, t, tenants.Status(status))
	return err
}

// normalizeDomain sets a domain row to its normal form and deletes the
// rows of the same host (a.dropRows), in one transaction, only if every
// row still belongs to the tenant and answers that host.
func (s *Service) normalizeDomain(ctx context.Context, tenantID string, a action) error {
	ids := append([]int64{a.row}, a.dropRows...)
	tx, err := s.ts.Central().BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // after Commit, a no-op
	q, args, err := sqlx.In("SELECT `id`, `domain`, `tenant_id` FROM `domains` WHERE `id` IN (?) FOR UPDATE", ids)
	if err != nil {
		return err
	}
	var rows []domainRow
	if err := tx.SelectContext(ctx, &rows, tx.Rebind(q), args...); err != nil {
		return fmt.Errorf("read domain rows %s: %w", joinIDs(ids), err)
	}
	if len(rows) != len(ids) {
		return errChanged
	}
	before := []string{a.domain}
	for _, r := range rows {
		if r.TenantID != tenantID || domainKey(r.Domain) != a.domain {
			return errChanged
		}
		before = append(before, r.Domain)
	}
	if len(a.dropRows) > 0 {
		q, args, err := sqlx.In("DELETE FROM `domains` WHERE `id` IN (?)", a.dropRows)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(q), args...); err != nil {
			return fmt.Errorf("delete domain rows %s: %w", joinIDs(a.dropRows), err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE `domains` SET `domain` = ? WHERE `id` = ?", a.domain, a.row); err != nil {
		return fmt.Errorf("set domain row %d to %s: %w", a.row, a.domain, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set domain row %d to %s: %w", a.row, a.domain, err)
	}
	return s.forgetDomains(ctx, before)
}

// deleteOrphanDomain deletes a domain row whose tenant has no row, only
// if that is still so.
func (s *Service) deleteOrphanDomain(ctx context.Context, tenantID string, a action) error {
	res, err := s.ts.Central().ExecContext(ctx,
		"DELETE FROM `domains` WHERE `id` = ? AND `tenant_id` = ? AND `domain` = ? AND NOT EXISTS (SELECT 1 FROM `tenants` WHERE `id` = ?)",
		a.row, tenantID, a.domain, tenantID)
	if err != nil {
		return fmt.Errorf("delete domain row %d (%s): %w", a.row, a.domain, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("domain row %d: its tenant %s has a row now, or the row changed: %w", a.row, tenantID, errChanged)
	}
	return s.forgetDomains(ctx, []string{a.domain})
}

// forgetDomains clears the resolver's cached entries of domains whose
// rows changed (when a cache is configured).
func (s *Service) forgetDomains(ctx context.Context, domains []string) error {
	if s.ts.Config().Redis.URL == "" {
		return nil
	}
	keys := map[string]bool{}
	var list []string
	for _, d := range domains {
		if k := domainKey(d); !keys[k] {
			keys[k] = true
			list = append(list, k)
		}
	}
	if err := s.clearCache(ctx, list); err != nil {
		return fmt.Errorf("the rows are fixed, but the cache still holds their entries: %w (tenancy cache clear forgets them)", err)
	}
	return nil
}

func joinIDs(ids []int64) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(out, ", ")
}
