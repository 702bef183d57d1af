package cli

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/perf"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

func TestPerfRunCLI(t *testing.T) {
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	withUser := true
	var list []tenants.Tenant
	for _, name := range []string{"alpha", "beta"} {
		tn, err := svc.Create(context.Background(), tenants.CreateRequest{Name: name, DBUser: &withUser, NoMigrate: true}, nil)
		require.NoError(t, err)
		list = append(list, tn)
	}
	short := []string{"perf", "run", "--all", "--users", "1", "--duration", "1s", "--interval", "250ms", "--seed", "20"}

	_, _, err := runEnv(t, env, short...)
	require.ErrorContains(t, err, "add --yes")
	_, _, err = runEnv(t, env, append(short, "--ops", "10")...)
	require.ErrorAs(t, err, new(usageError))
	_, _, err = runEnv(t, env, "perf", "run", "alpha", "--all", "--yes")
	require.ErrorAs(t, err, new(usageError))
	_, _, err = runEnv(t, env, "perf", "run", "alpha", "--mix", "read=90", "--yes")
	require.ErrorContains(t, err, "sum to 90%")

	out, _, err := runEnv(t, env, append(short, "--yes", "--json")...)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Greater(t, len(lines), 2)
	for _, l := range lines[:len(lines)-1] {
		var s perf.Snapshot
		require.NoError(t, json.Unmarshal([]byte(l), &s), l)
		require.Len(t, s.Tenants, 2)
	}
	var rep perf.Report
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &rep))
	require.True(t, rep.Isolation.Passed)
	require.Len(t, rep.Isolation.Pairs, 2)
	saved, err := os.ReadDir(env.Config.Perf.ReportDir)
	require.NoError(t, err)
	require.Len(t, saved, 1)

	// alpha's user may read beta's database: the CLI fails loudly.
	env.Exec(t, "GRANT SELECT ON "+tenants.QuoteIdent(tenants.EscapeGrantPattern(list[1].Database))+".* TO "+tenants.QuoteString(list[0].DBUser)+"@'%'")
	mdPath := t.TempDir() + "/r.md"
	out, _, err = runEnv(t, env, append(short, "--yes", "--report", mdPath)...)
	require.ErrorContains(t, err, "isolation check FAILED")
	require.Contains(t, out, "[ 0.5s ] ops/s: ")
	require.Contains(t, out, "FAILED alpha's user "+list[0].DBUser+" reached beta: SELECT COUNT(*)")
	require.Contains(t, out, "Report saved to "+mdPath)
	md, err := os.ReadFile(mdPath)
	require.NoError(t, err)
	require.Contains(t, string(md), "- FAILED alpha's user")
}
