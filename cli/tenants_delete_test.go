package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/testdb"
)

// withBackupDir writes a config like writeConfig's whose backups go to dir.
func withBackupDir(t *testing.T, env *testdb.Env, dir string) string {
	path := writeConfig(t, env)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("[backup]\ndir = " + strconv.Quote(dir) + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	return path
}

func TestTenantsDeleteWithFinalBackup(t *testing.T) {
	env := testdb.New(t)
	cfg := withBackupDir(t, env, t.TempDir())
	r := runCLI(t, cfg, "init")
	require.Equal(t, 0, r.code, r.stderr)
	r = runCLI(t, cfg, "tenants", "create", "--name", "Acme", "--no-migrate", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var acme struct{ ID, Database string }
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &acme))
	env.Exec(t, "CREATE TABLE `"+acme.Database+"`.t (id INT PRIMARY KEY)", "INSERT INTO `"+acme.Database+"`.t SELECT seq FROM `"+acme.Database+"`.seq_1_to_42")

	r = runCLI(t, cfg, "tenants", "delete", "Acme", "--backup")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "add --yes", "asks first, as without --backup")

	r = runCLI(t, cfg, "tenants", "delete", "Acme", "--backup", "--yes")
	require.Equal(t, 0, r.code, r.stderr)
	require.Regexp(t, `Deleted tenant Acme \(.*\) and its database .*\.\nIts final backup is \d+: .*_final\.sql\.zst\.\n$`, r.stdout)

	// The backup outlives the tenant: listed, and restored into a new one.
	r = runCLI(t, cfg, "backup", "list", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var list []struct {
		ID       int64  `json:"id"`
		TenantID string `json:"tenant_id"`
		Kind     string `json:"kind"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &list))
	require.Len(t, list, 1)
	require.Equal(t, acme.ID, list[0].TenantID)
	require.Equal(t, "final", list[0].Kind)
	r = runCLI(t, cfg, "backup", "list", acme.ID)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "final", "the deleted tenant's id still lists its final backup")
	r = runCLI(t, cfg, "backup", "list", "Nobody")
	require.Equal(t, 1, r.code, "a reference to nothing is still an error")
	r = runCLI(t, cfg, "tenants", "create", "--name", "Revived", "--no-migrate", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var revived struct{ Database string }
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &revived))
	r = runCLI(t, cfg, "backup", "restore", strconv.FormatInt(list[0].ID, 10), "--into", "Revived", "--yes")
	require.Equal(t, 0, r.code, r.stderr)
	var n int
	require.NoError(t, env.Server.Get(&n, "SELECT COUNT(*) FROM `"+revived.Database+"`.t"))
	require.Equal(t, 42, n)
}

// TestTenantsDeleteFinalBackupFails: a backup folder that cannot be made
// (its parent is a file) fails the final backup, and nothing is deleted.
func TestTenantsDeleteFinalBackupFails(t *testing.T) {
	env := testdb.New(t)
	blocker := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o600))
	cfg := withBackupDir(t, env, filepath.Join(blocker, "backups"))
	r := runCLI(t, cfg, "init")
	require.Equal(t, 0, r.code, r.stderr)
	r = runCLI(t, cfg, "tenants", "create", "--name", "Acme", "--no-migrate")
	require.Equal(t, 0, r.code, r.stderr)

	r = runCLI(t, cfg, "tenants", "delete", "Acme", "--backup", "--yes")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "final backup of tenant")
	require.Contains(t, r.stderr, "nothing was deleted")
	r = runCLI(t, cfg, "tenants", "show", "Acme", "--json")
	require.Equal(t, 0, r.code, "the tenant remains: %s", r.stderr)
	var acme struct{ Database string }
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &acme))
	var n int
	require.NoError(t, env.Server.Get(&n, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", acme.Database))
	require.Equal(t, 1, n, "and so does its database")
}
