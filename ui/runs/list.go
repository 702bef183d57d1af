package runs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// Screen names in the registry: the list (`:runs`) and one run (`:runs ID`).
const (
	Name    = "runs"
	RunName = "run"
)

// listPoll is how often the list reloads: runs started by other
// processes (the CLI, another dashboard, the queue) show up by polling.
const listPoll = 2 * time.Second

// listLimit is how many of the latest runs the list shows.
const listLimit = 200

type listLoadedMsg struct {
	id   int
	rows []runRow
	err  error
}

type listTickMsg struct{ gen int }

// Register adds the runs screens and `:runs [ID]`.
func Register(r *common.Registry) {
	r.ScreenCommand(Name, "[ID]", "fleet runs: progress, items, cancel, resume",
		func(c *common.Context, arg string, data any) (common.Screen, error) {
			if arg == "" {
				return NewList(c, fleetOf(c, data)), nil
			}
			id, err := parseID(arg)
			if err != nil {
				return nil, err
			}
			return NewRun(c, fleetOf(c, data), id, nil), nil
		})
	r.Screen(RunName, func(c *common.Context, arg string, data any) (common.Screen, error) {
		id, err := parseID(arg)
		if err != nil {
			return nil, err
		}
		job, _ := data.(*Job)
		return NewRun(c, fleetOf(c, data), id, job), nil
	})
	r.Startup(watchRuns)
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("run %q: give a run's number (see :runs)", s)
	}
	return id, nil
}

// List is the runs table, newest first.
type List struct {
	c      *common.Context
	f      *Fleet
	rows   []runRow
	cursor int
	offset int
	loaded bool
	err    error
	loadID int
	gen    int
	guard  common.DialogGuard
	width  int
	height int
}

// NewList returns the runs list; Init loads it.
func NewList(c *common.Context, f *Fleet) *List { return &List{c: c, f: f} }

// Title implements common.Screen.
func (m *List) Title() string { return "Runs" }

// Capturing implements common.Screen.
func (m *List) Capturing() bool { return false }

// SetSize implements common.Screen.
func (m *List) SetSize(w, h int) { m.width, m.height = w, h }

// Init loads the runs and starts polling.
func (m *List) Init() tea.Cmd { return tea.Batch(m.load(), m.tick()) }

// SetRows replaces the runs (tests, benchmarks).
func (m *List) SetRows(rows []runRow) {
	m.rows, m.loaded, m.err = rows, true, nil
	m.cursor = min(m.cursor, max(len(rows)-1, 0))
}

func (m *List) tick() tea.Cmd {
	m.gen++
	gen := m.gen
	return tea.Tick(listPoll, func(time.Time) tea.Msg { return listTickMsg{gen} })
}

func (m *List) load() tea.Cmd {
	if m.loadID != 0 {
		return nil
	}
	id := m.c.NextID()
	m.loadID = id
	return m.c.Run(func(ctx context.Context) tea.Msg {
		rows, err := loadRuns(ctx, m.f)
		return listLoadedMsg{id: id, rows: rows, err: err}
	})
}

// loadRuns lists the latest runs with live counts for the unfinished ones.
func loadRuns(ctx context.Context, f *Fleet) ([]runRow, error) {
	svc, err := f.Service(ctx)
	if err != nil {
		return nil, err
	}
	list, err := svc.List(ctx, listLimit)
	if err != nil {
		return nil, err
	}
	rows := make([]runRow, len(list))
	for i, r := range list {
		rows[i] = runRow{Run: r}
		switch r.State {
		case fleet.RunRunning, fleet.RunPending, fleet.RunPaused:
			if rows[i].counts, err = svc.Counts(ctx, r.ID); err != nil {
				return nil, err
			}
			if r.State == fleet.RunRunning {
				if rows[i].alive, err = svc.Alive(ctx, r.ID); err != nil {
					return nil, err
				}
			}
		}
	}
	return rows, nil
}

// Update implements common.Screen.
func (m *List) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	if m.guard.Swallow(m.c, msg) {
		return m, nil
	}
	switch msg := msg.(type) {
	case listLoadedMsg:
		if msg.id != m.loadID {
			return m, nil
		}
		m.loadID = 0
		if msg.err != nil {
			return m, common.FlashFirstError(&m.err, msg.err, "list runs")
		}
		m.keepCursor(msg.rows)
	case listTickMsg:
		if msg.gen == m.gen {
			return m, tea.Batch(m.load(), m.tick())
		}
	case createdMsg, workedMsg:
		return m, m.load()
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	return m, nil
}

// keepCursor adopts rows, keeping the cursor on the same run.
func (m *List) keepCursor(rows []runRow) {
	var at int64
	if m.cursor < len(m.rows) {
		at = m.rows[m.cursor].ID
	}
	m.SetRows(rows)
	for i, r := range rows {
		if r.ID == at {
			m.cursor = i
		}
	}
}

func (m *List) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	r, ok := m.current()
	switch {
	case key.Matches(msg, k.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(msg, k.Down):
		m.cursor = max(min(m.cursor+1, len(m.rows)-1), 0)
	case key.Matches(msg, k.Top):
		m.cursor = 0
	case key.Matches(msg, k.Bottom):
		m.cursor = max(len(m.rows)-1, 0)
	case key.Matches(msg, k.PageUp):
		m.cursor = max(m.cursor-m.page(), 0)
	case key.Matches(msg, k.PageDown):
		m.cursor = max(min(m.cursor+m.page(), len(m.rows)-1), 0)
	case key.Matches(msg, k.Refresh):
		return m.load()
	case key.Matches(msg, k.Back):
		return common.Back()
	case !ok:
	case key.Matches(msg, k.Open):
		return common.Open(RunName, strconv.FormatInt(r.ID, 10), m.f)
	case key.Matches(msg, k.CancelRun):
		return m.guard.Open(m.c, ask(m.c, m.f, actCancel, r, false, false))
	case key.Matches(msg, k.Resume):
		return m.guard.Open(m.c, ask(m.c, m.f, actResume, r, false, false))
	case key.Matches(msg, k.RetryFailed):
		return m.guard.Open(m.c, ask(m.c, m.f, actRetry, r, false, false))
	case key.Matches(msg, k.Continue):
		return m.guard.Open(m.c, ask(m.c, m.f, actContinue, r, false, false))
	}
	return nil
}

func (m *List) current() (runRow, bool) {
	if m.cursor < len(m.rows) {
		return m.rows[m.cursor], true
	}
	return runRow{}, false
}

func (m *List) page() int { return max(m.height-3, 1) }

// ShortHelp implements help.KeyMap.
func (m *List) ShortHelp() []key.Binding {
	k := m.c.Keys
	return []key.Binding{k.Open, k.CancelRun, k.Resume, k.RetryFailed, k.Continue, k.Refresh, k.Back}
}

// FullHelp implements help.KeyMap.
func (m *List) FullHelp() [][]key.Binding {
	k := m.c.Keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown},
		{k.Open, k.Refresh, k.Back},
		{k.CancelRun, k.Resume, k.RetryFailed, k.Continue},
	}
}
