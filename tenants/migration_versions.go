package tenants

import (
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// MigrationVersions lists the versions of the tenant migrations (the
// configured folder, or the built-in schema), ascending: what a fully
// migrated tenant database has applied. Doctor compares tenants with it.
func MigrationVersions(dir string) ([]int64, error) {
	fsys, err := migrationsFS(dir)
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []int64
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".sql") || strings.HasSuffix(name, ".go")) {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		if !ok {
			continue
		}
		if v, err := strconv.ParseInt(num, 10, 64); err == nil && v > 0 {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out, nil
}
