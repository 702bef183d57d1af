package tenants

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/config"
)

// Registry reads and writes the central tenants and domains tables in
// whichever flavour they have: attributes go to a real column when the
// table has one, else into the data JSON as stancl's VirtualColumn does.
type Registry struct {
	db   *sqlx.DB
	cols columns
	cfg  config.Tenancy
}

func newRegistry(ctx context.Context, db *sqlx.DB, cfg config.Tenancy) (*Registry, error) {
	cols, err := detect(ctx, db)
	if err != nil {
		return nil, err
	}
	return &Registry{db: db, cols: cols, cfg: cfg}, nil
}

// Flavour reports the central database's flavour.
func (r *Registry) Flavour() Flavour { return r.cols.flavour() }

// attribute columns that may be real columns (artflow) or data keys (stancl).
var attributeColumns = []string{"name", "database", "status", "has_homepage", "settings", "last_accessed_at"}

type tenantRow struct {
	ID             string         `db:"id"`
	Data           sql.NullString `db:"data"`
	CreatedAt      sql.NullTime   `db:"created_at"`
	UpdatedAt      sql.NullTime   `db:"updated_at"`
	Name           sql.NullString `db:"name"`
	Database       sql.NullString `db:"database"`
	Status         sql.NullString `db:"status"`
	HasHomepage    sql.NullBool   `db:"has_homepage"`
	Settings       sql.NullString `db:"settings"`
	LastAccessedAt sql.NullTime   `db:"last_accessed_at"`
}

func (r *Registry) selectList() string { return r.selectListOf("") }

// selectListOf is selectList with each column qualified by a table alias.
func (r *Registry) selectListOf(alias string) string {
	cols := []string{"id", "data"}
	for _, c := range []string{"created_at", "updated_at"} {
		if r.cols[c] {
			cols = append(cols, c)
		}
	}
	for _, c := range attributeColumns {
		if r.cols[c] {
			cols = append(cols, c)
		}
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = QuoteIdent(c)
		if alias != "" {
			quoted[i] = QuoteIdent(alias) + "." + quoted[i]
		}
	}
	return strings.Join(quoted, ", ")
}

// All returns every tenant with its domains and stable index, ordered by
// creation time then id.
func (r *Registry) All(ctx context.Context) ([]Tenant, error) {
	order := "`id`"
	if r.cols["created_at"] {
		order = "`created_at` IS NULL, `created_at`, `id`"
	}
	rows, err := r.db.QueryxContext(ctx, "SELECT "+r.selectList()+" FROM `tenants` ORDER BY "+order)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	defer rows.Close()
	var out []Tenant
	byID := map[string]int{}
	for rows.Next() {
		var row tenantRow
		if err := rows.StructScan(&row); err != nil {
			return nil, fmt.Errorf("read tenant row: %w", err)
		}
		t := r.fromRow(row)
		t.Index = len(out)
		byID[t.ID] = len(out)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	drows, err := r.db.QueryContext(ctx, "SELECT `tenant_id`, `domain` FROM `domains` ORDER BY `id`")
	if err != nil {
		return nil, fmt.Errorf("list domains: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var id, domain string
		if err := drows.Scan(&id, &domain); err != nil {
			return nil, fmt.Errorf("read domain row: %w", err)
		}
		if i, ok := byID[id]; ok {
			out[i].Domains = append(out[i].Domains, domain)
		}
	}
	return out, drows.Err()
}

func (r *Registry) fromRow(row tenantRow) Tenant {
	t := Tenant{ID: row.ID, Data: map[string]json.RawMessage{}}
	if row.Data.Valid && row.Data.String != "" {
		// A data column that is not a JSON object is kept out of the way
		// rather than failing the whole listing.
		_ = json.Unmarshal([]byte(row.Data.String), &t.Data)
		if t.Data == nil {
			t.Data = map[string]json.RawMessage{}
		}
	}
	t.CreatedAt = timePtr(row.CreatedAt)
	t.UpdatedAt = timePtr(row.UpdatedAt)
	t.Name = pick(row.Name, t.dataString("name"))
	t.Status = Status(pick(row.Status, t.dataString("status")))
	if t.Status == "" && !r.cols["status"] {
		t.Status = StatusActive
	}
	t.Database = pick(row.Database, t.dataString(keyDBName))
	if t.Database == "" {
		t.Database = r.cfg.DatabasePrefix + t.ID + r.cfg.DatabaseSuffix
	}
	t.Server = t.dataString(keyDBConnection)
	if t.Server == "" {
		t.Server = config.CentralServerName
	}
	t.DBUser = t.dataString(keyDBUsername)
	t.dbPassword = t.dataString(keyDBPassword)
	if row.HasHomepage.Valid {
		t.HasHomepage = row.HasHomepage.Bool
	} else if v, ok := t.Data["has_homepage"]; ok {
		_ = json.Unmarshal(v, &t.HasHomepage)
	}
	if row.Settings.Valid {
		t.Settings = json.RawMessage(row.Settings.String)
	} else if v, ok := t.Data["settings"]; ok {
		t.Settings = v
	}
	t.Maintenance = ParseMaintenance(t.Data[keyMaintenance])
	if row.LastAccessedAt.Valid {
		t.LastAccessedAt = timePtr(row.LastAccessedAt)
	} else if s := t.dataString("last_accessed_at"); s != "" {
		if ts, err := parseLaravelTime(s); err == nil {
			t.LastAccessedAt = &ts
		}
	}
	return t
}

func (t Tenant) dataString(key string) string {
	v, ok := t.Data[key]
	if !ok {
		return ""
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return s
	}
	return strings.Trim(string(v), `"`)
}

func pick(col sql.NullString, fallback string) string {
	if col.Valid && col.String != "" {
		return col.String
	}
	return fallback
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

func parseLaravelTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05.000000Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %q", s)
}

// ErrNotFound is returned when no tenant matches a reference.
var ErrNotFound = errors.New("tenant not found")
