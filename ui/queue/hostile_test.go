package queue

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/queue"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// TestHostileQueueScreen: everything the screen shows comes from Redis,
// which anyone with its address can write: queue names, worker hosts and
// statuses, schedule names and crons, task ids (they hold tenant ids) and
// errors (they quote tenant names). Each is shown escaped, on its line.
func TestHostileQueueScreen(t *testing.T) {
	h := uitest.Hostile
	st := queue.Stats{}
	var failed []queue.TaskRow
	for i, s := range h {
		st.Queues = append(st.Queues, queue.QueueStats{Queue: "tenancy:" + s, Pending: i})
		st.Workers = append(st.Workers, queue.WorkerStats{Host: s, PID: i, Status: h[(i+1)%len(h)], Started: uitest.Now})
		st.Schedules = append(st.Schedules, queue.ScheduleStats{Name: s, Cron: h[(i+2)%len(h)], Next: uitest.Now})
		failed = append(failed, queue.TaskRow{ID: "7:" + s, Queue: "tenancy:" + h[(i+3)%len(h)], State: "archived",
			LastErr: "tenant " + h[(i+4)%len(h)] + ": " + h[(i+5)%len(h)]})
	}
	for _, sz := range uitest.Sizes {
		m := newModel(t, false, sz[0], sz[1]-3)
		m.SetSnapshot(st, failed, uitest.Now)
		for i := range m.rows() {
			m.cursor = i
			view := m.View()
			uitest.RequireSafe(t, view)
			uitest.RequireLines(t, view, sz[1]-3)
		}
		uitest.Golden(t, fmt.Sprintf("queue_hostile_%dx%d", sz[0], sz[1]), m.View())

		d := uitest.Msgs(m.askDelete(failed[3]))[0]
		dialog := pushed(t, d)
		dialog.SetSize(sz[0], sz[1])
		uitest.RequireSafe(t, dialog.View())
		require.Contains(t, uitest.Plain(dialog.View()), `Delete task 7:clear \e[2Jscreen?`)
	}
}

func pushed(t *testing.T, msg any) *confirm.Model {
	t.Helper()
	p, ok := msg.(common.PushMsg)
	require.True(t, ok, "a dialog is pushed: %#v", msg)
	d, ok := p.Screen.(*confirm.Model)
	require.True(t, ok, "a confirmation dialog: %#v", p.Screen)
	return d
}
