package fleet

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// TestBackupRun: `backup create --all` as a run. Each item's backup is
// made under the lock the run holds for its tenant (the backup service
// takes the same lock: it must not find it busy), lands complete in the
// catalog, and a tenant whose database is gone fails alone, named.
func TestBackupRun(t *testing.T) {
	f := newFixture(t)
	list := f.tenants(t, 5, config.CentralServerName, "INSERT INTO hits VALUES (1),(2),(3)")
	_, err := f.env.Server.Exec("DROP DATABASE " + tenants.QuoteIdent(list[3].Database))
	require.NoError(t, err)

	op, err := NewBackup("", backup.CompressZstd, 0)
	require.NoError(t, err)
	run := f.create(t, op, Selection{All: true}, Limits{Parallel: 3})
	got, err := f.fs.Work(context.Background(), run.ID, WorkOptions{})
	require.NoError(t, err)
	require.Equal(t, RunFailed, got.State)
	require.Equal(t, 4, got.Done)
	require.Equal(t, 1, got.Failed)

	bs, err := backup.Open(context.Background(), f.ts)
	require.NoError(t, err)
	items := f.items(t, run.ID)
	for i, tn := range list {
		it := items[tn.ID]
		catalog, err := bs.List(context.Background(), tn.ID)
		require.NoError(t, err)
		if i == 3 {
			require.Equal(t, ItemFailed, it.State)
			require.Contains(t, it.Error, tn.Database)
			for _, b := range catalog {
				require.NotEqual(t, backup.StatusComplete, b.Status)
			}
			continue
		}
		require.Equal(t, ItemDone, it.State, it.Error)
		require.Len(t, catalog, 1, tn.Name)
		require.Equal(t, backup.StatusComplete, catalog[0].Status)
		require.Equal(t, int64(3), catalog[0].Rows)
		require.Contains(t, it.Result.Summary, catalog[0].File)
	}

	// The recorded arguments rebuild the operation (resume, workers).
	_, err = f.fs.Operations().Build(BackupName, []byte(`{"kind":"final"}`))
	require.ErrorContains(t, err, `"final" is not a backup kind for a run`)
}

// TestStatusRun: a bulk status change is a run; every tenant's change is
// an item, the registry holds the new status, and tenants already in it
// are done with nothing changed.
func TestStatusRun(t *testing.T) {
	f := newFixture(t)
	list := f.tenants(t, 4, config.CentralServerName)
	_, err := f.ts.SetStatus(context.Background(), list[0], tenants.StatusBlocked)
	require.NoError(t, err)

	op, err := NewStatus(tenants.StatusBlocked)
	require.NoError(t, err)
	plan, err := f.fs.Plan(context.Background(), CreateRequest{Operation: op, Selection: Selection{All: true}})
	require.NoError(t, err)
	actions := map[string]string{}
	for _, it := range plan.Items {
		actions[it.Tenant.ID] = it.Action
	}
	require.Contains(t, actions[list[0].ID], "already")
	require.Contains(t, actions[list[1].ID], "active -> blocked")

	run := f.create(t, op, Selection{All: true}, Limits{})
	got, err := f.fs.Work(context.Background(), run.ID, WorkOptions{})
	require.NoError(t, err)
	require.Equal(t, RunDone, got.State)
	require.Equal(t, 4, got.Done)
	for _, tn := range list {
		after, err := f.ts.Get(context.Background(), tn.ID)
		require.NoError(t, err)
		require.Equal(t, tenants.StatusBlocked, after.Status, tn.Name)
	}
	_, err = NewStatus("suspended")
	require.ErrorContains(t, err, "not one of active, inactive, blocked")
}
