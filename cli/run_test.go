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

// TestRunCommands: run sql / exec with selection flags, --dry-run,
// --canary then runs continue, a failing run's exit code, runs list/show
// and --failed-of, through the real command line.
func TestRunCommands(t *testing.T) {
	env := testdb.New(t)
	cfg := writeConfig(t, env)
	r := runCLI(t, cfg, "init")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "tenancy_runs, tenancy_run_items")
	for _, name := range []string{"Acme", "Beta", "Gamma", "Delta"} {
		r = runCLI(t, cfg, "tenants", "create", "--name", name, "--no-migrate")
		require.Equal(t, 0, r.code, r.stderr)
	}
	dir := t.TempDir()
	create := filepath.Join(dir, "create.sql")
	require.NoError(t, os.WriteFile(create, []byte("-- a comment; with a semicolon\nCREATE TABLE notes (id INT, body TEXT);\nINSERT INTO notes VALUES (1, 'a;b');\n"), 0o600))

	r = runCLI(t, cfg, "run", "sql", create, "--all", "--dry-run")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "run 2 statements of "+create)
	require.Contains(t, r.stdout, "Nothing was run or recorded")
	r = runCLI(t, cfg, "runs", "list", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	require.JSONEq(t, "[]", r.stdout)

	// A canary of 1 over Acme and Beta, then continue.
	r = runCLI(t, cfg, "run", "sql", create, "Acme", "Beta", "--canary", "1")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Run 1 paused: 1 done")
	require.Contains(t, r.stderr, "tenancy runs continue 1")
	r = runCLI(t, cfg, "runs", "continue", "1", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 2, "one item event and the summary")
	var sum struct {
		Event string `json:"event"`
		Run   struct {
			State string `json:"state"`
			Done  int    `json:"done"`
		} `json:"run"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &sum))
	require.Equal(t, "summary", sum.Event)
	require.Equal(t, "done", sum.Run.State)
	require.Equal(t, 2, sum.Run.Done)

	// Over all four: the table exists in two, so two fail; exit 1.
	r = runCLI(t, cfg, "run", "sql", create, "--all", "--order", "name", "--per-server", "1")
	require.Equal(t, 1, r.code, r.stdout)
	require.Contains(t, r.stderr, "✗ Acme")
	require.Contains(t, r.stderr, "Table 'notes' already exists")
	require.Contains(t, r.stderr, "run 2 failed")
	require.Contains(t, r.stdout, "Run 2 failed: 2 done, 2 failed")
	r = runCLI(t, cfg, "runs", "show", "2", "--state", "failed")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Acme")
	require.NotContains(t, r.stdout, "Gamma")

	// Fix by hand, then retry the failed ones.
	drop := filepath.Join(dir, "drop.sql")
	require.NoError(t, os.WriteFile(drop, []byte("DROP TABLE notes"), 0o600))
	r = runCLI(t, cfg, "run", "sql", drop, "Acme", "Beta")
	require.Equal(t, 0, r.code, r.stderr)
	r = runCLI(t, cfg, "run", "sql", create, "--failed-of", "2", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, `"failed":[]`)

	// exec with substitution; a selection by --tenant and --skip.
	r = runCLI(t, cfg, "run", "exec", "--all", "--skip", "Delta", "--", "echo", "{name}:{database}")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Run 5 done: 3 done")
	r = runCLI(t, cfg, "runs", "show", "5", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, `"output": "Acme:`+env.Config.Tenancy.DatabasePrefix)
	r = runCLI(t, cfg, "run", "exec", "--tenant", "Acme", "--", "sh", "-c", "exit 4")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "exited with status 4")

	r = runCLI(t, cfg, "runs", "list")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "failed of run 2")
	r = runCLI(t, cfg, "runs", "cancel", "1")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "already done")

	// Usage errors exit 2.
	for _, args := range [][]string{
		{"run", "exec", "--all", "echo"},
		{"run", "exec", "--", "echo"},
		{"run", "sql", create, "--all", "--max-failures", "lots"},
		{"run", "sql", create, "--all", "--order", "random"},
		{"runs", "show", "x"},
	} {
		r = runCLI(t, cfg, args...)
		require.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
	}
}

// TestBulkStatusIsARun: a status change over a selection is a recorded
// run (dry run first, then every tenant an item); naming tenants changes
// them at once, as before; both at once is a usage error.
func TestBulkStatusIsARun(t *testing.T) {
	env := testdb.New(t)
	cfg := writeConfig(t, env)
	require.Equal(t, 0, runCLI(t, cfg, "init").code)
	for _, name := range []string{"Acme", "Beta", "Bravo"} {
		r := runCLI(t, cfg, "tenants", "create", "--name", name, "--no-migrate")
		require.Equal(t, 0, r.code, r.stderr)
	}
	r := runCLI(t, cfg, "tenants", "block", "--status", "active", "--skip", "Acme", "--dry-run")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "set its status active -> blocked")
	require.Contains(t, r.stdout, "Dry run: status 2 tenants")

	r = runCLI(t, cfg, "tenants", "block", "--status", "active", "--skip", "Acme")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Run 1 done: 2 done, 0 failed")
	r = runCLI(t, cfg, "tenants", "list", "--status", "blocked")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Beta")
	require.Contains(t, r.stdout, "Bravo")
	require.NotContains(t, r.stdout, "Acme")

	r = runCLI(t, cfg, "tenants", "activate", "Beta")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Beta: blocked -> active")
	r = runCLI(t, cfg, "tenants", "activate", "Beta", "--all")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "not both")
}
