package queue

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/queue"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
)

// askDelete confirms deleting a failed task (Cancel first).
func (m *Model) askDelete(t queue.TaskRow) tea.Cmd {
	return common.Push(confirm.New(m.c, confirm.Options{
		Title:  "Delete task " + t.ID + "?",
		Fields: []confirm.Field{{Label: "Queue", Value: t.Queue}, {Label: "State", Value: t.State}, {Label: "Error", Value: t.LastErr}},
		Note: "The task leaves the queue: it will not run again. A run's item stays as the run's records say " +
			"(`tenancy runs resume` queues its unfinished items again).",
		Action: "Delete", Danger: true,
		OnConfirm: m.act(queue.TaskDelete, t),
	}))
}

// notConfigured is what the screen says without [queue] url.
var notConfigured = []string{
	"No work queue is configured: runs are worked by the process that starts them.",
	"",
	"To spread runs over `tenancy worker` processes on many machines, set in the config",
	"",
	"  [queue]",
	`  url = "redis://127.0.0.1:6379/0"`,
	"",
	"(or $TENANCY_QUEUE_URL), start `tenancy worker` where the config is, and open",
	"this screen again. See docs/queue.md.",
}

// View implements common.Screen.
func (m *Model) View() string {
	st := m.c.Styles
	w := max(m.width, 1)
	lines := []string{st.Title.Render(common.Cell(m.title(), w))}
	switch {
	case !m.configured():
		for _, l := range notConfigured {
			lines = append(lines, common.Cell(l, w))
		}
		return m.fit(lines)
	case m.err != nil && !m.loaded:
		lines = append(lines, st.FlashError.Render(common.Cell(common.Message("cannot read the queue: "+m.err.Error()), w)))
		return m.fit(lines)
	case !m.loaded:
		lines = append(lines, st.Subtle.Render(common.Cell("reading the queue…", w)))
		return m.fit(lines)
	}
	return m.fit(append(lines, m.body(w)...))
}

func (m *Model) title() string {
	s := "Queue"
	if !m.configured() {
		return s + " · not configured"
	}
	s += " · " + m.c.Config.Queue.Prefix
	if m.loaded {
		s += fmt.Sprintf(" · %s · read %s", common.Plural(len(m.snap.stats.Workers), "worker"), m.snap.at.Format("15:04:05"))
	}
	if m.err != nil && m.loaded {
		s += " · " + common.Message("last read failed: "+m.err.Error())
	}
	return s
}

// fit pads or cuts the view to the screen's height.
func (m *Model) fit(lines []string) string {
	h := max(m.height, 1)
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// budget is how many lines each section gets: each its least (a
// heading and a few rows), then what is left goes to the queues, the
// workers, the schedules and the failed tasks, in that order, each up to
// what it holds.
type budget struct{ queues, workers, schedules, tasks int }

func (m *Model) budget() budget {
	s := m.snap.stats
	want := budget{queues: 1 + max(len(s.Queues), 1), workers: 2 + max(len(s.Workers), 1), tasks: 2 + max(len(m.snap.failed), 1)}
	least := budget{queues: 1 + min(max(len(s.Queues), 1), 3), workers: 2 + min(max(len(s.Workers), 1), 2), tasks: 2 + min(max(len(m.snap.failed), 1), 3)}
	if len(s.Schedules) > 0 {
		want.schedules, least.schedules = 2+len(s.Schedules), 2+min(len(s.Schedules), 2)
	}
	b := least
	left := m.height - 1 - b.queues - b.workers - b.schedules - b.tasks
	for _, p := range []struct{ got, want *int }{{&b.queues, &want.queues}, {&b.workers, &want.workers}, {&b.schedules, &want.schedules}, {&b.tasks, &want.tasks}} {
		more := max(min(*p.want-*p.got, left), 0)
		*p.got += more
		left -= more
	}
	return b
}

// body is the four sections in their budget: rows that do not fit the
// queues' and tasks' sections scroll with the cursor, the workers and
// schedules that do not fit are counted.
func (m *Model) body(w int) []string {
	b := m.budget()
	now := m.c.Now()
	out := m.queues(w, b.queues)
	out = append(out, m.workers(w, now, b.workers-2)...)
	out = append(out, m.schedules(w, now, b.schedules-2)...)
	return append(out, m.tasks(w, b.tasks-2)...)
}

// window is the first of n rows to show in size lines so that row at
// (-1: none) is in view, moving *offset as little as possible.
func window(n, at, size int, offset *int) int {
	if at >= 0 && at < *offset {
		*offset = at
	}
	if at >= *offset+size {
		*offset = at - size + 1
	}
	*offset = max(min(*offset, n-size), 0)
	return *offset
}

func (m *Model) queues(w, h int) []string {
	st := m.c.Styles
	list := m.snap.stats.Queues
	qw := min(max(w-51, 12), 32)
	out := []string{st.TableHeader.Render(common.Cell(fmt.Sprintf("%-*s %7s %6s %6s %6s %8s %-6s", qw, "QUEUE", "PENDING", "ACTIVE", "SCHED", "RETRY", "ARCHIVED", "PAUSED"), w))}
	if len(list) == 0 {
		return append(out, st.Subtle.Render(common.Cell("no queue yet: a run queues its items when it starts", w)))
	}
	rows := max(h-1, 1)
	at := -1
	if m.cursor < len(list) {
		at = m.cursor
	}
	for i := window(len(list), at, rows, &m.qOffset); i < len(list) && len(out) <= rows; i++ {
		q := list[i]
		paused := ""
		if q.Paused {
			paused = "paused"
		}
		line := fmt.Sprintf("%s %7d %6d %6d %6d %8d %-6s", common.Cell(q.Queue, qw), q.Pending, q.Active, q.Scheduled, q.Retry, q.Archived, paused)
		out = append(out, m.row(i, common.Cell(line, w)))
	}
	return out
}

// row renders selectable row i, reversed under the cursor.
func (m *Model) row(i int, line string) string {
	if i == m.cursor {
		return m.c.Styles.Cursor.Render(line)
	}
	return line
}

// counted is list's first n lines, the last one "… and N more" when
// list holds more than n.
func counted[T any](list []T, n int, line func(T) string, more func(int) string) []string {
	var out []string
	for i, v := range list {
		if i == n-1 && len(list) > n {
			return append(out, more(len(list)-i))
		}
		out = append(out, line(v))
	}
	return out
}

func (m *Model) workers(w int, now time.Time, n int) []string {
	st := m.c.Styles
	list := m.snap.stats.Workers
	hw := min(max(w-38, 12), 40)
	out := []string{"", st.TableHeader.Render(common.Cell(fmt.Sprintf("%-*s %7s %5s %6s %-8s %-7s", hw, "WORKER", "PID", "CONC", "ACTIVE", "SINCE", "STATUS"), w))}
	if len(list) == 0 {
		return append(out, st.Subtle.Render(common.Cell("no worker is running: start `tenancy worker` (queued items wait)", w)))
	}
	return append(out, counted(list, max(n, 1), func(wk queue.WorkerStats) string {
		return common.Cell(fmt.Sprintf("%s %7d %5d %6d %-8s %s", common.Cell(wk.Host, hw), wk.PID, wk.Concurrency, wk.Active,
			common.Cell(relative(wk.Started, now), 8), common.Cell(wk.Status, 7)), w)
	}, func(k int) string {
		return st.Subtle.Render(common.Cell(fmt.Sprintf("… and %d more (tenancy queue stats lists them all)", k), w))
	})...)
}

func (m *Model) schedules(w int, now time.Time, n int) []string {
	list := m.snap.stats.Schedules
	if len(list) == 0 {
		return nil
	}
	st := m.c.Styles
	nw := min(max(w-40, 10), 32)
	out := []string{"", st.TableHeader.Render(common.Cell(fmt.Sprintf("%-*s %-15s %-11s %-11s", nw, "SCHEDULE", "CRON", "NEXT", "PREVIOUS"), w))}
	return append(out, counted(list, max(n, 1), func(s queue.ScheduleStats) string {
		return common.Cell(fmt.Sprintf("%s %s %s %s", common.Cell(s.Name, nw), common.Cell(s.Cron, 15),
			common.Cell(relative(s.Next, now), 11), common.Cell(relative(s.Prev, now), 11)), w)
	}, func(k int) string {
		return st.Subtle.Render(common.Cell(fmt.Sprintf("… and %d more (tenancy queue stats lists them all)", k), w))
	})...)
}

// tasks is the failed tasks' section with n rows, the cursor's task in view.
func (m *Model) tasks(w, n int) []string {
	st := m.c.Styles
	failed := m.snap.failed
	idw := max(min(w/4, 24), 10)
	qw := 9
	out := []string{"", st.TableHeader.Render(common.Cell(fmt.Sprintf("%-*s %-*s %-8s %5s %s", qw, "FAILED IN", idw, "TASK", "STATE", "TRIES", "ERROR"), w))}
	if len(failed) == 0 {
		return append(out, st.Subtle.Render(common.Cell("no failed task", w)))
	}
	rows := max(n, 1)
	ew := max(w-qw-idw-8-5-4, 10)
	nq := len(m.snap.stats.Queues)
	for i := window(len(failed), m.cursor-nq, rows, &m.offset); i < len(failed) && len(out) < rows+2; i++ {
		t := failed[i]
		line := fmt.Sprintf("%s %s %-8s %5s %s", common.Cell(strings.TrimPrefix(t.Queue, m.c.Config.Queue.Prefix+":"), qw), common.Cell(t.ID, idw), t.State,
			fmt.Sprintf("%d/%d", t.Retried, t.MaxRetry), common.Cell(common.Message(t.LastErr), ew))
		out = append(out, m.row(nq+i, common.Cell(line, w)))
	}
	return out
}

// relative is a time before or after now in its largest unit ("3m ago",
// "in 2h"); "-" for none.
func relative(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := t.Sub(now)
	past := d <= 0
	if past {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		s = fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		s = fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%dh", int(d.Hours()))
	default:
		s = fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	if past {
		return s + " ago"
	}
	return "in " + s
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	retry, del, pause := m.actionKeys()
	k := m.c.Keys
	return []key.Binding{retry, del, pause, k.Refresh, k.Back}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	retry, del, pause := m.actionKeys()
	k := m.c.Keys
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {k.Refresh, k.Back}, {retry, del, pause}}
}
