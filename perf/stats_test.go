package perf

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseMix(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Mix
		err  string
	}{
		{in: "read=70,insert=15,update=10,delete=5", want: Mix{70, 15, 10, 5}},
		{in: "read=100", want: Mix{100, 0, 0, 0}},
		{in: " insert=50 , read=50% ", want: Mix{50, 50, 0, 0}},
		{in: "read=70,insert=20", err: "sum to 90%"},
		{in: "read=70,scan=30", err: `unknown kind "scan"`},
		{in: "read=50,read=50", err: "given twice"},
		{in: "read", err: "not kind=percent"},
		{in: "read=-1,insert=101", err: "not a percentage"},
	} {
		got, err := ParseMix(tc.in)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got)
	}
	counts := map[Kind]int{}
	for n := range 100 {
		counts[DefaultMix.pick(n)]++
	}
	require.Equal(t, map[Kind]int{Read: 70, Insert: 15, Update: 10, Delete: 5}, counts)
}

func TestMergeHistograms(t *testing.T) {
	a, b := &userStats{cur: newAcc()}, &userStats{cur: newAcc()}
	for i := 1; i <= 100; i++ {
		a.cur.record(Read, time.Duration(i)*time.Millisecond)
	}
	for i := 101; i <= 200; i++ {
		b.cur.record(Insert, time.Duration(i)*time.Millisecond)
	}
	b.cur.fail("insert: MySQL error 1062", "duplicate")
	b.cur.deadlocks = 2
	dst := newAcc()
	a.drainInto(dst, true)
	b.drainInto(dst, false)
	require.Equal(t, int64(200), dst.hist.TotalCount())
	require.Equal(t, [numKinds]int64{100, 100, 0, 0}, dst.ops)
	l := latencyOf(dst.hist)
	require.InDelta(t, 1.0, l.Min, 0.01)
	require.InDelta(t, 100.0, l.P50, 0.2)
	require.InDelta(t, 190.0, l.P95, 0.3)
	require.InDelta(t, 200.0, l.Max, 0.3)
	require.InDelta(t, 100.5, l.Avg, 0.2)
	require.Equal(t, int64(1), dst.totalErrors())
	require.Equal(t, "duplicate", dst.samples["insert: MySQL error 1062"])
	require.Equal(t, int64(2), dst.deadlocks)
	// Draining empties the user and counts measured intervals only.
	require.Zero(t, a.cur.hist.TotalCount())
	require.Zero(t, b.cur.totalOps())
	require.Zero(t, b.cur.totalErrors())
	require.Equal(t, int64(100), a.measured)
	require.Zero(t, b.measured)
}

func TestIntervalSnapshot(t *testing.T) {
	a := newAcc()
	for range 300 {
		a.record(Read, 2*time.Millisecond)
	}
	for range 100 {
		a.record(Update, 10*time.Millisecond)
	}
	a.fail("read: timeout", "x")
	a.lockWaits = 3
	iv := intervalOf(a, 2, 5)
	require.Equal(t, int64(400), iv.Ops)
	require.InDelta(t, 200.0, iv.OpsPerSec, 1e-9)
	require.InDelta(t, 150.0, iv.ByKind["read"], 1e-9)
	require.InDelta(t, 50.0, iv.ByKind["update"], 1e-9)
	require.Zero(t, iv.ByKind["insert"])
	require.InDelta(t, 2.0, iv.P50, 0.01)
	require.InDelta(t, 10.0, iv.P95, 0.02)
	require.InDelta(t, 10.0, iv.Max, 0.02)
	require.InDelta(t, 0.5, iv.ErrorsPerSec, 1e-9)
	require.Equal(t, int64(3), iv.Retries)
	require.Equal(t, 5, iv.ConnsInUse)
}

func TestFairness(t *testing.T) {
	require.InDelta(t, 1.0, fairnessOf([]int64{10, 10, 10, 10}).Jain, 1e-9)
	f := fairnessOf([]int64{40, 0, 0, 0})
	require.InDelta(t, 0.25, f.Jain, 1e-9)
	require.Equal(t, Fairness{Users: 4, Jain: f.Jain, MinOps: 0, MaxOps: 40}, f)
}

// A user that stalls must not lower the measured latency: at a fixed
// rate every operation's latency runs from its slot, so the operations
// queued behind the stall carry the wait.
func TestFixedRateLatencyFromSchedule(t *testing.T) {
	const rate = 200.0 // one slot every 5 ms
	p := newPacer(time.Now(), rate)
	stats := newAcc()
	stall := 300 * time.Millisecond
	for i := range 100 {
		at, ok := p.nextStart(time.Now())
		require.True(t, ok)
		require.Equal(t, p.start.Add(time.Duration(float64(i)/rate*float64(time.Second))), at, "slot %d", i)
		if i == 0 {
			time.Sleep(stall) // the server stalls on the first operation
		}
		stats.record(Read, time.Since(at))
	}
	l := latencyOf(stats.hist)
	require.GreaterOrEqual(t, l.Max, float64(stall.Milliseconds()), "the stalled op")
	// Slots 1..59 fell due during the stall: measured from their slot,
	// each waited what was left of it (the median about 50 ms), far above the
	// sub-millisecond service time.
	require.Greater(t, l.P50, 20.0, "queued slots carry the stall: %+v", l)
	// And the run kept its schedule: 100 slots take 0.5 s at 200/s, not 0.5 s + the stall.
	require.Less(t, time.Since(p.start), 700*time.Millisecond)
	p.halt()
	_, ok := p.nextStart(time.Now())
	require.False(t, ok)
}
