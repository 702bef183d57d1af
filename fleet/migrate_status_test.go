package fleet

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// TestMigrateStatusSummaryDriftAndBatchedReads: a fleet on two servers
// with tenants current, behind, never migrated, with an unknown version,
// with a missing one, and one whose goose table cannot be read. The
// summary counts each; each server is read over one connection, with two
// queries (which databases hold the table, then one UNION ALL) however
// many tenants it holds, and one unreadable database does not hide the
// others on its server.
func TestMigrateStatusSummaryDriftAndBatchedReads(t *testing.T) {
	f := newFixture(t, "s1", "s2")
	m := builtIn(t, nil)
	s1, s2 := f.tenants(t, 6, "s1"), f.tenants(t, 6, "s2")
	for _, tn := range append(append([]tenants.Tenant{}, s1[0], s1[1], s1[4], s1[5]), s2[:5]...) {
		f.migrateTo(t, tn, m, 0)
	}
	f.migrateTo(t, s1[2], m, 1)
	f.execIn(t, s1[4], "INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, 1)")
	f.execIn(t, s1[5], "DELETE FROM goose_db_version WHERE version_id = 2")
	f.execIn(t, s2[5], "CREATE TABLE goose_db_version (id INT)")

	r := newBatchReader(f.ts.Servers())
	mu := make(chan struct{}, 1) // the reader opens from one goroutine per server
	opened := map[string]int{}
	open := r.open
	r.open = func(ctx context.Context, server string) (queryer, func(), error) {
		mu <- struct{}{}
		opened[server]++
		<-mu
		return open(ctx, server)
	}
	list := append(append([]tenants.Tenant{}, s1...), s2...)
	st := migrateStatus(context.Background(), r, list, m)

	require.Equal(t, map[string]int{"s1": 1, "s2": 1}, opened, "one connection per server")
	reads := map[string]ReadStats{}
	for _, rs := range st.Reads {
		reads[rs.Server] = rs
	}
	require.Equal(t, 1, reads["s1"].Connections)
	require.Equal(t, 2, reads["s1"].Queries, "information_schema once, one UNION ALL for the server's 6 tenants")
	require.Equal(t, 6, reads["s1"].Tenants)
	require.Equal(t, 1+1+6, reads["s2"].Queries, "the failed UNION ALL is read one database at a time")

	byID := map[string]TenantVersion{}
	for _, v := range st.Tenants {
		byID[v.Tenant.ID] = v
	}
	require.Equal(t, []int64{2, 3}, byID[s1[2].ID].Pending)
	require.False(t, byID[s1[3].ID].Migrated)
	require.Equal(t, []int64{1, 2, 3}, byID[s1[3].ID].Pending)
	require.Equal(t, []int64{99}, byID[s1[4].ID].Unknown)
	require.Equal(t, []int64{2}, byID[s1[5].ID].Missing)
	require.Contains(t, byID[s2[5].ID].Error, "goose_db_version")
	require.Equal(t, StatusSummary{Tenants: 12, AtVersion: map[int64]int{3: 8, 1: 1, 0: 1, 99: 1},
		Current: 7, Behind: 2, PendingTotal: 5, Drift: 2, NotMigrated: 1, Unreadable: 1}, st.Summary)

	// Smaller chunks: queries grow by chunk, never per tenant; chunks are
	// read on up to conns connections at once, with the same results.
	r = newBatchReader(f.ts.Servers())
	r.chunk = 2
	got := migrateStatus(context.Background(), r, s1, m)
	require.Equal(t, 3*2, got.Reads[0].Queries, "three chunks of two queries")
	require.Positive(t, got.Reads[0].Elapsed)
	require.Equal(t, 3, got.Reads[0].Connections)
	r.conns = 2
	got2 := migrateStatus(context.Background(), r, s1, m)
	require.Equal(t, 2, got2.Reads[0].Connections)
	require.Equal(t, got.Summary, got2.Summary)
	r.conns, r.chunk = 1, 250
	one := migrateStatus(context.Background(), r, s1, m)
	require.Equal(t, one.Summary, got.Summary)
	require.Equal(t, 1, one.Reads[0].Connections)
}

// TestMigrateStatusServerDown: a server that does not answer makes its
// tenants unreadable with a sentence naming it; the others are read.
func TestMigrateStatusServerDown(t *testing.T) {
	f := newFixture(t, "s1")
	m := builtIn(t, nil)
	up := f.tenants(t, 2, "s1")
	for _, tn := range up {
		f.migrateTo(t, tn, m, 0)
	}
	down := up[0]
	down.Server = "gone"
	f.env.Config.Servers = append(f.env.Config.Servers, config.Server{Name: "gone", DSN: "root@tcp(127.0.0.1:1)/"})
	st := migrateStatus(context.Background(), newBatchReader(f.ts.Servers()), []tenants.Tenant{down, up[1]}, m)
	require.Contains(t, st.Tenants[0].Error, "database server gone cannot be reached")
	require.Empty(t, st.Tenants[1].Error)
	require.Equal(t, 1, st.Summary.Unreadable)
	require.Equal(t, 1, st.Summary.Current)
}
