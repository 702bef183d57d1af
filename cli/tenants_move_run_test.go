package cli

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/sandbox"
	"github.com/tenancy-dev/tenancy/testdb"
)

// TestTenantsMoveAsRun drives `tenants move` over a selection end to end
// through the command line, with a second MariaDB server started for the
// test: the dry run's plan, the refusal to move several tenants without
// a terminal or --yes, an unknown --to, then `--all --server central
// --to second --yes --per-server 1` as a run (every central tenant on
// second afterwards, the other server's tenant untouched), the same run
// again (each tenant "already on second", done), a single REF still
// moving as before, and `tenants rebalance --yes` making its plan's move
// as a run.
func TestTenantsMoveAsRun(t *testing.T) {
	env := testdb.New(t)
	srv, err := sandbox.StartServer(context.Background(), t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() })
	cfg := writeConfig(t, env)
	extra := "[backup]\ndir = \"" + t.TempDir() + "\"\n[[servers]]\nname = \"second\"\ndsn = \"" + srv.DSN + "\"\n"
	text, err := os.ReadFile(cfg)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cfg, append(text, extra...), 0o600))

	r := runCLI(t, cfg, "init")
	require.Equal(t, 0, r.code, r.stderr)
	for _, name := range []string{"Acme", "Beta", "Gamma"} {
		r = runCLI(t, cfg, "tenants", "create", "--name", name, "--no-migrate", "--server", "central")
		require.Equal(t, 0, r.code, r.stderr)
	}
	r = runCLI(t, cfg, "tenants", "create", "--name", "Delta", "--no-migrate", "--server", "second")
	require.Equal(t, 0, r.code, r.stderr)

	r = runCLI(t, cfg, "tenants", "move", "--all", "--server", "central", "--to", "second", "--dry-run")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, 3, strings.Count(r.stdout, "central -> second"), r.stdout)
	require.Contains(t, r.stdout, "writes frozen ~")
	require.Contains(t, r.stdout, "Nothing was run or recorded")

	r = runCLI(t, cfg, "tenants", "move", "--all", "--server", "central", "--to", "second")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "refusing to move 3 tenants without confirmation")
	r = runCLI(t, cfg, "tenants", "move", "Acme", "Beta", "--to", "nowhere", "--yes")
	require.Equal(t, 2, r.code, r.stderr)
	require.Contains(t, r.stderr, `--to "nowhere" is not a configured server`)
	r = runCLI(t, cfg, "runs", "list", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	require.JSONEq(t, "[]", r.stdout, "nothing was recorded")

	r = runCLI(t, cfg, "tenants", "move", "--all", "--server", "central", "--to", "second", "--yes", "--per-server", "1")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Run 1 done: 3 done, 0 failed")
	require.Contains(t, r.stderr, "per server 1")
	servers := tenantServers(t, cfg)
	require.Equal(t, map[string]string{"Acme": "second", "Beta": "second", "Gamma": "second", "Delta": "second"}, servers)

	r = runCLI(t, cfg, "tenants", "move", "Acme", "Beta", "--to", "second", "--yes", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var sum struct {
		Event string `json:"event"`
		Run   struct {
			State string `json:"state"`
			Done  int    `json:"done"`
		} `json:"run"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &sum))
	require.Equal(t, "summary", sum.Event)
	require.Equal(t, "done", sum.Run.State)
	require.Equal(t, 2, sum.Run.Done)
	r = runCLI(t, cfg, "runs", "show", "2")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, 2, strings.Count(r.stdout, "already on second"), r.stdout)

	r = runCLI(t, cfg, "tenants", "move", "Delta", "--to", "central")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Delta from second to central")
	require.Equal(t, "central", tenantServers(t, cfg)["Delta"])

	// Rebalance: two tenants with data on central and none elsewhere (the
	// others' databases are empty): its plan moves one of them to second,
	// and without --dry-run that move is a run.
	for name, rows := range map[string]int{"Echo": 20000, "Foxtrot": 2000} {
		r = runCLI(t, cfg, "tenants", "create", "--name", name, "--no-migrate", "--server", "central")
		require.Equal(t, 0, r.code, r.stderr)
		db := "`" + tenantDatabases(t, cfg)[name] + "`"
		env.Exec(t, "CREATE TABLE "+db+".t (id INT PRIMARY KEY, v VARCHAR(100))",
			"INSERT INTO "+db+".t SELECT seq, REPEAT('x', 100) FROM "+db+".seq_1_to_"+strconv.Itoa(rows),
			"ANALYZE TABLE "+db+".t")
	}
	r = runCLI(t, cfg, "tenants", "rebalance", "--dry-run")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "--to second")
	r = runCLI(t, cfg, "tenants", "rebalance", "--yes", "--per-server", "1")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "done: 1 done, 0 failed")
	servers = tenantServers(t, cfg)
	require.ElementsMatch(t, []string{"central", "second"}, []string{servers["Echo"], servers["Foxtrot"]}, "one of the two moved")
}

// tenantServers maps each tenant's name to its server.
func tenantServers(t *testing.T, cfg string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, x := range tenantList(t, cfg) {
		out[x.Name] = x.Server
	}
	return out
}

// tenantDatabases maps each tenant's name to its database.
func tenantDatabases(t *testing.T, cfg string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, x := range tenantList(t, cfg) {
		out[x.Name] = x.Database
	}
	return out
}

type listedTenant struct {
	Name     string `json:"name"`
	Server   string `json:"server"`
	Database string `json:"database"`
}

func tenantList(t *testing.T, cfg string) []listedTenant {
	t.Helper()
	r := runCLI(t, cfg, "tenants", "list", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var list []listedTenant
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &list))
	return list
}
