package tenants_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

// TestCreateCancelledDuringMigrationsLeavesNothing is the user pressing
// Esc while migrations run: the caller's context is cancelled as the
// migration step starts, with the database, the user and the rows made.
// The undo must still remove all three, though the caller's context is
// gone.
func TestCreateCancelledDuringMigrationsLeavesNothing(t *testing.T) {
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	central := env.Database(t, env.Prefix+"central")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	yes := true
	const id = "esc-during-migrations"
	var user string
	var done []tenants.Step
	_, err := svc.Create(ctx, tenants.CreateRequest{ID: id, Name: "Esc", Domains: []string{"esc.test", "www.esc.test"}, DBUser: &yes},
		func(p tenants.Progress) {
			switch {
			case p.Step == tenants.StepUser && p.State == tenants.StepStarted:
				user = strings.Fields(p.Message)[2] // "create user NAME with access ..."
			case p.State == tenants.StepDone:
				done = append(done, p.Step)
			case p.Step == tenants.StepMigrations && p.State == tenants.StepStarted:
				// Everything there is to undo exists now.
				exists, err := tenants.DatabaseExists(context.Background(), env.Server, env.Config.Tenancy.DatabasePrefix+id)
				require.NoError(t, err)
				require.True(t, exists)
				var n int
				require.NoError(t, env.Server.Get(&n, "SELECT COUNT(*) FROM mysql.user WHERE User = ?", user))
				require.Equal(t, 1, n, "user %s", user)
				require.NoError(t, central.Get(&n, "SELECT COUNT(*) FROM domains WHERE tenant_id = ?", id))
				require.Equal(t, 2, n, "domain rows")
				cancel()
			}
		})
	require.ErrorIs(t, err, context.Canceled)
	var se *tenants.StepError
	require.ErrorAs(t, err, &se)
	require.Equal(t, tenants.StepMigrations, se.Step)
	require.NoError(t, se.RollbackErr)
	require.True(t, se.RolledBack)
	require.Equal(t, []tenants.Step{tenants.StepDatabase, tenants.StepUser, tenants.StepRecords}, done)
	require.NotEmpty(t, user)
	assertNothingLeft(t, env, id, user)
}
