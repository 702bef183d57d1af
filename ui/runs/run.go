package runs

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// runPoll is how often a run that is not finished is read again: its
// items change under runners of other processes as well as this one.
const runPoll = time.Second

// filters are the item states the table cycles through ("" is all).
var filters = []fleet.ItemState{"", fleet.ItemPending, fleet.ItemRunning, fleet.ItemDone, fleet.ItemFailed, fleet.ItemSkipped, fleet.ItemCancelled}

type runLoadedMsg struct {
	id    int
	run   int64
	row   runRow
	items []fleet.Item
	err   error
}

type runTickMsg struct {
	run int64
	gen int
}

// Run is one run's live view.
type Run struct {
	c  *common.Context
	f  *Fleet
	id int64
	// job is set while this dashboard works the run.
	job *Job

	row     runRow
	items   []fleet.Item
	index   map[string]int // tenant id -> items index
	servers []string
	counts  map[fleet.ItemState]int
	// running counts the running items per server, as recorded
	running map[string]int
	shown   []int32 // items shown under the filter
	filter  int
	live    *fleet.Progress

	cursor, offset int
	loaded         bool
	err            error
	loadID, gen    int
	guard          common.DialogGuard
	bar            progress.Model
	width, height  int
}

// NewRun returns the view of run id; job is the work this dashboard
// started on it (nil: it is only read).
func NewRun(c *common.Context, f *Fleet, id int64, job *Job) *Run {
	return &Run{c: c, f: f, id: id, job: job, bar: progress.New(progress.WithWidth(40), progress.WithoutPercentage())}
}

// Title implements common.Screen.
func (m *Run) Title() string { return "Run " + strconv.FormatInt(m.id, 10) }

// Capturing implements common.Screen.
func (m *Run) Capturing() bool { return false }

// Busy keeps the view (and its live progress) when a palette command
// opens another screen while this dashboard works the run.
func (m *Run) Busy() bool { return m.job != nil }

// SetSize implements common.Screen.
func (m *Run) SetSize(w, h int) {
	m.width, m.height = w, h
	m.bar.SetWidth(max(min(w-34, 50), 10))
}

// Init loads the run and, when this dashboard works it, waits for its reports.
func (m *Run) Init() tea.Cmd {
	cmds := []tea.Cmd{m.load()}
	if m.job != nil {
		cmds = append(cmds, m.job.wait(m.c))
	}
	return tea.Batch(cmds...)
}

func (m *Run) load() tea.Cmd {
	if m.loadID != 0 {
		return nil
	}
	id, run := m.c.NextID(), m.id
	m.loadID = id
	return m.c.Run(func(ctx context.Context) tea.Msg {
		row, items, err := loadRun(ctx, m.f, run)
		return runLoadedMsg{id: id, run: run, row: row, items: items, err: err}
	})
}

func loadRun(ctx context.Context, f *Fleet, id int64) (runRow, []fleet.Item, error) {
	svc, err := f.Service(ctx)
	if err != nil {
		return runRow{}, nil, err
	}
	r, err := svc.Get(ctx, id)
	if err != nil {
		return runRow{}, nil, fmt.Errorf("run %d: %w", id, err)
	}
	items, err := svc.Items(ctx, id)
	if err != nil {
		return runRow{}, nil, err
	}
	row := runRow{Run: r}
	if r.State == fleet.RunRunning {
		if row.alive, err = svc.Alive(ctx, id); err != nil {
			return runRow{}, nil, err
		}
	}
	return row, items, nil
}

// SetRun replaces the run and its items (loads, tests, benchmarks).
func (m *Run) SetRun(r fleet.Run, alive bool, items []fleet.Item) {
	var at string
	if m.cursor < len(m.shown) {
		at = m.items[m.shown[m.cursor]].TenantID
	}
	m.row, m.items, m.loaded, m.err = runRow{Run: r, alive: alive}, items, true, nil
	m.index = make(map[string]int, len(items))
	m.counts = map[fleet.ItemState]int{}
	m.running = map[string]int{}
	m.servers = m.servers[:0]
	for i, it := range items {
		m.index[it.TenantID] = i
		m.counts[it.State]++
		if it.State == fleet.ItemRunning {
			m.running[it.Server]++
		}
		if !slices.Contains(m.servers, it.Server) {
			m.servers = append(m.servers, it.Server)
		}
	}
	slices.Sort(m.servers)
	m.row.counts = m.counts
	m.refilter()
	if i, ok := m.index[at]; ok && at != "" {
		if j := slices.Index(m.shown, int32(i)); j >= 0 {
			m.cursor = j
		}
	}
}

// refilter lists the items under the state filter, keeping the cursor in range.
func (m *Run) refilter() {
	m.shown = m.shown[:0]
	want := filters[m.filter]
	for i, it := range m.items {
		if want == "" || it.State == want {
			m.shown = append(m.shown, int32(i))
		}
	}
	m.cursor = max(min(m.cursor, len(m.shown)-1), 0)
}

// active reports whether the run may still change: it is polled then.
func (m *Run) active() bool {
	if m.job != nil {
		return true
	}
	switch m.row.State {
	case fleet.RunPending, fleet.RunRunning:
		return true
	}
	return false
}

// pollEvery is runPoll, stretched for big runs (every item is read
// again each time): 1 s up to 2,000 items, at most 5 s.
func (m *Run) pollEvery() time.Duration {
	return runPoll * time.Duration(min(max(len(m.items)/2000, 1), 5))
}

func (m *Run) tick() tea.Cmd {
	m.gen++
	gen, run := m.gen, m.id
	return tea.Tick(m.pollEvery(), func(time.Time) tea.Msg { return runTickMsg{run: run, gen: gen} })
}

// Update implements common.Screen.
func (m *Run) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	if m.guard.Swallow(m.c, msg) {
		return m, nil
	}
	switch msg := msg.(type) {
	case runLoadedMsg:
		if msg.id != m.loadID {
			return m, nil
		}
		m.loadID = 0
		if msg.err != nil {
			return m, tea.Batch(common.FlashFirstError(&m.err, msg.err, ""), m.tick())
		}
		m.SetRun(msg.row.Run, msg.row.alive, msg.items)
		if m.active() {
			return m, m.tick()
		}
	case runTickMsg:
		if msg.run == m.id && msg.gen == m.gen {
			return m, m.load()
		}
	case progressMsg:
		if msg.run != m.id || m.job == nil {
			return m, nil
		}
		m.apply(msg.p)
		return m, m.job.wait(m.c)
	case workedMsg:
		if msg.run == m.id {
			m.job, m.live = nil, nil
			return m, m.load()
		}
	case adoptMsg:
		if msg.job.RunID == m.id && m.job == nil {
			m.job = msg.job
			return m, tea.Batch(m.job.wait(m.c), m.load())
		}
	case createdMsg:
		if msg.run.ID == m.id {
			return m, m.load()
		}
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	return m, nil
}

// apply takes a report of this dashboard's runner: its counts and
// servers at once, and the item that changed.
func (m *Run) apply(p fleet.Progress) {
	m.live = &p
	if p.Item == nil {
		return
	}
	if i, ok := m.index[p.Item.TenantID]; ok {
		if m.items[i].State == fleet.ItemRunning {
			m.running[m.items[i].Server]--
		}
		if p.Item.State == fleet.ItemRunning {
			m.running[p.Item.Server]++
		}
		m.counts[m.items[i].State]--
		m.items[i] = *p.Item
		m.counts[p.Item.State]++
	}
}

func (m *Run) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	here := m.job != nil
	switch {
	case key.Matches(msg, k.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(msg, k.Down):
		m.cursor = max(min(m.cursor+1, len(m.shown)-1), 0)
	case key.Matches(msg, k.Top):
		m.cursor = 0
	case key.Matches(msg, k.Bottom):
		m.cursor = max(len(m.shown)-1, 0)
	case key.Matches(msg, k.PageUp):
		m.cursor = max(m.cursor-m.rowsHeight(), 0)
	case key.Matches(msg, k.PageDown):
		m.cursor = max(min(m.cursor+m.rowsHeight(), len(m.shown)-1), 0)
	case key.Matches(msg, k.StateFilter):
		m.filter = (m.filter + 1) % len(filters)
		m.cursor, m.offset = 0, 0
		m.refilter()
	case key.Matches(msg, k.Refresh):
		return m.load()
	case key.Matches(msg, k.Back):
		return common.Back()
	case !m.loaded:
	case key.Matches(msg, k.Open):
		if it, ok := m.selected(); ok {
			return common.Open("detail", it.TenantID, nil)
		}
	case key.Matches(msg, k.CancelRun):
		return m.guard.Open(m.c, ask(m.c, m.f, actCancel, m.row, here, true))
	case key.Matches(msg, k.Resume):
		return m.guard.Open(m.c, ask(m.c, m.f, actResume, m.row, here, true))
	case key.Matches(msg, k.RetryFailed):
		return m.guard.Open(m.c, ask(m.c, m.f, actRetry, m.row, here, true))
	case key.Matches(msg, k.Continue):
		return m.guard.Open(m.c, ask(m.c, m.f, actContinue, m.row, here, true))
	}
	return nil
}

func (m *Run) selected() (fleet.Item, bool) {
	if m.cursor < len(m.shown) {
		return m.items[m.shown[m.cursor]], true
	}
	return fleet.Item{}, false
}

// ShortHelp implements help.KeyMap.
func (m *Run) ShortHelp() []key.Binding {
	k := m.c.Keys
	return []key.Binding{k.StateFilter, k.CancelRun, k.Resume, k.RetryFailed, k.Continue, k.Open, k.Back}
}

// FullHelp implements help.KeyMap.
func (m *Run) FullHelp() [][]key.Binding {
	k := m.c.Keys
	open := k.Open
	open.SetHelp(open.Help().Key, "open the tenant")
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown},
		{k.StateFilter, open, k.Refresh, k.Back},
		{k.CancelRun, k.Resume, k.RetryFailed, k.Continue},
	}
}
