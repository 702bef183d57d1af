// Package queue is the dashboard's Queue screen (`:queue`): the work
// queue's queues with their pending, active, scheduled, retry and
// archived counts, the workers serving them, the schedules their
// schedulers fire, and the failed (archived or retrying) tasks with their
// errors; retry or delete a task, pause or resume a queue. It reads
// asynq's Inspector through package queue and refreshes on a tick.
package queue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/queue"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// Name is the screen's name in the registry and the palette.
const Name = "queue"

// poll is how often the screen reads the queue again.
const poll = 2 * time.Second

// failedLimit is how many archived (and retrying) tasks are read per queue.
const failedLimit = 50

// conn is one dashboard's connection to the queue's Redis, opened by the
// first Queue screen and closed when the dashboard exits.
type conn struct {
	mu sync.Mutex
	q  *queue.Queue
}

func (c *conn) get(cfg config.Queue) (*queue.Queue, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.q == nil {
		q, err := queue.Open(cfg)
		if err != nil {
			return nil, err
		}
		c.q = q
	}
	return c.q, nil
}

// closeAtExit waits for the dashboard to end, then closes the connection.
func (c *conn) closeAtExit(uc *common.Context) tea.Cmd {
	return uc.Run(func(ctx context.Context) tea.Msg {
		<-ctx.Done()
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.q != nil {
			_ = c.q.Close()
		}
		return nil
	})
}

// Register adds the screen and `:queue`.
func Register(r *common.Registry) {
	cn := &conn{}
	r.ScreenCommand(Name, "", "the work queue: queues, workers, schedules, failed tasks",
		func(c *common.Context, _ string, _ any) (common.Screen, error) { return New(c, cn), nil })
	r.Startup(cn.closeAtExit)
}

// snapshot is one reading of the queue.
type snapshot struct {
	stats queue.Stats
	// failed are the archived tasks, then the retrying ones, of every queue.
	failed []queue.TaskRow
	at     time.Time
}

type loadedMsg struct {
	id   int
	snap snapshot
	err  error
}

type tickMsg struct{ gen int }

// actedMsg ends an action: a flash, then a reload.
type actedMsg struct {
	text string
	err  error
}

// Model is the Queue screen.
type Model struct {
	c      *common.Context
	conn   *conn
	snap   snapshot
	loaded bool
	err    error
	loadID int
	gen    int
	// cursor is over the queues, then the failed tasks.
	cursor int
	// qOffset and offset are the first queue and failed task shown.
	qOffset int
	offset  int
	guard   common.DialogGuard
	width   int
	height  int
}

// New returns the screen; Init reads the queue.
func New(c *common.Context, cn *conn) *Model { return &Model{c: c, conn: cn} }

// configured reports whether [queue] url is set.
func (m *Model) configured() bool { return m.c.Config != nil && m.c.Config.Queue.URL != "" }

// Title implements common.Screen.
func (m *Model) Title() string { return "Queue" }

// Capturing implements common.Screen.
func (m *Model) Capturing() bool { return false }

// SetSize implements common.Screen.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Init reads the queue and starts the refresh tick.
func (m *Model) Init() tea.Cmd {
	if !m.configured() {
		return nil
	}
	return tea.Batch(m.load(), m.tick())
}

// SetSnapshot replaces what the screen shows (tests).
func (m *Model) SetSnapshot(st queue.Stats, failed []queue.TaskRow, at time.Time) {
	m.snap, m.loaded, m.err = snapshot{stats: st, failed: failed, at: at}, true, nil
	m.cursor = min(m.cursor, max(m.rows()-1, 0))
}

func (m *Model) tick() tea.Cmd {
	m.gen++
	gen := m.gen
	return tea.Tick(poll, func(time.Time) tea.Msg { return tickMsg{gen} })
}

func (m *Model) load() tea.Cmd {
	if m.loadID != 0 {
		return nil
	}
	id := m.c.NextID()
	m.loadID = id
	cfg := m.c.Config.Queue
	return m.c.Run(func(context.Context) tea.Msg {
		q, err := m.conn.get(cfg)
		if err != nil {
			return loadedMsg{id: id, err: err}
		}
		snap, err := read(q)
		snap.at = m.c.Now()
		return loadedMsg{id: id, snap: snap, err: err}
	})
}

// read takes one snapshot: stats, then the failed tasks of the queues
// that hold some.
func read(q *queue.Queue) (snapshot, error) {
	var s snapshot
	var err error
	if s.stats, err = q.Stats(); err != nil {
		return s, err
	}
	for _, state := range []string{"archived", "retry"} {
		for _, qs := range s.stats.Queues {
			if (state == "archived" && qs.Archived == 0) || (state == "retry" && qs.Retry == 0) {
				continue
			}
			tasks, err := q.Tasks(qs.Queue, state, failedLimit)
			if err != nil {
				return s, err
			}
			s.failed = append(s.failed, tasks...)
		}
	}
	return s, nil
}

// rows counts the selectable rows: queues, then failed tasks.
func (m *Model) rows() int { return len(m.snap.stats.Queues) + len(m.snap.failed) }

// selected is the row under the cursor: a queue or a failed task.
func (m *Model) selected() (*queue.QueueStats, *queue.TaskRow) {
	nq := len(m.snap.stats.Queues)
	switch {
	case m.cursor < nq:
		return &m.snap.stats.Queues[m.cursor], nil
	case m.cursor-nq < len(m.snap.failed):
		return nil, &m.snap.failed[m.cursor-nq]
	}
	return nil, nil
}

// Update implements common.Screen.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	if m.guard.Swallow(m.c, msg) {
		return m, nil
	}
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.id != m.loadID {
			return m, nil
		}
		m.loadID = 0
		if msg.err != nil {
			return m, common.FlashFirstError(&m.err, msg.err, "read the queue")
		}
		m.keepCursor(msg.snap)
	case tickMsg:
		if msg.gen == m.gen {
			return m, tea.Batch(m.load(), m.tick())
		}
	case actedMsg:
		if msg.err != nil {
			return m, tea.Batch(common.FlashError(msg.err), m.load())
		}
		return m, tea.Batch(common.Flash(msg.text), m.load())
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	return m, nil
}

// keepCursor adopts a snapshot, keeping the cursor on the same queue or
// task when it is still there.
func (m *Model) keepCursor(s snapshot) {
	qs, task := m.selected()
	m.SetSnapshot(s.stats, s.failed, s.at)
	for i, q := range s.stats.Queues {
		if qs != nil && q.Queue == qs.Queue {
			m.cursor = i
		}
	}
	for i, t := range s.failed {
		if task != nil && t.Queue == task.Queue && t.ID == task.ID {
			m.cursor = len(s.stats.Queues) + i
		}
	}
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	retry, del, pause := m.actionKeys()
	last := max(m.rows()-1, 0)
	qs, task := m.selected()
	switch {
	case key.Matches(msg, k.Back):
		return common.Back()
	case !m.configured():
	case key.Matches(msg, k.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(msg, k.Down):
		m.cursor = min(m.cursor+1, last)
	case key.Matches(msg, k.Top):
		m.cursor = 0
	case key.Matches(msg, k.Bottom):
		m.cursor = last
	case key.Matches(msg, k.Refresh):
		return m.load()
	case m.c.ReadOnly:
	case key.Matches(msg, pause) && qs != nil:
		return m.setPaused(qs.Queue, !qs.Paused)
	case key.Matches(msg, retry) && task != nil:
		return m.act(queue.TaskRetry, *task)
	case key.Matches(msg, del) && task != nil:
		return m.guard.Open(m.c, m.askDelete(*task))
	}
	return nil
}

// actionKeys are the shared bindings this screen uses, described for
// what they do here (rebinding `retry_failed`, `delete` or `resume` in
// [ui] keys rebinds them here too).
func (m *Model) actionKeys() (retry, del, pause key.Binding) {
	k := m.c.Keys
	retry, del, pause = k.RetryFailed, k.Delete, k.Resume
	retry.SetHelp(retry.Help().Key, "retry task now")
	del.SetHelp(del.Help().Key, "delete task")
	pause.SetHelp(pause.Help().Key, "pause/resume queue")
	return retry, del, pause
}

func (m *Model) queue() (*queue.Queue, error) {
	if !m.configured() {
		return nil, errors.New("no queue: set [queue] url")
	}
	return m.conn.get(m.c.Config.Queue)
}

func (m *Model) setPaused(name string, paused bool) tea.Cmd {
	return m.c.Run(func(ctx context.Context) tea.Msg {
		q, err := m.queue()
		if err == nil {
			err = q.SetPaused(ctx, name, paused)
		}
		word := "resumed: workers take its tasks again"
		if paused {
			word = "paused: workers take nothing from it until u resumes it"
		}
		return actedMsg{text: "Queue " + name + " " + word, err: err}
	})
}

func (m *Model) act(a access.Action, t queue.TaskRow) tea.Cmd {
	return m.c.Run(func(ctx context.Context) tea.Msg {
		q, err := m.queue()
		if err == nil {
			err = q.TaskAct(ctx, a, t.Queue, t.ID)
		}
		done := map[access.Action]string{queue.TaskRetry: "queued to run now", queue.TaskDelete: "deleted"}[a]
		return actedMsg{text: fmt.Sprintf("Task %s of %s %s", t.ID, t.Queue, done), err: err}
	})
}
