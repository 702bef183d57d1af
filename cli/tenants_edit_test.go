package cli

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/testdb"
)

func TestTenantsSetDownUp(t *testing.T) {
	env := testdb.New(t)
	cfg := writeConfig(t, env)
	r := runCLI(t, cfg, "init")
	require.Equal(t, 0, r.code, r.stderr)
	for _, name := range []string{"Acme", "Beta"} {
		r = runCLI(t, cfg, "tenants", "create", "--name", name, "--no-migrate")
		require.Equal(t, 0, r.code, r.stderr)
	}

	r = runCLI(t, cfg, "tenants", "set", "Acme", "--name", "Acme Corp", "--homepage", "true",
		"--setting", "theme=dark", "--setting", "seats:=25")
	require.Equal(t, 0, r.code, r.stderr)
	require.Regexp(t, `^\[[01]\] Acme Corp: name "Acme" -> "Acme Corp"; has_homepage false -> true; set seats, theme\n$`, r.stdout)

	r = runCLI(t, cfg, "tenants", "set", "Acme Corp,Beta", "--unset-setting", "theme", "--homepage", "false", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var changed []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &changed))
	require.Len(t, changed, 2)
	require.Equal(t, "Acme Corp", changed[0]["name"], "in the order given")
	require.Equal(t, map[string]any{"seats": float64(25)}, changed[0]["settings"])
	require.Equal(t, false, changed[0]["has_homepage"])

	r = runCLI(t, cfg, "tenants", "down", "Acme Corp", "--message", "Upgrading", "--retry", "60", "--secret", "let-me-in", "--allow", "10.0.0.0/8")
	require.Equal(t, 0, r.code, r.stderr)
	require.Regexp(t, `^\[[01]\] Acme Corp: down for maintenance \(except form, status 503, retry 60s, message "Upgrading", secret set, allowed 10\.0\.0\.0/8\)\n$`, r.stdout)
	require.Contains(t, r.stderr, "note: stancl's middleware for the except form ignores the allowed IPs", "says what the Laravel app will not honour")
	require.NotContains(t, r.stdout+r.stderr, "let-me-in", "the secret is not printed")

	r = runCLI(t, cfg, "tenants", "show", "Acme Corp")
	require.Regexp(t, `Maintenance\s+ON \(503\), retry 60s, bypass secret set, allowed 10\.0\.0\.0/8, except form\n`, r.stdout)
	require.NotContains(t, r.stdout, "let-me-in", "the secret is never shown")
	r = runCLI(t, cfg, "tenants", "show", "Acme Corp", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var shown map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &shown))
	require.Equal(t, float64(60), shown["maintenance"].(map[string]any)["retry"])

	r = runCLI(t, cfg, "tenants", "up", "Acme Corp", "Beta")
	require.Equal(t, 0, r.code, r.stderr)
	require.Regexp(t, `^\[[01]\] Acme Corp: up \(was down\)\n\[[01]\] Beta: up \(was not down\)\n$`, r.stdout)

	// usage errors exit 2 and change nothing
	for _, args := range [][]string{
		{"tenants", "set", "0"},
		{"tenants", "set", "Acme Corp,Beta", "--name", "Same"},
		{"tenants", "set", "0", "--homepage", "maybe"},
		{"tenants", "set", "0", "--name", " "},
		{"tenants", "set", "0", "--setting", "x:=notjson"},
		{"tenants", "set", "0", "--setting", "x=1", "--unset-setting", "x"},
		{"tenants", "down", "0", "--retry", "-5"},
		{"tenants", "down", "0", "--allow", "example.com"},
		{"tenants", "down", "0", "--secret", "a/b"},
		{"tenants", "down", "0", "--form", "laravel"},
	} {
		r = runCLI(t, cfg, args...)
		require.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
	}
	for _, args := range [][]string{{"tenants", "set", "0", "--name", "X"}, {"tenants", "down", "0"}, {"tenants", "up", "0"}} {
		r = runCLI(t, cfg, append([]string{"--read-only"}, args...)...)
		require.Equal(t, 1, r.code, "%v", args)
		require.Contains(t, r.stderr, "read-only")
	}
	r = runCLI(t, cfg, "tenants", "show", "Acme Corp", "--json")
	shown = nil
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &shown))
	require.Equal(t, "Acme Corp", shown["name"])
	require.Nil(t, shown["maintenance"])
}
