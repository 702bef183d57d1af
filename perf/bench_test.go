//go:build unix

package perf

import (
	"context"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cpuTime is the process's user+system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPointSelect is the generator's cost per operation of
// `perf run --mix read=100` (sysbench's oltp_point_select) against the
// real server: b.N measured reads by 4 or 16 users on one tenant, with
// stats.
// cpu-µs/op is this process's CPU time (the server's is not included);
// allocs/op and B/op include the run's fixed setup, spread over b.N.
func BenchmarkPointSelect(b *testing.B) {
	for _, users := range []int{4, 16} {
		b.Run("users="+strconv.Itoa(users), func(b *testing.B) { benchmarkPointSelect(b, users) })
	}
}

func benchmarkPointSelect(b *testing.B, users int) {
	_, svc, list := fleet(b, 1, false)
	opts := Options{Users: users, Ops: int64(b.N), Mix: Mix{Read: 100}, SeedRows: 10000}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime(b)
	rep, err := NewRunner(svc).Run(context.Background(), list, opts, nil)
	cpu = cpuTime(b) - cpu
	b.StopTimer()
	require.NoError(b, err)
	require.Equal(b, int64(b.N), rep.Total.Ops)
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(rep.Total.OpsPerSec, "ops/s")
	b.ReportMetric(rep.Total.Latency.P99*1000, "p99-µs")
}
