package audit

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/tenants"
)

// Filter selects entries; zero fields select everything.
type Filter struct {
	Since  time.Time
	User   string
	Target string
	Action string
	// Match keeps entries whose user, action or target contains it.
	Match string
	// Before keeps entries older than the entry with this id (0: from
	// the newest): the next page after a page that ended there.
	Before int64
	// Limit keeps the newest Limit entries (0: 1000).
	Limit int
}

// Entry is one row as read back: access.Entry with its id.
type Entry struct {
	ID int64
	access.Entry
}

type row struct {
	ID      int64          `db:"id"`
	At      time.Time      `db:"at"`
	User    string         `db:"user"`
	Role    string         `db:"role"`
	Via     string         `db:"via"`
	Remote  string         `db:"remote"`
	Action  string         `db:"action"`
	Target  string         `db:"target"`
	Detail  sql.NullString `db:"detail"`
	Outcome string         `db:"outcome"`
	Error   sql.NullString `db:"error"`
}

// List returns the entries f selects, oldest first. A central database
// without the table has no entries.
func List(ctx context.Context, central *sqlx.DB, f Filter) ([]Entry, error) {
	out, err := Newest(ctx, central, f)
	slices.Reverse(out)
	return out, err
}

// Newest returns the entries f selects, newest first: a page of at most
// f.Limit, read by the primary key from f.Before down (keyset paging: a
// page deep into a long log costs what the first one does). A central
// database without the table has no entries.
func Newest(ctx context.Context, central *sqlx.DB, f Filter) ([]Entry, error) {
	var n int
	if err := central.GetContext(ctx, &n, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", Table); err != nil {
		return nil, fmt.Errorf("audit: look for table %s: %w", Table, err)
	}
	if n == 0 {
		return nil, nil
	}
	where, args := f.where()
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	q := "SELECT `id`, `at`, `user`, `role`, `via`, `remote`, `action`, `target`, `detail`, `outcome`, `error` FROM `tenancy_audit`"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY `id` DESC LIMIT %d", limit)
	var rows []row
	if err := central.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("audit: read %s: %w", Table, err)
	}
	out := make([]Entry, len(rows))
	for i, r := range rows {
		out[i] = Entry{ID: r.ID, Entry: access.Entry{Time: r.At.UTC(), User: r.User, Role: access.Role(r.Role),
			Via: r.Via, Remote: r.Remote, Action: access.Action(r.Action), Target: r.Target, Detail: r.Detail.String,
			Outcome: r.Outcome, Error: r.Error.String}}
	}
	return out, nil
}

// where is f's conditions, values as placeholders.
func (f Filter) where() (where []string, args []any) {
	if !f.Since.IsZero() {
		where, args = append(where, "`at` >= ?"), append(args, f.Since.UTC())
	}
	if f.User != "" {
		where, args = append(where, "`user` = ?"), append(args, f.User)
	}
	if f.Target != "" {
		where, args = append(where, "`target` = ?"), append(args, f.Target)
	}
	if f.Action != "" {
		where, args = append(where, "(`action` = ? OR `action` LIKE ?)"), append(args, f.Action, tenants.EscapeGrantPattern(f.Action)+".%")
	}
	if f.Match != "" {
		like := "%" + tenants.EscapeGrantPattern(f.Match) + "%"
		where, args = append(where, "(`user` LIKE ? OR `action` LIKE ? OR `target` LIKE ?)"), append(args, like, like, like)
	}
	if f.Before > 0 {
		where, args = append(where, "`id` < ?"), append(args, f.Before)
	}
	return where, args
}

// JSON is an entry's JSON form (`tenancy audit --json`, the lines file).
type JSON struct {
	ID      int64     `json:"id,omitempty"`
	Time    time.Time `json:"time"`
	User    string    `json:"user"`
	Role    string    `json:"role"`
	Via     string    `json:"via"`
	Remote  string    `json:"remote,omitempty"`
	Action  string    `json:"action"`
	Target  string    `json:"target,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	Outcome string    `json:"outcome"`
	Error   string    `json:"error,omitempty"`
}

func jsonEntry(e access.Entry) JSON {
	return JSON{Time: e.Time.UTC(), User: e.User, Role: string(e.Role), Via: e.Via, Remote: e.Remote,
		Action: string(e.Action), Target: e.Target, Detail: e.Detail, Outcome: e.Outcome, Error: e.Error}
}

// JSON returns the entry's JSON form.
func (e Entry) JSON() JSON {
	j := jsonEntry(e.Entry)
	j.ID = e.ID
	return j
}
