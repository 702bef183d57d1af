package tenants

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
)

// attrs are tenant attributes to write: each goes to its real column when
// the table has one, else into data (stancl's VirtualColumn).
type attrs map[string]any

// split divides attributes into real columns and data keys.
func (r *Registry) split(a attrs) (cols attrs, data map[string]json.RawMessage, err error) {
	cols, data = attrs{}, map[string]json.RawMessage{}
	for k, v := range a {
		if r.cols[k] && k != "data" && k != "id" {
			cols[k] = v
			continue
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, nil, fmt.Errorf("encode %s: %w", k, err)
		}
		data[k] = raw
	}
	return cols, data, nil
}

// insert adds a tenant row and its domains inside tx.
func (r *Registry) insert(ctx context.Context, tx *sqlx.Tx, id string, a attrs, domains []string) error {
	cols, data, err := r.split(a)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	names := []string{"id", "data"}
	blob, err := json.Marshal(data)
	if err != nil {
		return err
	}
	values := []any{id, string(blob)}
	for _, ts := range []string{"created_at", "updated_at"} {
		if r.cols[ts] {
			names = append(names, ts)
			values = append(values, now)
		}
	}
	for k, v := range cols {
		names = append(names, k)
		values = append(values, columnValue(v))
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = QuoteIdent(n)
	}
	q := "INSERT INTO `tenants` (" + strings.Join(quoted, ", ") + ") VALUES (" + placeholders(len(names)) + ")"
	if _, err := tx.ExecContext(ctx, q, values...); err != nil {
		if isDuplicate(err) {
			return fmt.Errorf("a tenant with id %q or database %q already exists", id, a["database"])
		}
		return fmt.Errorf("insert tenant %s: %w", id, err)
	}
	for _, d := range domains {
		if err := insertDomain(ctx, tx, id, d, now); err != nil {
			return err
		}
	}
	return nil
}

func insertDomain(ctx context.Context, tx *sqlx.Tx, id, domain string, now time.Time) error {
	_, err := tx.ExecContext(ctx,
		"INSERT INTO `domains` (`domain`, `tenant_id`, `created_at`, `updated_at`) VALUES (?, ?, ?, ?)",
		domain, id, now, now)
	if isDuplicate(err) {
		return fmt.Errorf("domain %s already belongs to another tenant", domain)
	}
	if err != nil {
		return fmt.Errorf("add domain %s: %w", domain, err)
	}
	return nil
}

// update writes attributes of one tenant with a read-modify-write of its
// data under a row lock, so keys other tools put in data survive.
func (r *Registry) update(ctx context.Context, id string, a attrs) error {
	return withTx(ctx, r.db, func(tx *sqlx.Tx) error { return r.updateTx(ctx, tx, id, a) })
}

// updateTx is update inside tx (which may already hold the row's lock).
func (r *Registry) updateTx(ctx context.Context, tx *sqlx.Tx, id string, a attrs) error {
	cols, data, err := r.split(a)
	if err != nil {
		return err
	}
	var raw sql.NullString
	err = tx.GetContext(ctx, &raw, "SELECT `data` FROM `tenants` WHERE `id` = ? FOR UPDATE", id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("tenant %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("read tenant %s: %w", id, err)
	}
	current := map[string]json.RawMessage{}
	if raw.Valid && raw.String != "" {
		if err := json.Unmarshal([]byte(raw.String), &current); err != nil {
			return fmt.Errorf("tenant %s: its data column is not a JSON object, so it cannot be updated safely: %w", id, err)
		}
	}
	for k, v := range data {
		current[k] = v
	}
	blob, err := json.Marshal(current)
	if err != nil {
		return err
	}
	sets := []string{"`data` = ?"}
	values := []any{string(blob)}
	if r.cols["updated_at"] {
		sets = append(sets, "`updated_at` = ?")
		values = append(values, time.Now().UTC().Truncate(time.Second))
	}
	for k, v := range cols {
		sets = append(sets, QuoteIdent(k)+" = ?")
		values = append(values, columnValue(v))
	}
	values = append(values, id)
	_, err = tx.ExecContext(ctx, "UPDATE `tenants` SET "+strings.Join(sets, ", ")+" WHERE `id` = ?", values...)
	if err != nil {
		return fmt.Errorf("update tenant %s: %w", id, err)
	}
	return nil
}

// addDomain adds one domain to a tenant.
func (r *Registry) addDomain(ctx context.Context, id, domain string) error {
	return withTx(ctx, r.db, func(tx *sqlx.Tx) error {
		return insertDomain(ctx, tx, id, domain, time.Now().UTC().Truncate(time.Second))
	})
}

func (r *Registry) removeDomain(ctx context.Context, t Tenant, domain string) error {
	res, err := r.db.ExecContext(ctx, "DELETE FROM `domains` WHERE `tenant_id` = ? AND `domain` = ?", t.ID, domain)
	if err != nil {
		return fmt.Errorf("remove domain %s: %w", domain, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("tenant %s has no domain %s (its domains: %s)", t.Name, domain, strings.Join(t.Domains, ", "))
	}
	return nil
}

// deleteRows removes a tenant's domains and row inside tx.
func deleteRows(ctx context.Context, tx *sqlx.Tx, id string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM `domains` WHERE `tenant_id` = ?", id); err != nil {
		return fmt.Errorf("delete domains of %s: %w", id, err)
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM `tenants` WHERE `id` = ?", id)
	if err != nil {
		return fmt.Errorf("delete tenant row %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("tenant %s: %w", id, ErrNotFound)
	}
	return nil
}

// domainOwner returns the tenant id that owns domain, or "".
func (r *Registry) domainOwner(ctx context.Context, domain string) (string, error) {
	var id string
	err := r.db.GetContext(ctx, &id, "SELECT `tenant_id` FROM `domains` WHERE `domain` = ?", domain)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

func columnValue(v any) any {
	switch x := v.(type) {
	case json.RawMessage:
		if x == nil {
			return nil
		}
		return string(x)
	case Status:
		return string(x)
	}
	return v
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func isDuplicate(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1062
}

func withTx(ctx context.Context, db *sqlx.DB, fn func(*sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
