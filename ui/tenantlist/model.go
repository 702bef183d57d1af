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
)

// Name is the screen's registry name.
const Name = "tenants"

// loadedMsg carries a registry listing, prepared for the table.
type loadedMsg struct {
	id      int
	listing listing
	err     error
}

// clearMarksMsg forgets the marks after a bulk delete.
type clearMarksMsg struct{}

// focusMsg puts the cursor on a tenant (opened from the palette), so
// that going back lands on it.
type focusMsg struct{ id string }

// tickMsg is the background refresh timer.
type tickMsg struct{ gen int }

// Model is the tenants table.
type Model struct {
	c      *common.Context
	rows   rows
	nat    natural
	down   int // tenants down for maintenance
	layout layout
	cursor int
	offset int
	marks  map[string]bool

	filter    textinput.Model
	filtering bool
	sortIdx   int
	desc      bool
	jump      string

	statusCells statusCells
	guard       common.DialogGuard

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
	key, desc := tenants.SortKeys[m.sortIdx], m.desc
	work := m.c.Run(func(ctx context.Context) tea.Msg {
		ts, err := m.c.Service.List(ctx, tenants.ListOptions{})
		var l listing
		if err == nil {
			l = prepare(ts, key, desc)
		}
		return tea.BatchMsg{common.EndTask(task), func() tea.Msg { return loadedMsg{id: id, listing: l, err: err} }}
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
	m.setListing(prepare(ts, tenants.SortKeys[m.sortIdx], m.desc))
}

// setListing shows a prepared listing (sorted again if the sort changed
// while it loaded) and forgets marks of tenants that are gone.
func (m *Model) setListing(l listing) {
	if key := tenants.SortKeys[m.sortIdx]; l.key != key || l.desc != m.desc {
		l = prepare(l.ts, key, m.desc)
	}
	ts := l.ts
	m.keepCursor(func() { m.rows.adopt(l) })
	m.nat, m.down = l.nat, l.down
	m.layout = fitColumns(m.width, m.nat)
	m.loaded, m.err = true, nil
	if len(m.marks) == 0 {
		return
	}
	alive := make(map[string]bool, len(ts))
	for _, t := range ts {
		alive[t.ID] = true
	}
	for id := range m.marks {
		if !alive[id] {
			delete(m.marks, id)
		}
	}
}

// keepCursor runs a change to the rows and puts the cursor back on the
// tenant it was on, if that one is still shown.
func (m *Model) keepCursor(change func()) {
	keep := ""
	if m.cursor < m.rows.len() {
		keep = m.rows.at(m.cursor).ID
	}
	change()
	m.moveTo(m.rows.find(keep))
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
			m.err = msg.err
			return m, common.FlashError(fmt.Errorf("refresh tenants: %w", msg.err))
		}
		m.setListing(msg.listing)
		n := len(msg.listing.ts)
		return m, func() tea.Msg { return common.TenantCountMsg{N: n} }
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
	case focusMsg:
		if i := m.rows.find(msg.id); i >= 0 {
			m.moveTo(i)
		}
		return m, nil
	case tea.KeyPressMsg:
		if m.filtering {
			return m, m.filterKey(msg)
		}
		return m, m.key(msg)
	}
	return m, nil
}

// applyFilter refilters and keeps the cursor on its tenant if still shown.
func (m *Model) applyFilter() {
	m.keepCursor(func() { m.rows.filter(m.filter.Value()) })
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

func (m *Model) resort() {
	m.keepCursor(func() { m.rows.adopt(prepare(m.rows.ts, tenants.SortKeys[m.sortIdx], m.desc)) })
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
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown, k.Runs},
		{k.Open, k.Filter, k.Sort, k.SortDir, k.Mark, k.Jump, k.Refresh, k.Back},
		{k.Create, k.Delete, k.Activate, k.Deactivate, k.Block, k.MaintenanceDown, k.MaintenanceUp, k.Perf, k.Backups, k.StartRun},
	}
}

// status is the line above the table: counts, sort, marks, jump.
func (m *Model) status() string {
	st := m.c.Styles
	var parts []string
	parts = append(parts, fmt.Sprintf("%d of %d", m.rows.len(), len(m.rows.ts)))
	if m.down > 0 {
		parts = append(parts, fmt.Sprintf("%d down%s", m.down, downMarker))
	}
	dir := "↑"
	if m.desc {
		dir = "↓"
	}
	parts = append(parts, "sort "+string(tenants.SortKeys[m.sortIdx])+" "+dir)
	if len(m.marks) > 0 {
		parts = append(parts, st.Marked.Render(fmt.Sprintf("%d marked", len(m.marks))))
	}
	if m.jump != "" {
		parts = append(parts, st.Marked.Render("go to ["+m.jump+"_]")+st.Subtle.Render(" enter goes · esc clears"))
	}
	for i, p := range parts {
		parts[i] = st.Subtle.Render(p)
	}
	return strings.Join(parts, st.Subtle.Render(" · "))
}
