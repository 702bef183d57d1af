package runs

import (
	"strconv"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// pushed returns the dialog a command pushes, or fails.
func pushed(t *testing.T, cmd tea.Cmd) *confirm.Model {
	t.Helper()
	msgs := uitest.Msgs(cmd)
	require.Len(t, msgs, 1)
	push, ok := msgs[0].(common.PushMsg)
	require.True(t, ok, "a confirmation, got %#v", msgs[0])
	return push.Screen.(*confirm.Model)
}

// refused returns the error flash a command shows, or fails.
func refused(t *testing.T, cmd tea.Cmd) string {
	t.Helper()
	msgs := uitest.Msgs(cmd)
	require.Len(t, msgs, 1)
	f, ok := msgs[0].(common.FlashMsg)
	require.True(t, ok, "a refusal, got %#v", msgs[0])
	require.True(t, f.Error)
	return f.Text
}

// confirmed reports whether keys sent to the dialog ran its action
// (here: the work, which says it has no database in a unit test).
func confirmed(cmd tea.Cmd) bool {
	for _, m := range uitest.Msgs(cmd) {
		if _, back := m.(common.BackMsg); !back {
			return true
		}
	}
	return false
}

func TestActionsAskFirstAndAStrayKeyNeverConfirms(t *testing.T) {
	cases := []struct {
		name, key string
		row       int // in runFixtures
		title     string
	}{
		{"cancel", "X", 0, "Cancel run 7?"},
		{"resume", "u", 4, "Resume run 3?"},
		{"retry", "F", 2, "Retry the 3 failed items of run 5?"},
		{"continue", "n", 1, "Continue run 6 past its canary?"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, c := newListView(t, false, 120, 38)
			for range tc.row {
				uitest.Press(m, "j")
			}
			d := pushed(t, uitest.Press(m, tc.key))
			require.Nil(t, uitest.Press(m, "enter"), "keys typed ahead of the dialog do nothing beneath")
			d.SetSize(120, 38)
			require.Contains(t, uitest.Plain(d.View()), tc.title)
			for _, k := range []string{"enter", "tab", "enter", "y"} {
				_, cmd := d.Update(uitest.Key(k))
				require.False(t, confirmed(cmd), "%q within the grace period", k)
			}
			c.Now = func() time.Time { return uitest.Now.Add(time.Second) }
			_, cmd := d.Update(uitest.Key("y"))
			require.False(t, confirmed(cmd), "a stray letter does not confirm")
			d.Update(uitest.Key("tab"))
			_, cmd = d.Update(uitest.Key("enter"))
			require.True(t, confirmed(cmd), "tab then enter confirms")
			_, cmd = d.Update(uitest.Key("enter"))
			require.False(t, confirmed(cmd), "once (enter on the default, Cancel, is ui/confirm's TestDefaultIsCancel)")
		})
	}
}

func TestActionsAreRefusedWithAReason(t *testing.T) {
	rows := runFixtures()
	done, running, paused, failed, stale := rows[3], rows[0], rows[1], rows[2], rows[4]
	noFailures := rows[4]
	cases := []struct {
		a    action
		r    runRow
		here bool
		want string
	}{
		{actCancel, done, false, "run 4 is already done: nothing to cancel"},
		{actResume, done, false, "run 4 is done: nothing to resume"},
		{actResume, paused, false, "paused after its canary: n continues it"},
		{actResume, running, false, "run 7 is being worked (on deploy-1, pid 4242)"},
		{actResume, stale, true, "is being worked"},
		{actResume, failed, false, "its failed items stay failed (F retries them"},
		{actRetry, noFailures, false, "run 3 has no failed item to retry"},
		{actContinue, running, false, "run 7 has no canary waiting"},
		{actContinue, paused, true, "canary is still running"},
	}
	for _, tc := range cases {
		c := uitest.Context(t, false, 80, 22)
		require.Contains(t, refused(t, ask(c, NewFleet(c), tc.a, tc.r, tc.here, false)), tc.want)
	}
}

func TestRunViewActions(t *testing.T) {
	m, _ := newRunView(t, itemFixtures(40), false, 80, 22)
	d := pushed(t, uitest.Press(m, "X"))
	d.SetSize(80, 22)
	plain := uitest.Plain(d.View())
	require.Contains(t, plain, "Cancel run 7?")
	require.Contains(t, plain, "Running items finish")
	for _, sz := range uitest.Sizes {
		d.SetSize(sz[0], sz[1]-2)
		uitest.Golden(t, "confirm_cancel_"+sizeName(sz), d.View())
	}
	m.Update(common.PushedMsg{}) // the root pushed it: keys reach the view again
	require.Contains(t, refused(t, uitest.Press(m, "n")), "no canary waiting")
	m.Update(common.FlashMsg{}) // the refusal, shown: the guard lets keys through again
	m.row.State = fleet.RunFailed
	m.row.alive = false
	d = pushed(t, uitest.Press(m, "F"))
	d.SetSize(80, 22)
	require.Contains(t, uitest.Plain(d.View()), "Retry the 5 failed items of run 7?")
}

func TestReadOnlyRefusesActions(t *testing.T) {
	m, _ := newRunView(t, itemFixtures(8), true, 80, 22)
	for _, k := range []string{"X", "u", "F", "n"} {
		require.Nil(t, uitest.Press(m, k), "read-only disables %s", k)
	}
	c := uitest.Context(t, true, 80, 22)
	require.Contains(t, refused(t, ask(c, NewFleet(c), actCancel, runFixtures()[0], false, false)), "read-only")
}

func sizeName(sz [2]int) string { return itoa(sz[0]) + "x" + itoa(sz[1]) }

func itoa(n int) string { return strconv.Itoa(n) }

func TestContinueFromTheRunViewFeedsThatView(t *testing.T) {
	m, c := newRunView(t, itemFixtures(8), false, 80, 22)
	paused := runFixtures()[1]
	paused.ID = 7
	m.SetRun(paused.Run, false, m.items)
	d := pushed(t, uitest.Press(m, "n"))
	c.Now = func() time.Time { return uitest.Now.Add(time.Second) }
	d.Update(uitest.Key("tab"))
	_, cmd := d.Update(uitest.Key("enter"))
	var adopt *adoptMsg
	for _, msg := range uitest.Msgs(cmd) {
		switch msg := msg.(type) {
		case common.OpenMsg:
			t.Fatalf("opened another view of the run: %#v", msg)
		case adoptMsg:
			adopt = &msg
		}
	}
	require.NotNil(t, adopt, "the job goes to this view")
	_, cmd = m.Update(*adopt)
	require.NotNil(t, cmd)
	require.True(t, m.Busy(), "the view now follows the work")
	m.Update(workedMsg{run: 7})
	require.False(t, m.Busy())
}
