package queue

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/queue"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func fixtureStats() queue.Stats {
	now := uitest.Now
	return queue.Stats{
		Queues: []queue.QueueStats{
			{Queue: "tenancy:backup", Pending: 120, Active: 4, Archived: 1},
			{Queue: "tenancy:migrate", Pending: 2040, Active: 8, Scheduled: 1, Retry: 1},
			{Queue: "tenancy:schedule", Paused: true},
			{Queue: "tenancy:sql"},
		},
		Workers: []queue.WorkerStats{
			{Host: "worker-1.eu", PID: 4242, Concurrency: 4, Active: 4, Started: now.Add(-3 * time.Hour), Status: "active"},
			{Host: "worker-2.eu", PID: 5151, Concurrency: 8, Active: 8, Started: now.Add(-25 * time.Minute), Status: "active"},
			{Host: "worker-3.us", PID: 777, Concurrency: 4, Active: 0, Started: now.Add(-40 * time.Second), Status: "active"},
		},
		Schedules: []queue.ScheduleStats{
			{Name: "nightly", Cron: "0 2 * * *", Next: now.Add(11 * time.Hour), Prev: now.Add(-13 * time.Hour)},
			{Name: "weekly-doctor", Cron: "0 3 * * 0", Next: now.Add(100 * time.Hour)},
		},
	}
}

func fixtureFailed() []queue.TaskRow {
	return []queue.TaskRow{
		{ID: "12:acme", Queue: "tenancy:backup", Type: queue.TypeItem, State: "archived", Retried: 5, MaxRetry: 5, LastErr: "asynq: task lease expired"},
		{ID: "9:beta", Queue: "tenancy:migrate", Type: queue.TypeItem, State: "retry", Retried: 1, MaxRetry: 5, LastErr: "dial tcp 10.0.0.7:3306: connect: connection refused\nsecond line"},
	}
}

func newModel(t *testing.T, readOnly bool, w, h int) *Model {
	t.Helper()
	c := uitest.Context(t, readOnly, w, h)
	c.Config.Queue.URL = "redis://127.0.0.1:1/0" // never dialled by these tests
	m := New(c, &conn{})
	m.SetSize(w, h)
	m.SetSnapshot(fixtureStats(), fixtureFailed(), uitest.Now)
	return m
}

func TestGoldenViews(t *testing.T) {
	for _, sz := range uitest.Sizes {
		m := newModel(t, false, sz[0], sz[1]-3)
		uitest.RequireLines(t, m.View(), sz[1]-3)
		uitest.Golden(t, fmt.Sprintf("queue_%dx%d", sz[0], sz[1]), m.View())

		c := uitest.Context(t, false, sz[0], sz[1]-3)
		none := New(c, &conn{})
		none.SetSize(sz[0], sz[1]-3)
		require.Nil(t, none.Init(), "nothing to read without [queue] url")
		uitest.Golden(t, fmt.Sprintf("queue_unconfigured_%dx%d", sz[0], sz[1]), none.View())
	}
}

// TestManyWorkersFit: forty workers and failed tasks still fit 80x24
// (content 21 lines): the workers are summarised, the tasks scroll.
func TestManyWorkersFit(t *testing.T) {
	m := newModel(t, false, 80, 21)
	st := fixtureStats()
	for i := range 40 {
		st.Workers = append(st.Workers, queue.WorkerStats{Host: fmt.Sprintf("w%d", i), PID: i, Concurrency: 4, Started: uitest.Now})
	}
	var failed []queue.TaskRow
	for i := range 30 {
		failed = append(failed, queue.TaskRow{ID: fmt.Sprintf("%d:t%d", i, i), Queue: "tenancy:sql", State: "archived", LastErr: "boom"})
	}
	m.SetSnapshot(st, failed, uitest.Now)
	uitest.RequireLines(t, m.View(), 21)
	plain := uitest.Plain(m.View())
	require.Contains(t, plain, "more (tenancy queue stats lists them all)")
	require.Contains(t, plain, "0:t0")
	uitest.Press(m, "G")
	plain = uitest.Plain(m.View())
	uitest.RequireLines(t, m.View(), 21)
	require.Contains(t, plain, "29:t29", "the cursor's task is in view")
}

func TestKeys(t *testing.T) {
	m := newModel(t, false, 80, 21)
	require.Equal(t, 0, m.cursor)
	qs, task := m.selected()
	require.Equal(t, "tenancy:backup", qs.Queue)
	require.Nil(t, task)
	require.NotNil(t, uitest.Press(m, "u"), "u pauses the queue under the cursor")
	require.Nil(t, uitest.Press(m, "d"), "d on a queue does nothing")

	uitest.Press(m, "j", "j", "j", "j")
	qs, task = m.selected()
	require.Nil(t, qs)
	require.Equal(t, "12:acme", task.ID)
	cmd := uitest.Press(m, "d")
	require.NotNil(t, cmd)
	msgs := uitest.Msgs(cmd)
	require.Len(t, msgs, 1)
	d := pushed(t, msgs[0])
	require.False(t, d.OnAction(), "the dialog starts on Cancel")
	plain := uitest.Plain(d.View())
	require.Contains(t, plain, "Delete task 12:acme?")
	require.Contains(t, plain, "asynq: task lease")
	require.True(t, m.guard.Swallow(m.c, uitest.Key("enter")), "keys typed before the dialog shows do not act on the screen")
	m.Update(common.PushedMsg{})

	uitest.Press(m, "G")
	_, task = m.selected()
	require.Equal(t, "9:beta", task.ID)
	require.NotNil(t, uitest.Press(m, "F"), "F retries the task now")

	// A reload keeps the cursor on the same task.
	failed := append([]queue.TaskRow{{ID: "1:new", Queue: "tenancy:sql", State: "archived"}}, fixtureFailed()...)
	m.loadID = 7
	m.Update(loadedMsg{id: 7, snap: snapshot{stats: fixtureStats(), failed: failed, at: uitest.Now}})
	_, task = m.selected()
	require.Equal(t, "9:beta", task.ID)

	_, cmd = m.Update(uitest.Key("esc"))
	require.IsType(t, common.BackMsg{}, cmd())
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	m := newModel(t, true, 80, 21)
	require.Nil(t, uitest.Press(m, "u"))
	uitest.Press(m, "G")
	require.Nil(t, uitest.Press(m, "d"))
	require.Nil(t, uitest.Press(m, "F"))
	for _, b := range m.ShortHelp()[:3] {
		require.False(t, b.Enabled(), "%s is not offered in read-only mode", b.Help().Desc)
	}
}

func TestReadErrorIsShown(t *testing.T) {
	c := uitest.Context(t, false, 80, 21)
	c.Config.Queue.URL = "redis://127.0.0.1:1/0"
	m := New(c, &conn{})
	m.SetSize(80, 21)
	m.loadID = 3
	_, cmd := m.Update(loadedMsg{id: 3, err: fmt.Errorf("dial tcp 127.0.0.1:1: connect: connection refused")})
	flash, ok := cmd().(common.FlashMsg)
	require.True(t, ok)
	require.True(t, flash.Error)
	require.Contains(t, uitest.Plain(m.View()), "cannot read the queue: dial tcp 127.0.0.1:1")
	_, cmd = m.Update(tickMsg{gen: m.gen})
	require.NotNil(t, cmd, "the tick reads again")
	require.True(t, strings.Contains(m.title(), "tenancy"))
}
