package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

func TestBackupCommands(t *testing.T) {
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	var ids []string
	for _, name := range []string{"alpha", "beta"} {
		tn, err := svc.Create(context.Background(), tenants.CreateRequest{Name: name}, nil)
		require.NoError(t, err)
		ids = append(ids, tn.ID)
	}
	_, _, err := runEnv(t, env, "backup", "create")
	require.ErrorAs(t, err, &usageError{})

	// Named tenants: backed up at once, outside any run.
	out, _, err := runEnv(t, env, "backup", "create", "alpha", "beta", "--json")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var sum backupSummary
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &sum))
	require.Equal(t, "summary", sum.Event)
	require.Len(t, sum.Backups, 2)
	require.Empty(t, sum.Failed)
	require.Contains(t, lines[0], `"event":"progress"`)

	// A selection is a recorded run: an item event per tenant, the run's summary.
	out, _, err = runEnv(t, env, "backup", "create", "--all", "--json")
	require.NoError(t, err)
	lines = strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	var runSum struct {
		Event string `json:"event"`
		Run   struct {
			Operation string `json:"operation"`
			State     string `json:"state"`
			Done      int    `json:"done"`
		} `json:"run"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[2]), &runSum))
	require.Equal(t, "summary", runSum.Event)
	require.Equal(t, "backup", runSum.Run.Operation)
	require.Equal(t, "done", runSum.Run.State)
	require.Equal(t, 2, runSum.Run.Done)
	out, _, err = runEnv(t, env, "runs", "list")
	require.NoError(t, err)
	require.Contains(t, out, "backup")

	out, _, err = runEnv(t, env, "backup", "create", "alpha", "--structure-only", "--compression", "gzip")
	require.NoError(t, err)
	require.Contains(t, out, "_structure.sql.gz")

	out, _, err = runEnv(t, env, "backup", "list", "alpha")
	require.NoError(t, err)
	require.Contains(t, out, "3 backups")

	first := sum.Backups[0]
	out, _, err = runEnv(t, env, "backup", "verify", first.File)
	require.NoError(t, err)
	require.Contains(t, out, "OK ")

	_, _, err = runEnv(t, env, "backup", "restore", "1")
	require.ErrorContains(t, err, "add --yes")
	out, _, err = runEnv(t, env, "backup", "restore", "1", "--yes")
	require.NoError(t, err, out)
	require.Contains(t, out, "Restored")

	_, _, err = runEnv(t, env, "backup", "cleanup")
	require.ErrorAs(t, err, &usageError{})
	out, _, err = runEnv(t, env, "backup", "cleanup", "--keep-last", "1", "--dry-run")
	require.NoError(t, err)
	require.Contains(t, out, "Would remove 3 of 5 backups")
	out, _, err = runEnv(t, env, "backup", "cleanup", "alpha", "--keep-last", "1")
	require.NoError(t, err)
	require.Contains(t, out, "Removed 2 of 3 backups")
	out, _, err = runEnv(t, env, "backup", "list", "--json")
	require.NoError(t, err)
	require.Equal(t, 3, strings.Count(out, `"tenant_id"`), ids)
}

// A backup that cannot be written fails with its reason on stderr (cron
// mails stderr) and exit code 1, for one tenant and for --all.
func TestBackupFailureReasonOnStderr(t *testing.T) {
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	for _, name := range []string{"alpha", "beta"} {
		_, err := svc.Create(context.Background(), tenants.CreateRequest{Name: name, NoMigrate: true}, nil)
		require.NoError(t, err)
	}
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	env.Config.Backup.Dir = filepath.Join(file, "backups") // its parent is a regular file
	cfg := writeConfig(t, env)
	require.NoError(t, os.WriteFile(cfg, append(mustRead(t, cfg), []byte("[backup]\ndir = \""+env.Config.Backup.Dir+"\"\n")...), 0o600))

	for _, args := range [][]string{{"alpha"}, {"--all"}, {"--all", "--json"}} {
		r := runCLI(t, cfg, append([]string{"backup", "create"}, args...)...)
		require.Equal(t, 1, r.code, "%v: %s", args, r.stdout)
		require.Contains(t, r.stderr, "not a directory", "%v: the reason is on stderr", args)
		require.Contains(t, r.stderr, "alpha", "%v: the failed tenant is named on stderr", args)
		if args[0] == "--all" {
			require.Contains(t, r.stderr, "beta", args)
			require.Contains(t, r.stderr, "2 of 2 items failed", args)
		}
		if args[len(args)-1] == "--json" {
			for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
				require.True(t, json.Valid([]byte(l)), "stdout stays JSON lines: %s", l)
			}
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// TestBackupListShowsLeftovers: a scratch database recorded by a restore
// whose process is gone (nobody holds the tenant's lock) is listed, with
// the process that left it; the JSON array stays the catalog's and the
// leftovers go to stderr.
func TestBackupListShowsLeftovers(t *testing.T) {
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	tn, err := svc.Create(context.Background(), tenants.CreateRequest{Name: "left"}, nil)
	require.NoError(t, err)
	_, _, err = runEnv(t, env, "backup", "list") // creates the catalog tables
	require.NoError(t, err)
	scratch := env.Prefix + "left__restore_0badf00d"
	_, err = svc.Central().Exec("INSERT INTO tenancy_restores (server, database_name, tenant_id, target, host, pid, started_at) VALUES (?, ?, ?, ?, 'db-host-1', 4242, UTC_TIMESTAMP())",
		tn.Server, scratch, tn.ID, tn.Database)
	require.NoError(t, err)

	out, _, err := runEnv(t, env, "backup", "list")
	require.NoError(t, err)
	require.Contains(t, out, "1 scratch database left by restores that were killed")
	require.Contains(t, out, scratch)
	require.Contains(t, out, "pid 4242 on db-host-1")

	out, errOut, err := runEnv(t, env, "backup", "list", "--json")
	require.NoError(t, err)
	require.Equal(t, "[]\n", out)
	require.Contains(t, errOut, scratch)

	lock, err := tenants.AcquireLock(context.Background(), svc.Central(), tn.ID)
	require.NoError(t, err)
	defer lock.Release()
	out, _, err = runEnv(t, env, "backup", "list")
	require.NoError(t, err)
	require.NotContains(t, out, scratch, "a restore that is still running is not a leftover")
}

// TestBackupEncryptedIdentity: with [backup] encrypt_to, verify without
// --identity checks the stored size and checksum, a restore without it
// (or with a stranger's) is refused naming the recipient, and --identity
// decrypts.
func TestBackupEncryptedIdentity(t *testing.T) {
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	_, err := svc.Create(context.Background(), tenants.CreateRequest{Name: "sealed"}, nil)
	require.NoError(t, err)
	key, recipient := ageKey(t)
	stranger, _ := ageKey(t)
	env.Config.Backup.EncryptTo = []string{recipient}

	out, _, err := runEnv(t, env, "backup", "create", "sealed")
	require.NoError(t, err)
	require.Contains(t, out, ".sql.zst.age")
	out, _, err = runEnv(t, env, "backup", "verify", "1")
	require.NoError(t, err)
	require.Contains(t, out, "stored size")
	require.Contains(t, out, recipient)
	out, _, err = runEnv(t, env, "backup", "verify", "1", "--identity", key)
	require.NoError(t, err)
	require.Contains(t, out, "footer")

	_, _, err = runEnv(t, env, "backup", "restore", "1", "--yes")
	require.ErrorContains(t, err, "encrypted to "+recipient)
	require.ErrorContains(t, err, "--identity FILE")
	_, _, err = runEnv(t, env, "backup", "restore", "1", "--yes", "--identity", stranger)
	require.ErrorContains(t, err, "not one of its recipients")
	_, _, err = runEnv(t, env, "backup", "restore", "1", "--yes", "--identity", filepath.Join(t.TempDir(), "none"))
	require.ErrorContains(t, err, "--identity")
	out, _, err = runEnv(t, env, "backup", "restore", "1", "--yes", "--identity", key)
	require.NoError(t, err, out)
	require.Contains(t, out, "Restored")
}

// ageKey writes a new age identity file and returns it and its recipient.
func ageKey(t *testing.T) (string, string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "key.txt")
	require.NoError(t, os.WriteFile(path, []byte(id.String()+"\n"), 0o600))
	return path, id.Recipient().String()
}
