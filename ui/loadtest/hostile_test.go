package loadtest

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/perf"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func TestHostileFormIsEscaped(t *testing.T) {
	for _, size := range uitest.Sizes {
		m := screen(t, size[0], size[1]-2, uitest.HostileTenants()[5:6])
		view := m.View()
		uitest.RequireSafe(t, view)
		require.Contains(t, uitest.Plain(view), `Load test: tenant clip \e]52;c;aGk=\a`)
	}
	r := common.NewRegistry()
	Register(r)
	s, err := r.Build(uitest.Context(t, false, 80, 22), Name, "acme \x1b]0;x\a", nil)
	require.NoError(t, err)
	require.Equal(t, `tenants acme, \e]0;x\a`, s.(*Model).target())
}

func TestHostileRunIsEscaped(t *testing.T) {
	for _, size := range uitest.Sizes {
		w, h := size[0], size[1]-2
		list := uitest.HostileTenants()
		m := screen(t, w, h, list)
		startRun(m, opts)
		ordinary := screen(t, w, h, uitest.Tenants(len(list)))
		startRun(ordinary, opts)
		for i := 1; i <= 12; i++ {
			report(m, perf.Progress{Phase: perf.PhaseRun, Snapshot: snapshot(list, float64(i), false)})
			report(ordinary, perf.Progress{Phase: perf.PhaseRun, Snapshot: snapshot(ordinary.list, float64(i), false)})
		}
		view := m.View()
		uitest.RequireSafe(t, view)
		uitest.RequireLines(t, view, uitest.Lines(ordinary.View()))
		plain := uitest.Plain(view)
		require.Contains(t, plain, "\nline\\nbreak ")
		require.Contains(t, plain, "\nred \\e[31mred ")
		widths := map[int][]string{} // the tenants' rows (ending in 4 conns) line up
		for _, l := range strings.Split(plain, "\n") {
			if strings.HasSuffix(l, " 4") {
				widths[lipgloss.Width(l)] = append(widths[lipgloss.Width(l)], l)
			}
		}
		require.Len(t, widths, 1, "%q", widths)
		uitest.Golden(t, fmt.Sprintf("perf_hostile_running_%dx%d", size[0], size[1]), view)
	}
}

func TestHostileReportIsEscaped(t *testing.T) {
	for _, size := range uitest.Sizes {
		m := screen(t, size[0], size[1]-2, uitest.HostileTenants()[:2])
		startRun(m, opts)
		rep := finishedReport(false)
		rep.Isolation.Rows[0].Name = uitest.Hostile[4]
		rep.Isolation.Pairs[0].From, rep.Isolation.Pairs[0].To = uitest.Hostile[5], uitest.Hostile[2]
		rep.Isolation.Pairs[0].Evidence = []string{"SHOW TABLES FROM `tenant_\x1b[2J` succeeded"}
		m.Update(doneMsg{id: 9, rep: rep, path: "storage/perf-reports/\u202ex.json"})
		view := m.View()
		uitest.RequireSafe(t, view)
		require.Equal(t, size[1]-2, uitest.Lines(view))
		require.Contains(t, uitest.Plain(view), `Report saved to storage/perf-reports/\u202ex.json`)
		m.report.GotoBottom()
		view = m.View()
		uitest.RequireSafe(t, view)
		flat := strings.Join(strings.Fields(uitest.Plain(view)), " ")
		require.Contains(t, flat, "clip \\e]52;c;aGk=\\a's user tuser reached red \\e[31mred: SHOW TABLES FROM `tenant_\\e[2J`")
		uitest.Golden(t, fmt.Sprintf("perf_hostile_finished_%dx%d", size[0], size[1]), view)
	}
	m := screen(t, 80, 22, nil)
	startRun(m, opts)
	m.Update(doneMsg{id: 9, err: fmt.Errorf("find tenants %s:\n%s", uitest.Hostile[3], uitest.Hostile[13])})
	view := m.View()
	uitest.RequireSafe(t, view)
	require.Contains(t, uitest.Plain(view), `The load test did not run: find tenants clear \e[2Jscreen: iso \u2066x\u2069`)
}
