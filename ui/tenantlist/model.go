// Package tenantlist is the dashboard's home screen: the tenants table
// with filter as you type, sorting, marks for bulk actions, jump by [#],
// and a background refresh that keeps the cursor on the same tenant.
package tenantlist

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/tenantops"
)

// Name is the screen's registry name.
const Name = "tenants"

// loadedMsg carries a registry listing.
type loadedMsg struct {
	id  int
	ts  []tenants.Tenant
	err error
}

// clearMarksMsg forgets the marks after a bulk delete.
type clearMarksMsg struct{}

// tickMsg is the background refresh timer.
type tickMsg struct{ gen int }

// Model is the tenants table.
type Model struct {
	c      *common.Context
	rows   rows
	nat    natural
	layout layout
	cursor int
	offset int
	marks  map[string]bool

	filter    textinput.Model
	filtering bool
	sortIdx   int
	desc      bool
	jump      string

	loadID  int // id of the listing in flight (0: none)
	loaded  bool
	err     error
	tickGen int
	width   int
	height  int
}

// New returns the screen; Init loads the tenants.
func New(c *common.Context) *Model {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "name, id, domain or database"
	return &Model{c: c, marks: map[string]bool{}, filter: in}
}

// Register adds the screen to the registry.
func Register(r *common.Registry) {
	r.Screen(Name, func(c *common.Context, _ string, _ any) (common.Screen, error) { return New(c), nil })
	registerCommands(r)
}

// Title implements common.Screen.
func (m *Model) Title() string { return "Tenants" }

// Capturing is true while the filter is typed.
func (m *Model) Capturing() bool { return m.filtering }

// Init loads the tenants and starts the refresh timer.
func (m *Model) Init() tea.Cmd { return tea.Batch(m.load(), m.tick()) }

// load lists the registry unless a listing is already in flight.
func (m *Model) load() tea.Cmd {
	if m.loadID != 0 || m.c.Service == nil {
		return nil
	}
	id := m.c.NextID()
	m.loadID = id
	task := "tenants-" + strconv.Itoa(id)
	work := m.c.Run(func(ctx context.Context) tea.Msg {
		ts, err := m.c.Service.List(ctx, tenants.ListOptions{})
		return tea.BatchMsg{common.EndTask(task), func() tea.Msg { return loadedMsg{id: id, ts: ts, err: err} }}
	})
	return tea.Batch(common.StartTask(task, "loading tenants"), work)
}

func (m *Model) tick() tea.Cmd {
	every := m.c.Config.UI.RefreshInterval.D()
	if every <= 0 {
		return nil
	}
	m.tickGen++
	gen := m.tickGen
	return tea.Tick(every, func(time.Time) tea.Msg { return tickMsg{gen} })
}

// SetTenants replaces the loaded tenants (what a listing reply does),
// keeping the cursor on the same tenant when it is still shown.
func (m *Model) SetTenants(ts []tenants.Tenant) {
	keep := ""
	if m.cursor < m.rows.len() {
		keep = m.rows.at(m.cursor).ID
	}
	m.rows.set(ts, tenants.SortKeys[m.sortIdx], m.desc)
	m.nat = measure(ts)
	m.layout = fitColumns(m.width, m.nat)
	m.loaded, m.err = true, nil
	alive := make(map[string]bool, len(ts))
	for _, t := range ts {
		alive[t.ID] = true
	}
	for id := range m.marks {
		if !alive[id] {
			delete(m.marks, id)
		}
	}
	m.moveTo(m.rows.find(keep))
}

// Update implements common.Screen.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.id != m.loadID {
			return m, nil
		}
		m.loadID = 0
		if msg.err != nil {
			m.err = msg.err
			return m, common.FlashError(fmt.Errorf("refresh tenants: %w", msg.err))
		}
		m.SetTenants(msg.ts)
		return m, func() tea.Msg { return common.TenantCountMsg{N: len(msg.ts)} }
	case tickMsg:
		if msg.gen != m.tickGen {
			return m, nil
		}
		return m, tea.Batch(m.load(), m.tick())
	case common.TenantsChangedMsg:
		return m, m.load()
	case clearMarksMsg:
		clear(m.marks)
		return m, nil
	case tea.KeyPressMsg:
		if m.filtering {
			return m, m.filterKey(msg)
		}
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.filtering = false
		m.filter.Blur()
		m.filter.SetValue("")
		m.applyFilter()
		return nil
	case "enter":
		m.filtering = false
		m.filter.Blur()
		return nil
	case "up", "down", "pgup", "pgdown":
		return m.key(msg)
	}
	var cmd tea.Cmd
	before := m.filter.Value()
	m.filter, cmd = m.filter.Update(msg)
	if m.filter.Value() != before {
		m.applyFilter()
	}
	return cmd
}

// applyFilter refilters and keeps the cursor on its tenant if still shown.
func (m *Model) applyFilter() {
	keep := ""
	if m.cursor < m.rows.len() {
		keep = m.rows.at(m.cursor).ID
	}
	m.rows.filter(m.filter.Value())
	m.moveTo(m.rows.find(keep))
}

// selection is the marked tenants, else the one under the cursor.
func (m *Model) selection() []tenants.Tenant {
	var out []tenants.Tenant
	if len(m.marks) > 0 {
		for _, t := range m.rows.ts {
			if m.marks[t.ID] {
				out = append(out, t)
			}
		}
		return out
	}
	if m.cursor < m.rows.len() {
		out = append(out, *m.rows.at(m.cursor))
	}
	return out
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	if s := msg.String(); len(s) == 1 && s[0] >= '0' && s[0] <= '9' && len(m.jump) < 9 {
		m.jump += s
		return nil
	}
	switch {
	case msg.String() == "backspace" && m.jump != "":
		m.jump = m.jump[:len(m.jump)-1]
	case key.Matches(msg, k.Back):
		switch {
		case m.jump != "":
			m.jump = ""
		case m.filter.Value() != "":
			m.filter.SetValue("")
			m.applyFilter()
		case len(m.marks) > 0:
			clear(m.marks)
		}
	case key.Matches(msg, k.Open):
		if m.jump != "" {
			return m.jumpTo()
		}
		if m.cursor < m.rows.len() {
			t := *m.rows.at(m.cursor)
			return common.Open("detail", t.ID, t)
		}
	case key.Matches(msg, k.Up):
		m.moveTo(m.cursor - 1)
	case key.Matches(msg, k.Down):
		m.moveTo(m.cursor + 1)
	case key.Matches(msg, k.Top):
		m.moveTo(0)
	case key.Matches(msg, k.Bottom):
		m.moveTo(m.rows.len() - 1)
	case key.Matches(msg, k.PageUp):
		m.moveTo(m.cursor - m.pageSize())
	case key.Matches(msg, k.PageDown):
		m.moveTo(m.cursor + m.pageSize())
	case key.Matches(msg, k.Filter):
		m.filtering = true
		return m.filter.Focus()
	case key.Matches(msg, k.Sort):
		m.sortIdx = (m.sortIdx + 1) % len(tenants.SortKeys)
		m.resort()
	case key.Matches(msg, k.SortDir):
		m.desc = !m.desc
		m.resort()
	case key.Matches(msg, k.Mark):
		if m.cursor < m.rows.len() {
			id := m.rows.at(m.cursor).ID
			if m.marks[id] {
				delete(m.marks, id)
			} else {
				m.marks[id] = true
			}
			m.moveTo(m.cursor + 1)
		}
	case key.Matches(msg, k.Refresh):
		return m.load()
	case key.Matches(msg, k.Create):
		return common.Open("create", "", nil)
	case key.Matches(msg, k.Delete):
		return tenantops.ConfirmDelete(m.c, m.selection(), m.clearMarks())
	case key.Matches(msg, k.Activate):
		return tenantops.SetStatus(m.c, m.selection(), tenants.StatusActive)
	case key.Matches(msg, k.Deactivate):
		return tenantops.SetStatus(m.c, m.selection(), tenants.StatusInactive)
	case key.Matches(msg, k.Block):
		return tenantops.ConfirmBlock(m.c, m.selection())
	}
	return nil
}

// clearMarks forgets the marks once a bulk delete succeeded.
func (m *Model) clearMarks() tea.Cmd {
	return func() tea.Msg { return clearMarksMsg{} }
}

func (m *Model) jumpTo() tea.Cmd {
	n, _ := strconv.Atoi(m.jump)
	m.jump = ""
	i := m.rows.findIndex(n)
	if i < 0 {
		return common.FlashError(fmt.Errorf("no tenant [%d] is shown (esc clears the filter)", n))
	}
	m.moveTo(i)
	return nil
}

func (m *Model) resort() {
	keep := ""
	if m.cursor < m.rows.len() {
		keep = m.rows.at(m.cursor).ID
	}
	m.rows.resort(tenants.SortKeys[m.sortIdx], m.desc)
	m.moveTo(m.rows.find(keep))
}

func (m *Model) pageSize() int { return max(m.height-2, 1) }

// moveTo puts the cursor on row i (clamped) and scrolls it into view.
func (m *Model) moveTo(i int) {
	n := m.rows.len()
	m.cursor = max(min(i, n-1), 0)
	page := m.pageSize()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+page {
		m.offset = m.cursor - page + 1
	}
	m.offset = max(min(m.offset, n-page), 0)
}

// SetSize implements common.Screen.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.layout = fitColumns(w, m.nat)
	m.filter.SetWidth(max(w/2, 10))
	m.moveTo(m.cursor)
}

// Cursor returns the tenant under the cursor, if any.
func (m *Model) Cursor() (tenants.Tenant, bool) {
	if m.cursor < m.rows.len() {
		return *m.rows.at(m.cursor), true
	}
	return tenants.Tenant{}, false
}

// Shown is how many tenants pass the filter.
func (m *Model) Shown() int { return m.rows.len() }

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	if m.filtering {
		return []key.Binding{k.Open, k.Back}
	}
	return []key.Binding{k.Open, k.Filter, k.Create, k.Delete, k.Palette}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.Keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown},
		{k.Open, k.Filter, k.Sort, k.SortDir, k.Mark, k.Refresh, k.Back},
		{k.Create, k.Delete, k.Activate, k.Deactivate, k.Block},
	}
}

// status is the line above the table: counts, sort, marks, jump.
func (m *Model) status() string {
	st := m.c.Styles
	var parts []string
	parts = append(parts, fmt.Sprintf("%d of %d", m.rows.len(), len(m.rows.ts)))
	dir := "↑"
	if m.desc {
		dir = "↓"
	}
	parts = append(parts, "sort "+string(tenants.SortKeys[m.sortIdx])+" "+dir)
	if len(m.marks) > 0 {
		parts = append(parts, st.Marked.Render(fmt.Sprintf("%d marked", len(m.marks))))
	}
	if m.jump != "" {
		parts = append(parts, st.Bold.Render("go to ["+m.jump+"] — enter"))
	}
	return st.Subtle.Render(strings.Join(parts, " · "))
}
