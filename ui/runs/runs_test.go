package runs

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func TestListGolden(t *testing.T) {
	for _, sz := range uitest.Sizes {
		m, _ := newListView(t, false, sz[0], sz[1]-2)
		view := m.View()
		uitest.RequireLines(t, view, min(sz[1]-2, len(runFixtures())+2))
		uitest.Golden(t, fmt.Sprintf("list_%dx%d", sz[0], sz[1]), view)
	}
}

func TestListEmptyAndLoading(t *testing.T) {
	c := uitest.Context(t, false, 80, 22)
	m := NewList(c, NewFleet(c))
	m.SetSize(80, 22)
	require.Contains(t, uitest.Plain(m.View()), "loading runs")
	m.SetRows(nil)
	require.Contains(t, uitest.Plain(m.View()), "No runs yet")
}

func TestListLoadErrorWithoutDatabase(t *testing.T) {
	c := uitest.Context(t, false, 80, 22)
	m := NewList(c, NewFleet(c))
	m.SetSize(80, 22)
	cmd := m.load()
	msgs := uitest.Msgs(cmd)
	require.Len(t, msgs, 1)
	_, cmd = m.Update(msgs[0])
	flash := uitest.Msgs(cmd)[0].(common.FlashMsg)
	require.True(t, flash.Error)
	require.Contains(t, flash.Text, "central database")
	require.Contains(t, uitest.Plain(m.View()), "cannot list runs")
}

func TestListKeepsCursorOnTheSameRunAcrossReloads(t *testing.T) {
	m, _ := newListView(t, false, 120, 38)
	uitest.Press(m, "j", "j")
	require.Equal(t, int64(5), m.rows[m.cursor].ID)
	rows := runFixtures()
	extra := rows[0]
	extra.ID = 8
	m.keepCursor(append([]runRow{extra}, rows...))
	require.Equal(t, int64(5), m.rows[m.cursor].ID)
}

func TestListEnterOpensTheRun(t *testing.T) {
	m, _ := newListView(t, false, 120, 38)
	msgs := uitest.Msgs(uitest.Press(m, "j", "enter"))
	require.Len(t, msgs, 1)
	open := msgs[0].(common.OpenMsg)
	require.Equal(t, RunName, open.Name)
	require.Equal(t, "6", open.Arg)
	require.Same(t, m.f, open.Data, "the run view shares the fleet service")
}

func TestRunGolden(t *testing.T) {
	for _, sz := range uitest.Sizes {
		m, _ := newRunView(t, itemFixtures(40), false, sz[0], sz[1]-2)
		uitest.Press(m, "j", "j", "j", "j") // a failed item: its error and output below
		view := m.View()
		uitest.RequireLines(t, view, sz[1]-2)
		uitest.Golden(t, fmt.Sprintf("run_%dx%d", sz[0], sz[1]), view)
	}
}

func TestRunLiveProgress(t *testing.T) {
	items := itemFixtures(16)
	c := uitest.Context(t, false, 120, 38)
	f := NewFleet(c)
	job := newJob(f, 7)
	m := NewRun(c, f, 7, job)
	m.SetSize(120, 38)
	r := runFixtures()[0].Run
	r.Total = len(items)
	m.SetRun(r, true, items)
	require.True(t, m.Busy())

	changed := items[3] // pending
	changed.State, changed.Attempts, changed.StartedAt = fleet.ItemRunning, 1, at(0)
	p := fleet.Progress{RunID: 7, Total: 16, Done: 6, Failed: 2, Running: 3, Pending: 1, Skipped: 2, Cancelled: 2,
		PerServer: map[string]int{"central": 2, "eu-west": 1}, Parallel: 4, PerServerLimit: 2, Rate: 2.5, ETA: 2 * time.Second,
		Slowest: &fleet.Active{TenantName: "Initech", Server: "central", Elapsed: 61 * time.Second}, Item: &changed}
	_, cmd := m.Update(progressMsg{run: 7, p: p})
	require.NotNil(t, cmd, "the view waits for the next report")
	_, cmd = m.Update(progressMsg{run: 8, p: p})
	require.Nil(t, cmd, "another run's report is not ours")
	require.Equal(t, fleet.ItemRunning, m.items[3].State)
	plain := uitest.Plain(m.View())
	require.Contains(t, plain, "12/16 · 2.5/s · ETA 2.0s")
	require.Contains(t, plain, "central 2/2 · eu-west 1/2 · slowest Initech 1m01s")
	require.Contains(t, plain, "worked here")
	uitest.Golden(t, "run_live_120x40", m.View())

	_, cmd = m.Update(workedMsg{run: 7, r: r})
	require.NotNil(t, cmd, "it reloads the record")
	require.Nil(t, m.job)
	require.False(t, m.Busy())
}

func TestRunPollsOnlyWhileActive(t *testing.T) {
	m, _ := newRunView(t, itemFixtures(8), false, 80, 22)
	m.loadID = 1
	_, cmd := m.Update(runLoadedMsg{id: 1, run: 7, row: m.row, items: m.items})
	require.NotNil(t, cmd, "a running run is polled")
	done := m.row
	done.State = fleet.RunDone
	m.loadID = 2
	_, cmd = m.Update(runLoadedMsg{id: 2, run: 7, row: done, items: m.items})
	require.Nil(t, cmd, "a finished run is not")
	_, cmd = m.Update(runLoadedMsg{id: 99, run: 7, row: done})
	require.Nil(t, cmd, "a stale reply is dropped")
	require.Len(t, m.items, 8)
}

func TestBigRunsArePolledLessOften(t *testing.T) {
	m, _ := newRunView(t, itemFixtures(100), false, 80, 22)
	require.Equal(t, time.Second, m.pollEvery())
	m, _ = newRunView(t, itemFixtures(10000), false, 80, 22)
	require.Equal(t, 5*time.Second, m.pollEvery())
}

func TestItemFilterCyclesStates(t *testing.T) {
	m, _ := newRunView(t, itemFixtures(40), false, 80, 22)
	require.Len(t, m.shown, 40)
	seen := map[fleet.ItemState]int{}
	for range len(filters) - 1 {
		uitest.Press(m, "f")
		want := filters[m.filter]
		for _, i := range m.shown {
			require.Equal(t, want, m.items[i].State)
		}
		seen[want] = len(m.shown)
	}
	require.Equal(t, map[fleet.ItemState]int{fleet.ItemPending: 5, fleet.ItemRunning: 5, fleet.ItemDone: 15, fleet.ItemFailed: 5, fleet.ItemSkipped: 5, fleet.ItemCancelled: 5}, seen)
	uitest.Press(m, "f")
	require.Len(t, m.shown, 40, "and back to all")

	for m.filter != 4 {
		uitest.Press(m, "f")
	}
	uitest.Press(m, "j")
	for _, sz := range uitest.Sizes {
		m.SetSize(sz[0], sz[1]-2)
		uitest.Golden(t, fmt.Sprintf("run_failed_%dx%d", sz[0], sz[1]), m.View())
	}
	// a reload keeps the filter and the cursor on the same tenant
	at := m.items[m.shown[m.cursor]].TenantID
	m.SetRun(m.row.Run, true, itemFixtures(40))
	require.Equal(t, at, m.items[m.shown[m.cursor]].TenantID)
}

func TestItemFilterWithNothingShown(t *testing.T) {
	m, _ := newRunView(t, itemFixtures(3), false, 80, 22) // done, done, running
	uitest.Press(m, "f")
	require.Empty(t, m.shown)
	require.Contains(t, uitest.Plain(m.View()), "no item is pending")
	uitest.RequireLines(t, m.View(), 22)
}

func TestRunEnterOpensTheTenant(t *testing.T) {
	m, _ := newRunView(t, itemFixtures(8), false, 80, 22)
	msgs := uitest.Msgs(uitest.Press(m, "j", "enter"))
	require.Equal(t, common.OpenMsg{Name: "detail", Arg: "t00001"}, msgs[0])
}

var _ tea.Msg = runTickMsg{}
