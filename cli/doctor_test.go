package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/doctor"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

// runDoctorCLI runs `tenancy doctor ARGS` in process (registering the
// command when the root does not have it yet).
func runDoctorCLI(t *testing.T, env *testdb.Env, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, cfg: env.Config}
	defer app.Close()
	root := NewRoot(app)
	if c, _, err := root.Find([]string{"doctor"}); err != nil || c == root {
		root.AddCommand(newDoctorCmd(app))
		wrapArgs(root)
	}
	root.SetArgs(append([]string{"doctor"}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestDoctorCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test (needs MariaDB)")
	}
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	ctx := context.Background()
	hostile := "Evil\x1b]0;pwned\x07\u202e"
	missing, err := svc.Create(ctx, tenants.CreateRequest{Name: hostile, Domains: []string{"evil-" + uuid.NewString()[:6] + ".example.test"}}, nil)
	require.NoError(t, err)
	env.Exec(t, "DROP DATABASE "+tenants.QuoteIdent(missing.Database))
	lookAlike := env.Config.Tenancy.DatabasePrefix + "reports"
	orphan := env.Config.Tenancy.DatabasePrefix + uuid.NewString()
	env.Exec(t, "CREATE DATABASE "+tenants.QuoteIdent(lookAlike), "CREATE DATABASE "+tenants.QuoteIdent(orphan))

	// Usage errors exit 2.
	for _, args := range [][]string{{"--fail-on", "bogus"}, {"--check", "nope"}, {"--allow-drop"}, {"--fix", "--dry-run"}} {
		_, _, err := runDoctorCLI(t, env, args...)
		var ue usageError
		require.True(t, errors.As(err, &ue), "%v: %v", args, err)
	}

	// JSON: one exact object per finding, then the summary; exit 1.
	out, _, err := runDoctorCLI(t, env, "--json", "--check", "databases,registry")
	require.Error(t, err)
	var sawMissing, sawSummary bool
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		if m["check"] == "database-missing" {
			sawMissing = true
			require.Equal(t, hostile, m["tenant_name"], "JSON stays exact")
			require.Equal(t, "error", m["severity"])
		}
		if m["event"] == "summary" {
			sawSummary = true
		}
	}
	require.True(t, sawMissing && sawSummary, out)

	// Text: grouped, escaped.
	out, _, err = runDoctorCLI(t, env, "--check", "databases")
	require.Error(t, err)
	require.Contains(t, out, "databases: 3 findings")
	require.Contains(t, out, "unmatched, ignored")
	require.NotContains(t, out, "\x1b")
	require.NotContains(t, out, "\u202e")

	// Destructive fixes off a terminal without --yes are refused.
	_, _, err = runDoctorCLI(t, env, "--check", "databases", "--fix", "--allow-drop")
	require.ErrorContains(t, err, "no terminal")
	var n int
	require.NoError(t, env.Server.Get(&n, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", orphan))
	require.Equal(t, 1, n)

	// --fix repairs the missing database (as a run); the orphan needs --allow-drop.
	_, errOut, err := runDoctorCLI(t, env, "--check", "databases", "--fix")
	require.NoError(t, err, errOut)
	require.Contains(t, errOut, "skipped: needs --allow-drop")
	ok, err := tenants.DatabaseExists(ctx, env.Server, missing.Database)
	require.NoError(t, err)
	require.True(t, ok)
	_, _, err = runDoctorCLI(t, env, "--check", "database-missing")
	require.NoError(t, err, "healthy: exit 0")
	// warn findings fail only with --fail-on warn.
	_, _, err = runDoctorCLI(t, env, "--check", "databases", "--fail-on", "warn")
	require.Error(t, err)

	_, errOut, err = runDoctorCLI(t, env, "--check", "databases", "--fix", "--allow-drop", "--yes")
	require.NoError(t, err, errOut)
	require.NoError(t, env.Server.Get(&n, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?, ?)", orphan, lookAlike))
	require.Equal(t, 1, n, "the orphan is dropped, the look-alike kept")
}

// TestDoctorReportFits80Columns: a long, hostile finding is wrapped and
// cut to 80 columns, escaped, and its evidence is shown whole.
func TestDoctorReportFits80Columns(t *testing.T) {
	long := strings.Repeat("evidence-that-does-not-stop ", 8) + "end-of-evidence"
	name := "Evil\x1b]0;pwned\x07\u202e " + strings.Repeat("名", 40)
	rep := doctor.Report{
		Findings: []doctor.Finding{
			{Check: "database-orphan", Severity: doctor.Warn, Tenant: uuid.NewString(), TenantName: name, Server: "central-server-with-a-long-name",
				Object: "tenant_" + uuid.NewString(), Evidence: long, Fix: "back it up, then drop it", FixKind: doctor.FixDestructive},
			{Check: "database-unmatched", Severity: doctor.Info, Object: strings.Repeat("x", 120), Evidence: "unmatched, ignored"},
		},
		Checks: []doctor.CheckResult{{Name: "databases", Findings: 2, Error: strings.Repeat("a failure that is long ", 6)}},
	}
	var out bytes.Buffer
	printDoctorReport(&out, rep, 20)
	text := out.String()
	require.NotContains(t, text, "\x1b")
	require.NotContains(t, text, "\u202e")
	require.Contains(t, text, `Evil\e]0;pwned\a\u202e`)
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		require.LessOrEqual(t, ansi.StringWidth(line), 80, "%q", line)
	}
	require.Contains(t, strings.Join(strings.Fields(text), " "), strings.TrimSpace(long), "the evidence is wrapped, not cut")
	require.Contains(t, text, "fix [--allow-drop]: back it up, then drop it")
}
