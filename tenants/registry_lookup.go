package tenants

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/tenancy-dev/tenancy/config"
)

// Get reads one tenant with its domains and index in one round trip,
// without loading the whole registry (creation and status changes in a
// 10,000-tenant fleet stay as fast as in an empty one).
func (r *Registry) Get(ctx context.Context, id string) (Tenant, error) {
	return r.get(ctx, id, true)
}

// get is Get; without index, the tenant's Index is left 0 and the count of
// the tenants before it (a scan of the registry) is not made.
func (r *Registry) get(ctx context.Context, id string, index bool) (Tenant, error) {
	position := "0"
	if index {
		// The index is the number of tenants ordered before this one (see All).
		before := "`o`.`id` < `t`.`id`"
		if r.cols["created_at"] {
			before = "(`o`.`created_at` IS NULL) < (`t`.`created_at` IS NULL) OR ((`o`.`created_at` IS NULL) = (`t`.`created_at` IS NULL)" +
				" AND (`o`.`created_at` < `t`.`created_at` OR (`o`.`created_at` <=> `t`.`created_at` AND `o`.`id` < `t`.`id`)))"
		}
		position = "(SELECT COUNT(*) FROM `tenants` AS `o` WHERE " + before + ")"
	}
	q := "SELECT " + r.selectListOf("t") + "," +
		" (SELECT GROUP_CONCAT(`d`.`domain` ORDER BY `d`.`id` SEPARATOR ' ') FROM `domains` AS `d` WHERE `d`.`tenant_id` = `t`.`id`) AS `domain_list`," +
		" " + position + " AS `position`" +
		" FROM `tenants` AS `t` WHERE `t`.`id` = ?"
	var row struct {
		tenantRow
		DomainList sql.NullString `db:"domain_list"`
		Position   int            `db:"position"`
	}
	err := r.db.QueryRowxContext(ctx, q, id).StructScan(&row)
	if errors.Is(err, sql.ErrNoRows) {
		return Tenant{}, fmt.Errorf("tenant %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Tenant{}, fmt.Errorf("read tenant %s: %w", id, err)
	}
	t := r.fromRow(row.tenantRow)
	t.Index = row.Position
	if row.DomainList.String != "" { // host names hold no spaces
		t.Domains = strings.Fields(row.DomainList.String)
	}
	return t, nil
}

// taken is what already uses a new tenant's id, domains or database.
type taken struct {
	ID       bool
	Domain   string // a requested domain that has an owner
	Owner    string // that domain's tenant id
	Database string // the tenant id using the requested database
}

// conflicts checks in one round trip whether a new tenant's id, any of its
// domains or its database name are already used by a tenant.
func (r *Registry) conflicts(ctx context.Context, id string, domains []string, database string) (taken, error) {
	dbConds := []string{"JSON_UNQUOTE(JSON_EXTRACT(`data`, '$.tenancy_db_name')) = ?"}
	dbArgs := []any{database}
	if r.cols["database"] {
		dbConds = append(dbConds, "`database` = ?")
		dbArgs = append(dbArgs, database)
	}
	// A tenant with no explicit name uses prefix + id + suffix.
	if rest, ok := strings.CutPrefix(database, r.cfg.DatabasePrefix); ok {
		if other, ok := strings.CutSuffix(rest, r.cfg.DatabaseSuffix); ok && other != "" {
			dbConds = append(dbConds, "`id` = ?")
			dbArgs = append(dbArgs, other)
		}
	}
	in, domainArgs := "NULL", []any{}
	if len(domains) > 0 {
		in = placeholders(len(domains))
		for _, d := range domains {
			domainArgs = append(domainArgs, d)
		}
	}
	q := "SELECT (SELECT COUNT(*) FROM `tenants` WHERE `id` = ?)," +
		" (SELECT CONCAT(`domain`, ' ', `tenant_id`) FROM `domains` WHERE `domain` IN (" + in + ") ORDER BY `id` LIMIT 1)," +
		" (SELECT `id` FROM `tenants` WHERE " + strings.Join(dbConds, " OR ") + " LIMIT 1)"
	args := append(append([]any{id}, domainArgs...), dbArgs...)
	var n int
	var domainOwner, dbOwner sql.NullString
	if err := r.db.QueryRowContext(ctx, q, args...).Scan(&n, &domainOwner, &dbOwner); err != nil {
		return taken{}, fmt.Errorf("check for an existing tenant: %w", err)
	}
	t := taken{ID: n > 0, Database: dbOwner.String}
	t.Domain, t.Owner, _ = strings.Cut(domainOwner.String, " ")
	return t, nil
}

// serverCounts counts tenants per server name.
func (r *Registry) serverCounts(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Server string `db:"server"`
		N      int    `db:"n"`
	}
	err := r.db.SelectContext(ctx, &rows,
		"SELECT COALESCE(JSON_UNQUOTE(JSON_EXTRACT(`data`, '$.tenancy_db_connection')), ?) AS server, COUNT(*) AS n FROM `tenants` GROUP BY server",
		config.CentralServerName)
	if err != nil {
		return nil, fmt.Errorf("count tenants per server: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Server] = r.N
	}
	return out, nil
}
