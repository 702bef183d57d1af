package fleet

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/tenancy-dev/tenancy/tenants"
)

// LaravelTable is Laravel's migrations table in each tenant database.
const LaravelTable = "migrations"

// LaravelTenant is where one tenant database stands against a folder of
// Laravel migrations (tenancy cannot run them: they are PHP; `run exec --
// php artisan tenants:migrate ...` does).
type LaravelTenant struct {
	Tenant tenants.Tenant `json:"tenant"`
	// HasTable: the database holds Laravel's migrations table.
	HasTable  bool `json:"has_table"`
	Ran       int  `json:"ran"`
	LastBatch int  `json:"last_batch"`
	// Pending are files with no row; Unknown rows with no file.
	Pending []string `json:"pending"`
	Unknown []string `json:"unknown,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// LaravelSummary counts tenants by where they stand.
type LaravelSummary struct {
	Tenants      int `json:"tenants"`
	Current      int `json:"current"`
	Behind       int `json:"behind"`
	PendingTotal int `json:"pending_total"`
	// Unknown counts tenants with rows that have no file (drift).
	Unknown    int `json:"unknown"`
	NoTable    int `json:"no_table"`
	Unreadable int `json:"unreadable"`
}

// LaravelStatus is a selection's standing against a Laravel migrations folder.
type LaravelStatus struct {
	Dir     string          `json:"dir"`
	Files   []string        `json:"files"`
	Tenants []LaravelTenant `json:"tenants"`
	Summary LaravelSummary  `json:"summary"`
	Reads   []ReadStats     `json:"reads"`
}

// LaravelMigrationFiles lists the migrations in dir: the names of its
// .php files without the extension (Laravel's migration names), sorted.
func LaravelMigrationFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read the Laravel migrations folder: %w", err)
	}
	var out []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".php"); ok && !e.IsDir() {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no .php migrations in %s: point --laravel at the tenant migrations folder (database/migrations/tenant)", dir)
	}
	slices.Sort(out)
	return out, nil
}

type laravelRow struct {
	name  string
	batch int
}

// LaravelStatus reads each selected tenant's Laravel migrations table in
// batch (one connection per server) and compares it with the files in dir.
func (s *Service) LaravelStatus(ctx context.Context, sel Selection, dir string) (LaravelStatus, error) {
	files, err := LaravelMigrationFiles(dir)
	if err != nil {
		return LaravelStatus{}, err
	}
	list, err := s.resolve(ctx, sel)
	if err != nil {
		return LaravelStatus{}, err
	}
	return laravelStatus(ctx, newBatchReader(s.tenants.Servers()), list, dir, files), nil
}

func laravelStatus(ctx context.Context, r *batchReader, list []tenants.Tenant, dir string, files []string) LaravelStatus {
	rowsOf := make([]map[int64]laravelRow, len(list))
	reads := r.read(ctx, list, LaravelTable, "`id`, `migration`, `batch`", func(rows *sql.Rows) error {
		var i int
		var id int64
		var row laravelRow
		if err := rows.Scan(&i, &id, &row.name, &row.batch); err != nil {
			return err
		}
		if rowsOf[i] == nil {
			rowsOf[i] = map[int64]laravelRow{}
		}
		rowsOf[i][id] = row
		return nil
	})
	st := LaravelStatus{Dir: dir, Files: files, Reads: reads.stats, Tenants: make([]LaravelTenant, len(list))}
	sum := &st.Summary
	sum.Tenants = len(list)
	for i, t := range list {
		v := LaravelTenant{Tenant: t, HasTable: reads.found[i]}
		if err := reads.errs[i]; err != nil {
			v.Error = err.Error()
			sum.Unreadable++
			st.Tenants[i] = v
			continue
		}
		ran := map[string]bool{}
		for _, row := range rowsOf[i] {
			ran[row.name] = true
			v.LastBatch = max(v.LastBatch, row.batch)
		}
		v.Ran = len(ran)
		for _, f := range files {
			if !ran[f] {
				v.Pending = append(v.Pending, f)
			}
		}
		for name := range ran {
			if _, ok := slices.BinarySearch(files, name); !ok {
				v.Unknown = append(v.Unknown, name)
			}
		}
		slices.Sort(v.Unknown)
		switch {
		case !v.HasTable:
			sum.NoTable++
		case len(v.Pending) == 0 && len(v.Unknown) == 0:
			sum.Current++
		}
		if len(v.Pending) > 0 {
			sum.Behind++
			sum.PendingTotal += len(v.Pending)
		}
		if len(v.Unknown) > 0 {
			sum.Unknown++
		}
		st.Tenants[i] = v
	}
	return st
}
