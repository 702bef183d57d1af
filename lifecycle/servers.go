package lifecycle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"golang.org/x/sync/errgroup"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// MySQL error numbers a move expects and passes over.
const (
	errNoSuchThread = 1094 // KILL of a session that has just ended
	errNoSuchGrant  = 1141 // REVOKE of what was never granted
)

func isMySQL(err error, number uint16) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == number
}

// baseTables lists database's base tables on server.
func baseTables(ctx context.Context, server *sqlx.DB, database string) ([]string, error) {
	var names []string
	err := server.SelectContext(ctx, &names, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", database)
	if err != nil {
		return nil, fmt.Errorf("list tables of %s: %w", database, err)
	}
	return names, nil
}

// checksums runs CHECKSUM TABLE on each of database's base tables (all of
// them when names is nil), workers tables at a time.
func checksums(ctx context.Context, server *sqlx.DB, database string, names []string, workers int) (map[string]int64, error) {
	if names == nil {
		var err error
		if names, err = baseTables(ctx, server, database); err != nil {
			return nil, err
		}
	}
	var mu sync.Mutex
	out := make(map[string]int64, len(names))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(workers, 1))
	for _, n := range names {
		g.Go(func() error {
			var table string
			var sum sql.NullInt64
			q := "CHECKSUM TABLE " + tenants.QuoteIdent(database) + "." + tenants.QuoteIdent(n)
			if err := server.QueryRowxContext(gctx, q).Scan(&table, &sum); err != nil {
				return fmt.Errorf("checksum table %s.%s: %w", database, n, err)
			}
			if sum.Valid {
				mu.Lock()
				out[n] = sum.Int64
				mu.Unlock()
			}
			return nil
		})
	}
	return out, g.Wait()
}

// userHosts lists the hosts of user's accounts on server.
func userHosts(ctx context.Context, server *sqlx.DB, user string) ([]string, error) {
	var hosts []string
	if err := server.SelectContext(ctx, &hosts, "SELECT Host FROM mysql.user WHERE User = ? ORDER BY Host", user); err != nil {
		return nil, fmt.Errorf("read the accounts of user %s: %w", user, err)
	}
	return hosts, nil
}

func account(user, host string) string {
	return tenants.QuoteString(user) + "@" + tenants.QuoteString(host)
}

// copyUser recreates user's accounts of from on to, with the same
// password and grants: SHOW CREATE USER and SHOW GRANTS as from answers
// them. An account already on to (an earlier attempt's) is replaced.
func copyUser(ctx context.Context, from, to *sqlx.DB, user string) error {
	hosts, err := userHosts(ctx, from, user)
	if err != nil {
		return err
	}
	if len(hosts) == 0 {
		return fmt.Errorf("the tenant's database user %s does not exist on its server: recreate it there (or remove tenancy_db_username) before moving", user)
	}
	for _, h := range hosts {
		var create string
		if err := from.QueryRowxContext(ctx, "SHOW CREATE USER "+account(user, h)).Scan(&create); err != nil {
			return fmt.Errorf("read user %s: %w", user, err)
		}
		var grants []string
		if err := from.SelectContext(ctx, &grants, "SHOW GRANTS FOR "+account(user, h)); err != nil {
			return fmt.Errorf("read the grants of user %s: %w", user, err)
		}
		stmts := append([]string{"DROP USER IF EXISTS " + account(user, h), create}, grants...)
		for _, q := range stmts {
			if _, err := to.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("recreate user %s on the target: %w", user, err)
			}
		}
	}
	return nil
}

// dropUser drops user's accounts on server.
func dropUser(ctx context.Context, server *sqlx.DB, user string) error {
	hosts, err := userHosts(ctx, server, user)
	if err != nil {
		return err
	}
	for _, h := range hosts {
		if _, err := server.ExecContext(ctx, "DROP USER IF EXISTS "+account(user, h)); err != nil {
			return fmt.Errorf("drop user %s: %w", user, err)
		}
	}
	return nil
}

// readOnlyUser leaves user only SELECT and SHOW VIEW on database.
func readOnlyUser(ctx context.Context, server *sqlx.DB, user, database string) error {
	hosts, err := userHosts(ctx, server, user)
	if err != nil {
		return err
	}
	on := tenants.QuoteIdent(tenants.EscapeGrantPattern(database)) + ".*"
	for _, h := range hosts {
		if _, err := server.ExecContext(ctx, "REVOKE ALL PRIVILEGES ON "+on+" FROM "+account(user, h)); err != nil && !isMySQL(err, errNoSuchGrant) {
			return fmt.Errorf("revoke the writes of user %s on the source: %w", user, err)
		}
		if _, err := server.ExecContext(ctx, "GRANT SELECT, SHOW VIEW ON "+on+" TO "+account(user, h)); err != nil {
			return fmt.Errorf("grant user %s reads on the source: %w", user, err)
		}
	}
	return nil
}

// killSessions ends every session on server whose default database is
// database or whose user is user, except the caller's own (keep).
func killSessions(ctx context.Context, server *sqlx.DB, database, user string, keep int64) error {
	var ids []int64
	err := server.SelectContext(ctx, &ids, "SELECT ID FROM information_schema.PROCESSLIST WHERE (DB = ? OR (USER = ? AND ? <> '')) AND ID <> CONNECTION_ID() AND ID <> ?", database, user, user, keep)
	if err != nil {
		return fmt.Errorf("list the sessions on %s: %w", database, err)
	}
	for _, id := range ids {
		if _, err := server.ExecContext(ctx, "KILL CONNECTION "+strconv.FormatInt(id, 10)); err != nil && !isMySQL(err, errNoSuchThread) {
			return fmt.Errorf("end session %d on %s: %w", id, database, err)
		}
	}
	return nil
}

// switchServer points the tenant's registry row at server (stancl's
// data.tenancy_db_connection; none for the central server) inside tx.
// Both registry flavours keep the key in data.
func switchServer(ctx context.Context, tx *sqlx.Tx, tenantID, server string) error {
	q := "UPDATE `tenants` SET `data` = JSON_SET(COALESCE(`data`, '{}'), '$.tenancy_db_connection', ?)"
	args := []any{server}
	if server == config.CentralServerName {
		q, args = "UPDATE `tenants` SET `data` = JSON_REMOVE(COALESCE(`data`, '{}'), '$.tenancy_db_connection')", nil
	}
	var hasUpdated int
	if err := tx.GetContext(ctx, &hasUpdated, "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tenants' AND COLUMN_NAME = 'updated_at'"); err != nil {
		return fmt.Errorf("read the registry's columns: %w", err)
	}
	if hasUpdated > 0 {
		q += ", `updated_at` = UTC_TIMESTAMP()"
	}
	res, err := tx.ExecContext(ctx, q+" WHERE `id` = ?", append(args, tenantID)...)
	if err != nil {
		return fmt.Errorf("point tenant %s at server %s: %w", tenantID, server, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("point tenant %s at server %s: %w", tenantID, server, tenants.ErrNotFound)
	}
	return nil
}
