package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/testdb"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, configPath string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	app := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}
	code := run(context.Background(), app, append([]string{"--config", configPath}, args...))
	return result{code, out.String(), errb.String()}
}

func writeConfig(t testing.TB, env *testdb.Env) string {
	path := filepath.Join(t.TempDir(), "tenancy.toml")
	text := "[central]\ndsn = \"" + env.Config.Central.DSN + "\"\n[tenancy]\ndatabase_prefix = \"" + env.Config.Tenancy.DatabasePrefix + "\"\n"
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func TestCLIContract(t *testing.T) {
	env := testdb.New(t)
	cfg := writeConfig(t, env)

	r := runCLI(t, cfg, "tenants", "list")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "tenancy init", "a missing central database says how to fix it")

	r = runCLI(t, cfg, "init")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Created tables: tenants, domains")
	r = runCLI(t, cfg, "init")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "nothing was changed")

	r = runCLI(t, cfg, "tenants", "create", "--name", "Acme", "--domain", "acme.test", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var created map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &created))
	for _, k := range []string{"index", "id", "name", "status", "database", "server", "domains", "created_at", "updated_at", "last_accessed_at"} {
		require.Contains(t, created, k)
	}
	require.Equal(t, []any{"acme.test"}, created["domains"])
	r = runCLI(t, cfg, "tenants", "create", "--name", "Beta", "--no-migrate")
	require.Equal(t, 0, r.code, r.stderr)

	r = runCLI(t, cfg, "tenants", "list", "--json", "--status", "active")
	require.Equal(t, 0, r.code, r.stderr)
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &list))
	require.Len(t, list, 2)
	require.NotContains(t, r.stdout, "tenancy_db_password")

	r = runCLI(t, cfg, "tenants", "deactivate", "0,1", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var changed []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &changed))
	require.Len(t, changed, 2)
	require.Equal(t, "inactive", changed[0]["status"])

	r = runCLI(t, cfg, "tenants", "domains", "add", "Acme", "WWW.acme.test", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	require.JSONEq(t, `["acme.test", "www.acme.test"]`, r.stdout)
	r = runCLI(t, cfg, "tenants", "domains", "list", "acme.test")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "acme.test, www.acme.test")
	r = runCLI(t, cfg, "tenants", "list", "--status", "inactive")
	require.Contains(t, r.stdout, "2 tenants")

	r = runCLI(t, cfg, "tenants", "show", "acme.test")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Acme")
	require.Contains(t, r.stdout, " tables, ~")

	r = runCLI(t, cfg, "tenants", "delete", "Acme")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "add --yes")
	r = runCLI(t, cfg, "tenants", "delete", "Acme", "--yes")
	require.Equal(t, 0, r.code, r.stderr)
	r = runCLI(t, cfg, "tenants", "show", "Acme")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "nothing matches")

	// Usage errors exit 2.
	for _, args := range [][]string{
		{"tenants", "bogus"}, {"tenants", "list", "--nope"}, {"tenants", "show"},
		{"tenants", "list", "--status", "gone"}, {"tenants", "create"},
		{"tenants", "create", "--name", "X", "--status", "weird"}, {"tenants", "create", "--name", "X", "--server", "nope"},
	} {
		r = runCLI(t, cfg, args...)
		require.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
	}
	r = runCLI(t, cfg, "--read-only", "tenants", "create", "--name", "X")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "read-only")
}

func TestBadConfigExitsWithEveryProblem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.toml")
	require.NoError(t, os.WriteFile(path, []byte("[central]\ndsn = \"root@tcp(127.0.0.1:1)/c\"\n[tenancy]\nprefix = \"x\"\n"), 0o600))
	r := runCLI(t, path, "tenants", "list")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "tenancy.prefix: unknown key")
	require.Contains(t, r.stderr, "central.dsn: cannot connect", "an unreachable server is listed with the other problems")
	require.NotContains(t, r.stderr, "panic")
}

// BenchmarkTenantsList10k runs `tenancy tenants list` end to end (config,
// connect, flavour detection, list, print) on a 10,000-tenant registry.
func BenchmarkTenantsList10k(b *testing.B) {
	env := testdb.NewCentral(b)
	env.SeedRegistry(b, 10000)
	path := filepath.Join(b.TempDir(), "tenancy.toml")
	require.NoError(b, os.WriteFile(path, []byte("[central]\ndsn = \""+env.Config.Central.DSN+"\"\n"), 0o600))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var out bytes.Buffer
		app := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out}
		if code := run(context.Background(), app, []string{"--config", path, "tenants", "list"}); code != 0 {
			b.Fatalf("exit %d: %s", code, out.String())
		}
		if !strings.Contains(out.String(), "10000 tenants") {
			b.Fatalf("unexpected output tail: %s", out.String()[out.Len()-100:])
		}
	}
}
