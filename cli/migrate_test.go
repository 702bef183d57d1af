package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/testdb"
)

// TestMigrateCommands: migrate status, up (dry run, run, nothing left),
// down and redo refused without --yes and no terminal, then with --yes;
// --laravel; seed; usage errors; through the real command line.
func TestMigrateCommands(t *testing.T) {
	env := testdb.New(t)
	cfg := writeConfig(t, env)
	r := runCLI(t, cfg, "init")
	require.Equal(t, 0, r.code, r.stderr)
	for _, name := range []string{"Acme", "Beta"} {
		r = runCLI(t, cfg, "tenants", "create", "--name", name)
		require.Equal(t, 0, r.code, r.stderr)
	}
	for _, name := range []string{"Gamma", "Delta"} {
		r = runCLI(t, cfg, "tenants", "create", "--name", name, "--no-migrate")
		require.Equal(t, 0, r.code, r.stderr)
	}

	r = runCLI(t, cfg, "migrate", "status")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Migrations: built-in schema, latest version 3 (3 files).")
	require.Contains(t, r.stdout, "4 tenants: 2 current, 2 behind (6 migrations pending), 0 with drift, 2 never migrated, 0 unreadable.")
	require.Contains(t, r.stdout, "Tenants at each version: 3: 2, 0: 2.")
	require.Contains(t, r.stdout, "central 4 tenants over 1 connection, 2 queries")
	require.Regexp(t, `Gamma\s+central\s+\S+\s+0\s+3\s+never migrated`, r.stdout)

	r = runCLI(t, cfg, "migrate", "up", "--all", "--dry-run")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "version 0 → 3: apply 00001_users.sql, 00002_projects.sql, 00003_activity_log.sql")
	require.Contains(t, r.stdout, "2 of 4 selected tenants have nothing to do")
	require.NotContains(t, r.stdout, "Acme")

	r = runCLI(t, cfg, "migrate", "up", "--all")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stderr, "Run 1: migrate up to the latest version (3) of built-in schema over 2 tenants (2 of 4 selected had nothing to do")
	require.Contains(t, r.stdout, "Run 1 done: 2 done")
	r = runCLI(t, cfg, "migrate", "up", "--all", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	require.JSONEq(t, `{"event":"nothing_to_do","selected":4,"nothing_to_do":4}`, r.stdout)

	// down and redo need the word typed, or --yes; there is no terminal here.
	for _, dir := range []string{"down", "redo"} {
		r = runCLI(t, cfg, "migrate", dir, "--all")
		require.Equal(t, 1, r.code)
		require.Contains(t, r.stderr, "refusing to migrate "+dir+" without confirmation")
	}
	r = runCLI(t, cfg, "migrate", "status", "--summary", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var st struct {
		Summary struct {
			AtVersion map[string]int `json:"at_version"`
		} `json:"summary"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &st))
	require.Equal(t, map[string]int{"3": 4}, st.Summary.AtVersion, "nothing was rolled back")

	r = runCLI(t, cfg, "migrate", "down", "Acme", "Beta", "--yes")
	require.Equal(t, 0, r.code, r.stderr)
	r = runCLI(t, cfg, "migrate", "redo", "Acme", "--yes")
	require.Equal(t, 0, r.code, r.stderr)
	r = runCLI(t, cfg, "runs", "show", "3", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "down 00002_projects.sql, up 00002_projects.sql")
	r = runCLI(t, cfg, "migrate", "status", "--summary")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Tenants at each version: 3: 2, 2: 2.")

	// Laravel: the tenants have no migrations table yet.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "2014_10_12_000000_create_users_table.php"), []byte("<?php\n"), 0o600))
	r = runCLI(t, cfg, "migrate", "status", "--laravel", dir, "Acme")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "1 tenant: 0 current, 1 behind (1 migration pending), 0 with rows that have no file, 1 without a migrations table")

	// seed: the built-in seed into Acme (migrated up again first).
	r = runCLI(t, cfg, "migrate", "up", "Acme")
	require.Equal(t, 0, r.code, r.stderr)
	r = runCLI(t, cfg, "seed", "Acme", "Gamma", "--dry-run")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "load the built-in seed")
	r = runCLI(t, cfg, "seed", "Acme")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "done: 1 done")
	r = runCLI(t, cfg, "tenants", "show", "Acme", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var acme struct {
		Database string `json:"database"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &acme))
	var users int
	require.NoError(t, env.Server.Get(&users, "SELECT COUNT(*) FROM `"+acme.Database+"`.users"))
	require.Equal(t, 200, users)
	r = runCLI(t, cfg, "seed", "Acme")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "Duplicate entry")

	for _, args := range [][]string{
		{"migrate", "up", "--all", "--to", "x"},
		{"migrate", "redo", "--all", "--to", "1"},
		{"migrate", "up"},
		{"migrate", "sideways"},
	} {
		r = runCLI(t, cfg, args...)
		require.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
	}
}

func TestAskWord(t *testing.T) {
	require.NoError(t, askWord(strings.NewReader("down\n"), "down", "nothing was changed"))
	require.NoError(t, askWord(strings.NewReader("  redo \r\n"), "redo", "nothing was changed"))
	err := askWord(strings.NewReader("yes\n"), "down", "nothing was changed")
	require.ErrorContains(t, err, `you did not type "down"; nothing was changed`)
	require.Error(t, askWord(strings.NewReader(""), "down", "nothing was changed"))
}
