package backup

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func synthetic(r *rand.Rand, n int) []Backup {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]Backup, n)
	for i := range out {
		status := StatusComplete
		switch r.IntN(10) {
		case 0:
			status = StatusFailed
		case 1:
			status = StatusRunning
		}
		out[i] = Backup{
			ID: int64(i + 1), TenantID: []string{"a", "b", "c"}[r.IntN(3)], Status: status,
			StartedAt: base.Add(time.Duration(r.Int64N(int64(400 * 24 * time.Hour)))),
		}
	}
	return out
}

func TestPlanInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 500; round++ {
		backups := synthetic(r, r.IntN(60))
		p := Policy{Last: r.IntN(4), Daily: r.IntN(8), Weekly: r.IntN(5), Monthly: r.IntN(13)}
		if r.IntN(3) == 0 {
			p.Within = time.Duration(r.IntN(90)) * 24 * time.Hour
		}
		if p.Empty() {
			p.Last = 1
		}
		plan, err := Plan(backups, p, Departed{})
		require.NoError(t, err)
		// kept + removed = all, each exactly once.
		require.Len(t, plan, len(backups))
		seen := map[int64]bool{}
		newest := map[string]Backup{}
		for _, b := range backups {
			if cur, ok := newest[b.TenantID]; b.Status == StatusComplete && (!ok || b.StartedAt.After(cur.StartedAt)) {
				newest[b.TenantID] = b
			}
		}
		kept := map[string]int{}
		for _, d := range plan {
			require.False(t, seen[d.Backup.ID])
			seen[d.Backup.ID] = true
			require.NotEmpty(t, d.Reasons)
			if d.Keep && d.Backup.Status == StatusComplete {
				kept[d.Backup.TenantID]++
			}
			if d.Backup.Status == StatusRunning {
				require.True(t, d.Keep, "running backups are never removed")
			}
		}
		for tenant, b := range newest {
			for _, d := range plan {
				if d.Backup.ID == b.ID {
					require.True(t, d.Keep, "newest complete backup of %s kept", tenant)
				}
			}
			// No rule keeps more than its count (+1 for the newest).
			require.LessOrEqual(t, kept[tenant], p.Last+p.Daily+p.Weekly+p.Monthly+1+withinCount(backups, tenant, b, p))
		}
	}
}

func withinCount(all []Backup, tenant string, newest Backup, p Policy) int {
	if p.Within <= 0 {
		return 0
	}
	n := 0
	for _, b := range all {
		if b.TenantID == tenant && b.Status == StatusComplete && !b.StartedAt.Before(newest.StartedAt.Add(-p.Within)) {
			n++
		}
	}
	return n
}

func TestPlanEmptyPolicyRefused(t *testing.T) {
	_, err := Plan(synthetic(rand.New(rand.NewPCG(3, 4)), 10), Policy{}, Departed{})
	require.ErrorIs(t, err, ErrEmptyPolicy)
}

func TestPlanResticMeanings(t *testing.T) {
	day := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	var backups []Backup
	for i, at := range []time.Time{day(1, 1), day(1, 9), day(2, 3), day(9, 5), day(9, 6), day(10, 1), day(16, 2)} {
		backups = append(backups, Backup{ID: int64(i + 1), TenantID: "t", Status: StatusComplete, StartedAt: at})
	}
	keptIDs := func(p Policy) []int64 {
		plan, err := Plan(backups, p, Departed{})
		require.NoError(t, err)
		var ids []int64
		for _, d := range plan {
			if d.Keep {
				ids = append(ids, d.Backup.ID)
			}
		}
		return ids
	}
	require.Equal(t, []int64{7, 6}, keptIDs(Policy{Last: 2}))
	// Daily: the newest of each of the last 3 days that have backups.
	require.Equal(t, []int64{7, 6, 5}, keptIDs(Policy{Daily: 3}))
	// Weekly (ISO weeks: Mar 1 is in week 9, Mar 2-8 in 10, 9-15 in 11, 16 in 12).
	require.Equal(t, []int64{7, 6, 3, 2}, keptIDs(Policy{Weekly: 4}))
	require.Equal(t, []int64{7}, keptIDs(Policy{Monthly: 1}))
	// Within 7 days of the newest (Mar 16 02:00): from Mar 9 02:00 on.
	require.Equal(t, []int64{7, 6, 5, 4}, keptIDs(Policy{Within: 7 * 24 * time.Hour}))

	// Final and orphan backups are outside retention: the oldest of
	// either survives a policy that keeps one backup, and none of them
	// takes the place of the newest full one.
	backups = append(backups,
		Backup{ID: 8, TenantID: "t", Kind: KindFinal, Status: StatusComplete, StartedAt: day(17, 1)},
		Backup{ID: 9, TenantID: "t", Kind: KindOrphan, Status: StatusComplete, StartedAt: day(1, 0)})
	require.Equal(t, []int64{7, 8, 9}, keptIDs(Policy{Last: 1}))
}

func TestInterleaveKeepsWidthTablesInFlight(t *testing.T) {
	big, mid, small := &table{Name: "big", DataBytes: 300}, &table{Name: "mid", DataBytes: 200}, &table{Name: "small", DataBytes: 1}
	tasks := []task{{t: small}, {t: mid, where: "1"}, {t: mid, where: "2"}, {t: big, where: "1"}, {t: big, where: "2"}, {t: big, where: "3"}}
	order := func(width int) []string {
		var got []string
		for _, tk := range interleave(tasks, width) {
			got = append(got, fmt.Sprintf("%s%s %d/%d", tk.t.Name, tk.where, tk.part, tk.parts))
		}
		return got
	}
	require.Equal(t, []string{"big1 1/3", "mid1 1/2", "big2 2/3", "mid2 2/2", "big3 3/3", "small 1/1"}, order(2))
	require.Equal(t, []string{"big1 1/3", "mid1 1/2", "small 1/1", "big2 2/3", "mid2 2/2", "big3 3/3"}, order(3))
	require.Equal(t, []string{"big1 1/3", "big2 2/3", "big3 3/3", "mid1 1/2", "mid2 2/2", "small 1/1"}, order(1))
}

func TestPartMarkerRoundTrip(t *testing.T) {
	for _, name := range []string{"t", "we`ird\nname ü", "1/2 3"} {
		line := partMarker(task{t: &table{Name: name}, part: 2, parts: 5})
		marker, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), markPrefix)
		require.True(t, ok)
		got, part, parts, ok := parsePart(marker)
		require.True(t, ok, line)
		require.Equal(t, []any{name, 2, 5}, []any{got, part, parts})
	}
	for _, bad := range []string{"part zz 1/2", "part 74 3/2", "part 74 0/2", "part 74", "section data"} {
		_, _, _, ok := parsePart(bad)
		require.False(t, ok, bad)
	}
}
