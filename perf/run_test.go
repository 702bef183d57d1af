package perf

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

// fleet creates n tenants, each with its own database user when dbUser.
func fleet(t testing.TB, n int, dbUser bool) (*testdb.Env, *tenants.Service, []tenants.Tenant) {
	t.Helper()
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	var list []tenants.Tenant
	for i := range n {
		tn, err := svc.Create(context.Background(), tenants.CreateRequest{Name: fmt.Sprintf("perf%d", i), DBUser: &dbUser, NoMigrate: true}, nil)
		require.NoError(t, err)
		list = append(list, tn)
	}
	return env, svc, list
}

func tableExists(t *testing.T, env *testdb.Env, database string) bool {
	t.Helper()
	var n int
	require.NoError(t, env.Server.Get(&n, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", database, Table))
	return n > 0
}

func TestRunThreeTenants(t *testing.T) {
	env, svc, list := fleet(t, 3, true)
	var mu sync.Mutex
	var snaps []*Snapshot
	rep, err := NewRunner(svc).Run(context.Background(), list, Options{
		Users: 3, Duration: 1500 * time.Millisecond, Warmup: 300 * time.Millisecond, SeedRows: 200,
		Interval: 250 * time.Millisecond,
	}, func(p Progress) {
		if p.Snapshot != nil {
			mu.Lock()
			snaps = append(snaps, p.Snapshot)
			mu.Unlock()
		}
	})
	require.NoError(t, err)
	require.True(t, rep.Isolation.Passed, "%+v", rep.Isolation)
	require.True(t, rep.Passed())
	require.Len(t, rep.Isolation.Rows, 3)
	require.Len(t, rep.Isolation.Pairs, 6, "every ordered pair of 3 tenants with users")
	for _, p := range rep.Isolation.Pairs {
		require.Len(t, p.Refusals, 3, "%+v", p)
	}
	require.Equal(t, "dropped", rep.Cleanup)
	// The run stops at its duration; under a loaded CI machine in-flight
	// operations may finish a little later, but never seconds later.
	require.GreaterOrEqual(t, rep.Measured, 1.4)
	require.Less(t, rep.Measured, 6.0)

	var sumTenants int64
	for _, tr := range rep.Tenants {
		sumTenants += tr.Ops
		requireSane(t, tr.Summary, 3)
		require.False(t, tableExists(t, env, tr.Database), "table dropped in %s", tr.Database)
	}
	requireSane(t, rep.Total, 9)
	require.Equal(t, rep.Total.Ops, sumTenants)
	require.Positive(t, rep.Total.ByKind["insert"].Ops)
	require.Positive(t, rep.Total.ByKind["delete"].Ops)

	require.NotEmpty(t, snaps)
	require.True(t, snaps[0].Warmup, "the first snapshot is in the warm-up")
	var snapOps int64
	for _, s := range snaps {
		require.Len(t, s.Tenants, 3)
		if !s.Warmup {
			snapOps += s.Total.Ops
		}
	}
	require.Equal(t, rep.Total.Ops, snapOps, "measured snapshots add up to the report")

	path, err := rep.Save(env.Config.Perf.ReportDir)
	require.NoError(t, err)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var back Report
	require.NoError(t, json.Unmarshal(data, &back))
	require.Equal(t, rep.Total.Ops, back.Total.Ops)
	require.Equal(t, rep.Parameters.Mix, back.Parameters.Mix)
	md := filepath.Join(t.TempDir(), "r.md")
	require.NoError(t, rep.WriteFile(md))
	data, err = os.ReadFile(md)
	require.NoError(t, err)
	require.Contains(t, string(data), "# Load test "+rep.RunID)
	require.Contains(t, string(data), "| "+list[0].Name+" | ")
}

func requireSane(t *testing.T, s Summary, users int) {
	t.Helper()
	var byKind int64
	for _, k := range Kinds {
		byKind += s.ByKind[k.String()].Ops
	}
	require.Equal(t, s.Ops, byKind, "ops = sum of kinds")
	require.Positive(t, s.Ops)
	require.Zero(t, s.Errors, "%v", s.ErrorSamples)
	l := s.Latency
	require.Positive(t, l.Min)
	ordered := []float64{l.Min, l.P50, l.P90, l.P95, l.P99, l.P999, l.Max}
	for i := 1; i < len(ordered); i++ {
		require.LessOrEqual(t, ordered[i-1], ordered[i], "percentiles ordered: %+v", l)
	}
	require.LessOrEqual(t, l.Min, l.Avg)
	require.LessOrEqual(t, l.Avg, l.Max)
	require.Equal(t, users, s.Fairness.Users)
	require.Greater(t, s.Fairness.Jain, 0.5)
	require.LessOrEqual(t, s.Fairness.Jain, 1.0+1e-9)
}
