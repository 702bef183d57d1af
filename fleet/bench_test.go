package fleet

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

type noop struct{}

func (noop) Name() string                                            { return "noop" }
func (noop) Args() any                                               { return struct{}{} }
func (noop) Describe(tenants.Tenant) string                          { return "nothing" }
func (noop) Do(context.Context, Env, tenants.Tenant) (Result, error) { return Result{}, nil }

// BenchmarkEngineOverhead is the engine's own cost per item (tenant lock,
// two item writes, scheduling) with an operation that does nothing, over
// 500 registry rows; reported as ms/item.
func BenchmarkEngineOverhead(b *testing.B) {
	env := testdb.NewCentral(b)
	env.SeedRegistry(b, 500)
	ts := env.Service(b)
	fs, err := Open(context.Background(), ts, DefaultOperations())
	require.NoError(b, err)
	fs.ops.Register("noop", func(json.RawMessage) (Operation, error) { return noop{}, nil })
	b.ResetTimer()
	for range b.N {
		run, err := fs.Create(context.Background(), CreateRequest{Operation: noop{}, Selection: Selection{All: true}, Limits: Limits{Parallel: 4}})
		require.NoError(b, err)
		got, err := fs.Work(context.Background(), run.ID, WorkOptions{})
		require.NoError(b, err)
		require.Equal(b, 500, got.Done)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*500), "ms/item")
}
