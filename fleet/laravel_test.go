package fleet

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
)

const laravelMigrationsDDL = "CREATE TABLE migrations (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, migration VARCHAR(255) NOT NULL, batch INT NOT NULL)"

// TestLaravelStatus: Laravel's migrations table in each tenant against a
// folder of .php files: pending = files with no row, unknown = rows with
// no file; a tenant with no table has everything pending.
func TestLaravelStatus(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	files := []string{"2014_10_12_000000_create_users_table", "2019_08_19_000000_create_failed_jobs_table", "2024_05_01_120000_add_plan_to_users"}
	for _, name := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".php"), []byte("<?php\n"), 0o600))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte("not a migration"), 0o600))
	list := f.tenants(t, 4, config.CentralServerName)
	f.execIn(t, list[0], laravelMigrationsDDL,
		"INSERT INTO migrations (migration, batch) VALUES ('2014_10_12_000000_create_users_table', 1), ('2019_08_19_000000_create_failed_jobs_table', 1), ('2024_05_01_120000_add_plan_to_users', 2)")
	f.execIn(t, list[1], laravelMigrationsDDL,
		"INSERT INTO migrations (migration, batch) VALUES ('2014_10_12_000000_create_users_table', 1), ('2019_08_19_000000_create_failed_jobs_table', 1)")
	f.execIn(t, list[2], laravelMigrationsDDL,
		"INSERT INTO migrations (migration, batch) VALUES ('2014_10_12_000000_create_users_table', 1), ('2019_08_19_000000_create_failed_jobs_table', 1), "+
			"('2024_05_01_120000_add_plan_to_users', 2), ('2023_01_01_000000_removed_from_the_repo', 2)")

	st, err := f.fs.LaravelStatus(context.Background(), Selection{All: true}, dir)
	require.NoError(t, err)
	require.Equal(t, files, st.Files)
	byID := map[string]LaravelTenant{}
	for _, v := range st.Tenants {
		byID[v.Tenant.ID] = v
	}
	require.Empty(t, byID[list[0].ID].Pending)
	require.Equal(t, 2, byID[list[0].ID].LastBatch)
	require.Equal(t, []string{"2024_05_01_120000_add_plan_to_users"}, byID[list[1].ID].Pending)
	require.Equal(t, []string{"2023_01_01_000000_removed_from_the_repo"}, byID[list[2].ID].Unknown)
	require.Empty(t, byID[list[2].ID].Pending)
	require.False(t, byID[list[3].ID].HasTable)
	require.Equal(t, files, byID[list[3].ID].Pending)
	require.Equal(t, LaravelSummary{Tenants: 4, Current: 1, Behind: 2, PendingTotal: 4, Unknown: 1, NoTable: 1}, st.Summary)
	require.Equal(t, 2, st.Reads[0].Queries)

	_, err = f.fs.LaravelStatus(context.Background(), Selection{All: true}, t.TempDir())
	require.ErrorContains(t, err, "no .php migrations")
}
