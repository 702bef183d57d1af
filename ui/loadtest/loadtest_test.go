package loadtest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/perf"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func screen(t testing.TB, w, h int, list []tenants.Tenant) *Model {
	t.Helper()
	m := New(uitest.Context(t, false, w, h), nil, list)
	m.SetSize(w, h)
	m.Init()
	return m
}

// startRun puts the screen where start leaves it, without a service: the
// test plays the runner's reports.
func startRun(m *Model, opts perf.Options) (cancelled *bool) {
	m.phase, m.opts, m.runID = running, opts, 9
	c := false
	m.cancel = func() { c = true }
	return &c
}

func snapshot(list []tenants.Tenant, elapsed float64, warmup bool) *perf.Snapshot {
	s := &perf.Snapshot{Elapsed: elapsed, Warmup: warmup}
	for i, t := range list {
		iv := perf.Interval{Ops: int64(1000 + 10*i), OpsPerSec: 1000 + 10*float64(i) + 50*elapsed, P50: 0.25, P95: 1.2 + elapsed/10, P99: 2 + elapsed/5, Max: 9, ConnsInUse: 4}
		s.Tenants = append(s.Tenants, perf.TenantInterval{Tenant: t.ID, Name: t.Name, Interval: iv})
		s.Total.Ops += iv.Ops
		s.Total.OpsPerSec += iv.OpsPerSec
		s.Total.ConnsInUse += iv.ConnsInUse
	}
	s.Total.P50, s.Total.P95, s.Total.P99, s.Total.Max = 0.25, 1.3+elapsed/10, 2.1+elapsed/5, 9.5
	return s
}

func report(m *Model, p perf.Progress) {
	_, cmd := m.Update(progressMsg{id: 9, p: p})
	if cmd == nil {
		panic("a progress message re-arms the wait")
	}
}

var opts = perf.Options{Users: 4, Duration: 30 * time.Second, Mix: perf.DefaultMix}

func TestReadOnlyRefused(t *testing.T) {
	r := common.NewRegistry()
	Register(r)
	_, err := r.Build(uitest.Context(t, true, 80, 22), Name, "", nil)
	require.ErrorIs(t, err, tenants.ErrReadOnly)
	s, err := r.Build(uitest.Context(t, false, 80, 22), Name, "acme globex", nil)
	require.NoError(t, err)
	require.Equal(t, "tenants acme, globex", s.(*Model).target())
	cmd, ok := r.Lookup(Name)
	require.True(t, ok)
	require.True(t, cmd.Write)
}

func TestFormOptions(t *testing.T) {
	m := screen(t, 80, 22, uitest.Tenants(3))
	require.True(t, m.Capturing())
	require.Equal(t, "3 tenants", m.target())
	o, err := m.f.options(m.c)
	require.NoError(t, err)
	require.Equal(t, 4, o.Users)
	require.Equal(t, 30*time.Second, o.Duration)
	require.Equal(t, perf.DefaultMix, o.Mix)
	require.Equal(t, m.c.Config.Perf.Interval.D(), o.Interval)

	m.f.length, m.f.rate, m.f.warmup, m.f.mix = "5000 ops", "250", "3s", "read=100"
	o, err = m.f.options(m.c)
	require.NoError(t, err)
	require.Equal(t, int64(5000), o.Ops)
	require.Zero(t, o.Duration)
	require.Equal(t, 250.0, o.Rate)
	require.Equal(t, 3*time.Second, o.Warmup)
	require.Equal(t, perf.Mix{100, 0, 0, 0}, o.Mix)

	for _, bad := range []struct {
		field      *string
		value, err string
	}{
		{&m.f.users, "0", "users"}, {&m.f.length, "soon", "length"}, {&m.f.length, "0 ops", "length"},
		{&m.f.rate, "-1", "rate"}, {&m.f.warmup, "x", "warm-up"}, {&m.f.mix, "read=50", "sum to 50%"},
	} {
		saved := *bad.field
		*bad.field = bad.value
		_, err := m.f.options(m.c)
		require.ErrorContains(t, err, bad.err, bad.value)
		*bad.field = saved
	}
}

func TestEscLeavesForm(t *testing.T) {
	m := screen(t, 80, 22, uitest.Tenants(1))
	_, cmd := m.Update(uitest.Key("esc"))
	require.Equal(t, []tea.Msg{common.BackMsg{}}, uitest.Msgs(cmd))
}

func TestLiveRunAndEscStopsEarly(t *testing.T) {
	list := uitest.Tenants(3)
	m := screen(t, 80, 22, list)
	cancelled := startRun(m, opts)
	report(m, perf.Progress{Phase: perf.PhasePrepare, Done: 1, Total: 3})
	require.Contains(t, uitest.Plain(m.View()), "preparing work tables 1/3")
	report(m, perf.Progress{Phase: perf.PhaseWarmup, Snapshot: snapshot(list, 1, true)})
	require.Empty(t, m.ops, "warm-up stays out of the charts")
	for i := 1; i <= 5; i++ {
		report(m, perf.Progress{Phase: perf.PhaseRun, Snapshot: snapshot(list, float64(i), false)})
	}
	require.Len(t, m.ops, 5)
	require.Len(t, m.p99, 5)
	view := uitest.Plain(m.View())
	require.Contains(t, view, "5s / 30s · 25s left")
	require.Contains(t, view, "total ops/s")
	require.Contains(t, view, list[2].Name)

	// Replies of another run are ignored.
	m.Update(progressMsg{id: 1, p: perf.Progress{Phase: perf.PhaseVerify}})
	require.Equal(t, perf.PhaseRun, m.stage.Phase)

	_, cmd := m.Update(uitest.Key("esc"))
	require.Nil(t, cmd)
	require.True(t, *cancelled)
	require.True(t, m.stopping)
	require.Contains(t, uitest.Plain(m.View()), "stopping the users")
	report(m, perf.Progress{Phase: perf.PhaseVerify})
	require.Contains(t, uitest.Plain(m.View()), "verifying isolation")
	require.Equal(t, running, m.phase, "esc stops the users, not the screen")
}

func TestGoldenRunning(t *testing.T) {
	for _, size := range uitest.Sizes {
		list := uitest.Tenants(14)
		m := screen(t, size[0], size[1]-2, list)
		startRun(m, opts)
		for i := 1; i <= 12; i++ {
			report(m, perf.Progress{Phase: perf.PhaseRun, Snapshot: snapshot(list, float64(i), false)})
		}
		uitest.Golden(t, fmt.Sprintf("perf_running_%dx%d", size[0], size[1]), m.View())
	}
}

func finishedReport(passed bool) *perf.Report {
	rep := &perf.Report{RunID: "run-1", Started: uitest.Now, Finished: uitest.Now.Add(31 * time.Second), Measured: 30,
		Parameters: opts, Cleanup: "dropped", Total: perf.Summary{Ops: 36000, OpsPerSec: 1200},
		Isolation: perf.Isolation{Passed: passed, PairsPossible: 2,
			Rows:  []perf.RowCheck{{Tenant: "a", Name: "Acme Corp", Expected: 10, Found: 10, Passed: true}},
			Pairs: []perf.PairCheck{{From: "Acme Corp", User: "tuser", To: "Globex", Passed: passed}}}}
	if !passed {
		rep.Isolation.Pairs[0].Evidence = []string{"SHOW TABLES FROM `tenant_b` succeeded and returned 1 row(s): tenancy_perf_items"}
	}
	return rep
}

func TestFinishedShowsVerdictAndPath(t *testing.T) {
	for _, passed := range []bool{true, false} {
		m := screen(t, 120, 38, uitest.Tenants(2))
		startRun(m, opts)
		m.Update(doneMsg{id: 9, rep: finishedReport(passed), path: "storage/perf-reports/x.json"})
		require.Equal(t, finished, m.phase)
		view := strings.Join(strings.Fields(uitest.Plain(m.View())), " ")
		require.Contains(t, view, "Report saved to storage/perf-reports/x.json")
		require.NotContains(t, view, "isolation PASSED", "the verdict is said once, by the head")
		require.NotContains(t, view, "isolation FAILED")
		if passed {
			require.Contains(t, view, "Isolation held")
			require.Contains(t, view, "all 1 cross-tenant logins tried were refused")
		} else {
			require.Contains(t, view, "ISOLATION FAILED")
			require.Contains(t, view, "FAILED Acme Corp's user tuser reached Globex: SHOW TABLES")
		}
		_, cmd := m.Update(uitest.Key("esc"))
		require.Equal(t, []tea.Msg{common.BackMsg{}}, uitest.Msgs(cmd))
	}
	m := screen(t, 80, 22, nil)
	startRun(m, opts)
	m.Update(doneMsg{id: 9, err: fmt.Errorf("load test: no tenants selected")})
	require.Contains(t, uitest.Plain(m.View()), "The load test did not run: load test: no tenants selected")
}

func TestGoldenFinished(t *testing.T) {
	for _, size := range uitest.Sizes {
		m := screen(t, size[0], size[1]-2, uitest.Tenants(2))
		startRun(m, opts)
		m.Update(doneMsg{id: 9, rep: finishedReport(false), path: "storage/perf-reports/x.json"})
		uitest.Golden(t, fmt.Sprintf("perf_finished_%dx%d", size[0], size[1]), m.View())
	}
}

// BenchmarkRunningView renders a frame of 100 tenants with full charts
// (target: under 5 ms a frame while stats stream in).
func BenchmarkRunningView(b *testing.B) {
	list := uitest.Tenants(100)
	m := screen(b, 120, 38, list)
	startRun(m, opts)
	for i := 1; i <= maxPoints; i++ {
		m.observe(perf.Progress{Phase: perf.PhaseRun, Snapshot: snapshot(list, float64(i%30), false)})
	}
	b.ResetTimer()
	for b.Loop() {
		if !strings.Contains(m.View(), "tenant") {
			b.Fatal("no table")
		}
	}
}

func TestFinishedReportWrapsAndScrolls(t *testing.T) {
	m := screen(t, 80, 22, uitest.Tenants(2))
	startRun(m, opts)
	m.Update(doneMsg{id: 9, rep: finishedReport(false), path: "storage/perf-reports/x.json"})
	view := uitest.Plain(m.View())
	for _, l := range strings.Split(view, "\n") {
		require.LessOrEqual(t, lipgloss.Width(l), 80, "no line is clipped: %q", l)
	}
	require.Equal(t, 22, lipgloss.Height(m.View()))
	require.Contains(t, view, "lines 1-")
	require.Contains(t, strings.Join(strings.Fields(view), " "), "mix read=70,insert=15,update=10,delete=5", "the long line wraps whole")
	_, _ = m.Update(uitest.Key("j"))
	require.Equal(t, 1, m.report.YOffset(), "j scrolls the report")
	m.Update(uitest.Key("pgdown"))
	require.Greater(t, m.report.YOffset(), 1, "pgdn pages")
	m.Update(uitest.Key("k"))
	m.Update(uitest.Key("pgup"))
	require.Equal(t, 0, m.report.YOffset())
}

func TestFormRemembersTheSessionsLastAnswers(t *testing.T) {
	r := common.NewRegistry()
	Register(r)
	c := uitest.Context(t, false, 80, 22)
	s, err := r.Build(c, Name, "", uitest.Tenants(2))
	require.NoError(t, err)
	first := s.(*Model)
	require.Equal(t, "4", first.f.users, "defaults at first")
	first.f.users, first.f.length, first.f.confirmed = "8", "5000 ops", true
	first.remember()
	s, err = r.Build(c, Name, "", uitest.Tenants(2))
	require.NoError(t, err)
	second := s.(*Model)
	second.SetSize(80, 22)
	second.Init()
	require.Equal(t, "8", second.f.users)
	require.Equal(t, "5000 ops", second.f.length)
	require.False(t, second.f.confirmed, "the run is confirmed again each time")
	require.Contains(t, uitest.Plain(second.View()), "5000 ops", "the form shows them")
}
