package queue

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/fleet"
)

// BenchmarkQueuedItem works a run of cheap items (a query per tenant)
// through the queue with one worker in this process, against the same
// run worked in process: ns/op is one item, the difference between the
// two is the queue's cost per item on this machine (profile it with
// -cpuprofile; scripts/bench-queue.sh measures the real processes).
func BenchmarkQueuedItem(b *testing.B) {
	const n = 200
	f := newFixture(b)
	f.tenants(b, n, "central")
	op, err := fleet.NewSQL("status.sql", "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()", false, 0)
	require.NoError(b, err)
	limits := fleet.Limits{Parallel: 4}
	b.Run("queued", func(b *testing.B) {
		ctx, cancel := context.WithCancel(context.Background())
		w := f.q.NewWorker(f.fs, WorkerOptions{Concurrency: 4})
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		defer func() { cancel(); <-done }()
		b.ResetTimer()
		for worked := 0; worked < b.N; worked += n {
			run, err := f.fs.Create(context.Background(), fleet.CreateRequest{Operation: op, Selection: fleet.Selection{All: true}, Limits: limits})
			require.NoError(b, err)
			run, err = f.fs.Work(context.Background(), run.ID, fleet.WorkOptions{Tick: 20 * time.Millisecond})
			require.NoError(b, err)
			require.Equal(b, n, run.Done, "run %d", run.ID)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(((b.N+n-1)/n)*n)/1e6, "ms/item")
	})
	b.Run("in-process", func(b *testing.B) {
		fs, err := fleet.Open(context.Background(), f.ts, fleet.DefaultOperations())
		require.NoError(b, err)
		b.ResetTimer()
		for worked := 0; worked < b.N; worked += n {
			run, err := fs.Create(context.Background(), fleet.CreateRequest{Operation: op, Selection: fleet.Selection{All: true}, Limits: limits})
			require.NoError(b, err)
			run, err = fs.Work(context.Background(), run.ID, fleet.WorkOptions{Tick: 20 * time.Millisecond})
			require.NoError(b, err)
			require.Equal(b, n, run.Done, "run %d", run.ID)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(((b.N+n-1)/n)*n)/1e6, "ms/item")
	})
}
