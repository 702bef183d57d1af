package cli

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/lifecycle"
	"github.com/tenancy-dev/tenancy/testdb"
)

// TestCloneMoveRebalanceCommands drives the commands in process on one
// server (the moves themselves are tested in lifecycle/ with a second
// server; a move run is tested in tenants_move_run_test.go): a clone with
// --json, the move's dry run, its usage errors, the rebalance plan (and
// rebalance with nothing to move) and the cleanup with nothing due.
func TestCloneMoveRebalanceCommands(t *testing.T) {
	env := testdb.NewCentral(t)
	_, _, err := runEnv(t, env, "tenants", "create", "--name", "Source", "--domain", "source.test", "--no-migrate")
	require.NoError(t, err)

	out, _, err := runEnv(t, env, "tenants", "clone", "source.test", "--name", "Copy", "--domain", "copy.test", "--json")
	require.NoError(t, err)
	var clone struct {
		Name    string   `json:"name"`
		Domains []string `json:"domains"`
		Status  string   `json:"status"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &clone))
	require.Equal(t, "Copy", clone.Name)
	require.Equal(t, []string{"copy.test"}, clone.Domains)
	require.Equal(t, "active", clone.Status)

	out, _, err = runEnv(t, env, "tenants", "move", "source.test", "--to", "central", "--dry-run", "--json")
	require.NoError(t, err)
	var plan lifecycle.MovePlan
	require.NoError(t, json.Unmarshal([]byte(out), &plan))
	require.Equal(t, []string{"the tenant is already on central"}, plan.Problems)

	for _, args := range [][]string{
		{"tenants", "move", "source.test"},
		{"tenants", "move", "source.test", "--to", "central", "--resume"},
		{"tenants", "move", "source.test", "--cleanup"},
		{"tenants", "move", "source.test", "--resume", "--all"},
		{"tenants", "move", "--all", "--server", "central"},
	} {
		_, _, err := runEnv(t, env, args...)
		require.ErrorAs(t, err, &usageError{}, "%v", args)
	}
	_, _, err = runEnv(t, env, "tenants", "move", "source.test", "--resume")
	require.ErrorContains(t, err, "no unfinished move")

	out, _, err = runEnv(t, env, "tenants", "rebalance", "--dry-run")
	require.NoError(t, err)
	require.Contains(t, out, "No move narrows the gap")
	out, _, err = runEnv(t, env, "tenants", "rebalance")
	require.NoError(t, err, "with nothing to move, rebalance starts no run")
	require.Contains(t, out, "No move narrows the gap")
	out, _, err = runEnv(t, env, "tenants", "move", "--cleanup", "--yes")
	require.NoError(t, err)
	require.Equal(t, "No move's source is due for cleanup.\n", out)
	out, _, err = runEnv(t, env, "tenants", "move", "--list")
	require.NoError(t, err)
	require.Contains(t, out, "PHASE")
}
