package fleet

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"sort"

	"github.com/tenancy-dev/tenancy/tenants"
)

// TenantVersion is where one tenant database stands against a folder of
// goose migrations.
type TenantVersion struct {
	Tenant tenants.Tenant `json:"tenant"`
	// Migrated: the database holds goose's version table.
	Migrated bool `json:"migrated"`
	// Version is the highest applied version (0: none).
	Version int64   `json:"version"`
	Applied []int64 `json:"applied"`
	// Pending are the folder's versions above Version not applied: what
	// `migrate up` applies.
	Pending []int64 `json:"pending"`
	// Missing are the folder's versions below Version not applied, and
	// Unknown the applied versions with no file: drift, which `migrate up`
	// does not fix (goose refuses to apply below the current version).
	Missing []int64 `json:"missing,omitempty"`
	Unknown []int64 `json:"unknown,omitempty"`
	// Error: the database or its server could not be read.
	Error string `json:"error,omitempty"`
}

// Behind reports whether `migrate up` (to target; 0 is the latest) has
// work on the tenant.
func (v TenantVersion) Behind(target int64) bool { return len(v.PendingTo(target)) > 0 }

// PendingTo lists the pending versions up to target (0: all).
func (v TenantVersion) PendingTo(target int64) []int64 {
	if target <= 0 {
		return v.Pending
	}
	i := sort.Search(len(v.Pending), func(i int) bool { return v.Pending[i] > target })
	return v.Pending[:i]
}

// Drift reports whether the applied set differs from the folder in a way
// other than pending migrations.
func (v TenantVersion) Drift() bool { return len(v.Missing)+len(v.Unknown) > 0 }

// StatusSummary counts a fleet's tenants by where they stand.
type StatusSummary struct {
	Tenants int `json:"tenants"`
	// AtVersion counts tenants by their highest applied version.
	AtVersion map[int64]int `json:"at_version"`
	Current   int           `json:"current"`
	Behind    int           `json:"behind"`
	// PendingTotal is the migrations pending over the whole selection.
	PendingTotal int `json:"pending_total"`
	Drift        int `json:"drift"`
	NotMigrated  int `json:"not_migrated"`
	Unreadable   int `json:"unreadable"`
}

// MigrateStatus is a selection's standing against a migrations folder.
type MigrateStatus struct {
	Source   string          `json:"source"`
	Latest   int64           `json:"latest"`
	Versions []int64         `json:"versions"`
	Tenants  []TenantVersion `json:"tenants"`
	Summary  StatusSummary   `json:"summary"`
	// Reads say what the batched reads cost per server.
	Reads []ReadStats `json:"reads"`
}

// MigrateStatus reads where each selected tenant stands against m, with
// one connection per database server (see batchReader).
func (s *Service) MigrateStatus(ctx context.Context, sel Selection, m *Migrations) (MigrateStatus, error) {
	list, err := s.resolve(ctx, sel)
	if err != nil {
		return MigrateStatus{}, err
	}
	return migrateStatus(ctx, newBatchReader(s.tenants.Servers()), list, m), nil
}

type gooseRow struct {
	id        int64
	version   int64
	isApplied bool
}

func migrateStatus(ctx context.Context, r *batchReader, list []tenants.Tenant, m *Migrations) MigrateStatus {
	rowsOf := make([]map[int64]gooseRow, len(list))
	reads := r.read(ctx, list, GooseTable, "`id`, `version_id`, `is_applied`", func(rows *sql.Rows) error {
		var i int
		var g gooseRow
		if err := rows.Scan(&i, &g.id, &g.version, &g.isApplied); err != nil {
			return err
		}
		if rowsOf[i] == nil {
			rowsOf[i] = map[int64]gooseRow{}
		}
		rowsOf[i][g.id] = g
		return nil
	})
	st := MigrateStatus{Source: m.Source, Latest: m.Latest(), Versions: m.Versions(), Reads: reads.stats,
		Tenants: make([]TenantVersion, len(list))}
	slices.SortFunc(st.Reads, func(a, b ReadStats) int { return cmp.Compare(a.Server, b.Server) })
	for i, t := range list {
		v := TenantVersion{Tenant: t, Migrated: reads.found[i]}
		if err := reads.errs[i]; err != nil {
			v.Error = err.Error()
		} else {
			v.fill(appliedVersions(rowsOf[i]), m)
		}
		st.Tenants[i] = v
	}
	st.Summary = summarize(st.Tenants)
	return st
}

// appliedVersions replays goose's rows in the order they were written:
// goose v3 deletes a row on down; older gooses wrote is_applied = 0.
func appliedVersions(rows map[int64]gooseRow) []int64 {
	ordered := make([]gooseRow, 0, len(rows))
	for _, r := range rows {
		ordered = append(ordered, r)
	}
	slices.SortFunc(ordered, func(a, b gooseRow) int { return cmp.Compare(a.id, b.id) })
	set := map[int64]bool{}
	for _, r := range ordered {
		if r.version == 0 {
			continue
		}
		if r.isApplied {
			set[r.version] = true
		} else {
			delete(set, r.version)
		}
	}
	out := make([]int64, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

func (v *TenantVersion) fill(applied []int64, m *Migrations) {
	v.Applied = applied
	if len(applied) > 0 {
		v.Version = applied[len(applied)-1]
	}
	for _, a := range applied {
		if !m.Has(a) {
			v.Unknown = append(v.Unknown, a)
		}
	}
	for _, f := range m.Versions() {
		if _, ok := slices.BinarySearch(applied, f); ok {
			continue
		}
		if f < v.Version {
			v.Missing = append(v.Missing, f)
		} else {
			v.Pending = append(v.Pending, f)
		}
	}
}

func summarize(list []TenantVersion) StatusSummary {
	s := StatusSummary{Tenants: len(list), AtVersion: map[int64]int{}}
	for _, v := range list {
		switch {
		case v.Error != "":
			s.Unreadable++
			continue
		case !v.Migrated:
			s.NotMigrated++
		}
		s.AtVersion[v.Version]++
		if v.Behind(0) {
			s.Behind++
			s.PendingTotal += len(v.Pending)
		} else if !v.Drift() {
			s.Current++
		}
		if v.Drift() {
			s.Drift++
		}
	}
	return s
}
