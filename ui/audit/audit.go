// Package audit is the dashboard's Audit screen (`:audit`): who changed
// what, newest first, read a page at a time by the audit log's id (keyset
// paging, so a log of 100,000 entries opens and scrolls as fast as a short
// one), filtered by user, tenant, action or any text, with the selected
// entry's arguments and error in full. It only reads: viewers see it too.
package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/audit"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// Name is the screen's name in the registry and its palette command.
const Name = "audit"

// pageSize is how many entries one read brings.
const pageSize = 200

// Register adds the screen and `:audit [FILTER]`.
func Register(r *common.Registry) {
	r.ScreenCommand(Name, "[FILTER]", "who changed what: the audit log, newest first",
		func(c *common.Context, arg string, _ any) (common.Screen, error) { return New(c, arg), nil })
}

// Reader reads a page of entries, newest first (audit.Newest).
type Reader func(ctx context.Context, f audit.Filter) ([]audit.Entry, error)

// Model is the Audit screen.
type Model struct {
	c    *common.Context
	read Reader

	query    string // the filter applied
	filter   textinput.Model
	editing  bool
	rows     []audit.Entry
	more     bool // older entries may be left to read
	loadID   int  // the read in flight (0: none)
	loaded   bool
	err      error
	cursor   int
	offset   int
	expanded bool // the selected entry fills the screen
	paneTop  int  // first line of the expanded entry shown
	width    int
	height   int
}

type loadedMsg struct {
	id    int
	fresh bool // the first page: replaces the rows
	rows  []audit.Entry
	err   error
}

// New returns the screen with query as its filter; Init reads the first
// page from the central database.
func New(c *common.Context, query string) *Model {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "user:NAME tenant:REF action:tenant.delete or any text"
	m := &Model{c: c, filter: in, query: strings.TrimSpace(query)}
	m.read = func(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
		return audit.Newest(ctx, c.Service.Central(), f)
	}
	return m
}

// Title implements common.Screen.
func (m *Model) Title() string { return "Audit" }

// Capturing implements common.Screen: true while the filter is typed.
func (m *Model) Capturing() bool { return m.editing }

// SetSize implements common.Screen.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.filter.SetWidth(max(w-2, 10))
}

// Init implements common.Screen.
func (m *Model) Init() tea.Cmd { return m.load(true) }

// SetRows shows rows as if read (tests, benchmarks); more says whether
// older ones are left.
func (m *Model) SetRows(rows []audit.Entry, more bool) {
	m.rows, m.more, m.loaded, m.err = rows, more, true, nil
	m.cursor = min(m.cursor, max(len(rows)-1, 0))
}

// load reads the first page (fresh) or the page after the last row.
func (m *Model) load(fresh bool) tea.Cmd {
	if m.loadID != 0 && !fresh {
		return nil
	}
	id := m.c.NextID()
	m.loadID = id
	f := parseFilter(m.query)
	if !fresh && len(m.rows) > 0 {
		f.Before = m.rows[len(m.rows)-1].ID
	}
	f.Limit = pageSize
	ref := f.Target
	svc := m.c.Service
	return m.c.Run(func(ctx context.Context) tea.Msg {
		if ref != "" && svc != nil {
			// tenant:REF names a tenant the way the dashboard shows it;
			// the log keeps its id (a deleted tenant's id is typed as is).
			t, err := svc.Find(ctx, ref)
			switch {
			case err == nil:
				f.Target = t.ID
			case !errors.Is(err, tenants.ErrNotFound):
				return loadedMsg{id: id, fresh: fresh, err: err}
			}
		}
		rows, err := m.read(ctx, f)
		return loadedMsg{id: id, fresh: fresh, rows: rows, err: err}
	})
}

// parseFilter reads the filter's words: user:NAME, tenant:REF (or
// target:), action:NAME (or a family: tenant, backup); the other words
// are one text that the user, action or target contains.
func parseFilter(q string) audit.Filter {
	var f audit.Filter
	var text []string
	for _, w := range strings.Fields(q) {
		k, v, ok := strings.Cut(w, ":")
		switch {
		case ok && k == "user":
			f.User = v
		case ok && (k == "tenant" || k == "target"):
			f.Target = v
		case ok && k == "action":
			f.Action = v
		default:
			text = append(text, w)
		}
	}
	f.Match = strings.Join(text, " ")
	return f
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
			return m, common.FlashError(fmt.Errorf("read the audit log: %w", msg.err))
		}
		if msg.fresh {
			m.rows, m.cursor, m.offset, m.paneTop = nil, 0, 0, 0
		}
		m.rows = append(m.rows, msg.rows...)
		m.more, m.loaded, m.err = len(msg.rows) == pageSize, true, nil
		return m, m.moveTo(m.cursor)
	case tea.KeyPressMsg:
		if m.editing {
			return m, m.filterKey(msg)
		}
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.editing = false
		m.filter.Blur()
		return nil
	case "enter":
		m.editing = false
		m.filter.Blur()
		m.query = strings.TrimSpace(m.filter.Value())
		return m.load(true)
	}
	var cmd tea.Cmd
	m.filter, cmd = m.filter.Update(msg)
	common.EscapeInput(&m.filter)
	return cmd
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	if m.expanded {
		switch {
		case key.Matches(msg, k.Down):
			m.paneTop++
		case key.Matches(msg, k.Up):
			m.paneTop = max(m.paneTop-1, 0)
		case key.Matches(msg, k.PageDown):
			m.paneTop += max(m.height-2, 1)
		case key.Matches(msg, k.PageUp):
			m.paneTop = max(m.paneTop-max(m.height-2, 1), 0)
		case key.Matches(msg, k.Open, k.Back):
			m.expanded = false
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Up):
		return m.moveTo(m.cursor - 1)
	case key.Matches(msg, k.Down):
		return m.moveTo(m.cursor + 1)
	case key.Matches(msg, k.Top):
		return m.moveTo(0)
	case key.Matches(msg, k.Bottom):
		return m.moveTo(len(m.rows) - 1)
	case key.Matches(msg, k.PageUp):
		return m.moveTo(m.cursor - m.rowsHeight())
	case key.Matches(msg, k.PageDown):
		return m.moveTo(m.cursor + m.rowsHeight())
	case key.Matches(msg, k.Open):
		if m.cursor < len(m.rows) {
			m.expanded, m.paneTop = true, 0
		}
	case key.Matches(msg, k.Filter):
		m.editing = true
		m.filter.SetValue(m.query)
		m.filter.CursorEnd()
		m.filter.SetStyles(m.c.Styles.Input())
		return m.filter.Focus()
	case key.Matches(msg, k.Refresh):
		return m.load(true)
	case key.Matches(msg, k.Back):
		if m.query != "" {
			m.query = ""
			return m.load(true)
		}
		return common.Back()
	}
	return nil
}

// moveTo puts the cursor on row i (kept in the rows), scrolls it into
// view, and reads the next page when the view nears the last row read.
func (m *Model) moveTo(i int) tea.Cmd {
	m.cursor = max(min(i, len(m.rows)-1), 0)
	h := m.rowsHeight()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	if m.more && m.cursor+2*h >= len(m.rows) {
		return m.load(false)
	}
	return nil
}

// Cursor returns the selected entry.
func (m *Model) Cursor() (audit.Entry, bool) {
	if m.cursor < len(m.rows) {
		return m.rows[m.cursor], true
	}
	return audit.Entry{}, false
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	if m.editing {
		return []key.Binding{k.Open, k.Back}
	}
	return []key.Binding{k.Open, k.Filter, k.Refresh, k.Back}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.Keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown},
		{k.Open, k.Filter, k.Refresh, k.Back},
	}
}
