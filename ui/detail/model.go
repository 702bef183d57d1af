// Package detail is the dashboard's tenant screen: every registry field,
// the raw data JSON (pretty, passwords redacted), domains, the physical
// database read from information_schema, and the tenant's actions.
package detail

import (
	"context"
	"errors"
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/tenantops"
)

// Name is the screen's registry name.
const Name = "detail"

// Register adds the screen; it opens with a loaded tenant as data, or
// finds the tenant named by arg.
func Register(r *common.Registry) {
	r.Screen(Name, func(c *common.Context, arg string, data any) (common.Screen, error) {
		if t, ok := data.(tenants.Tenant); ok {
			return New(c, t), nil
		}
		return NewRef(c, arg), nil
	})
}

type tenantMsg struct {
	id  int
	t   tenants.Tenant
	err error
}

type infoMsg struct {
	id   int
	info tenants.DatabaseInfo
	err  error
}

// promptKind is what the one-line prompt asks for.
type promptKind int

const (
	noPrompt promptKind = iota
	addDomain
	removeDomain
)

// Model is the detail screen.
type Model struct {
	c       *common.Context
	ref     string
	t       tenants.Tenant
	have    bool
	info    tenants.DatabaseInfo
	infoErr error
	infoOK  bool
	loadErr error
	reqID   int

	guard  common.DialogGuard
	vp     viewport.Model
	prompt promptKind
	input  textinput.Model
	choice int // the domain to remove
	width  int
	height int
}

// New shows a tenant already loaded.
func New(c *common.Context, t tenants.Tenant) *Model {
	m := NewRef(c, t.ID)
	m.t, m.have = t, true
	return m
}

// NewRef shows the tenant ref resolves to, once found.
func NewRef(c *common.Context, ref string) *Model {
	in := textinput.New()
	in.CharLimit = 253
	return &Model{c: c, ref: ref, vp: viewport.New(), input: in}
}

// Init reads the tenant (when only a reference is known) and its database.
func (m *Model) Init() tea.Cmd { return m.reload() }

func (m *Model) reload() tea.Cmd {
	if m.c.Service == nil {
		return nil
	}
	m.reqID = m.c.NextID()
	id, ref, have, t := m.reqID, m.ref, m.have, m.t
	return m.c.Run(func(ctx context.Context) tea.Msg {
		if have {
			fresh, err := m.c.Service.Find(ctx, t.ID)
			if err != nil {
				return tenantMsg{id: id, err: err}
			}
			t = fresh
		} else {
			found, err := m.c.Service.Find(ctx, ref)
			if err != nil {
				return tenantMsg{id: id, err: err}
			}
			t = found
		}
		info, err := m.c.Service.DatabaseInfo(ctx, t)
		return tea.BatchMsg{
			func() tea.Msg { return tenantMsg{id: id, t: t} },
			func() tea.Msg { return infoMsg{id: id, info: info, err: err} },
		}
	})
}

// Title implements common.Screen: the tenant's name, escaped.
func (m *Model) Title() string {
	if m.have {
		return termtext.Line(m.t.Name)
	}
	return termtext.Line(m.ref)
}

// Capturing is true while a domain is typed.
func (m *Model) Capturing() bool { return m.prompt != noPrompt }

// Tenant returns the tenant shown.
func (m *Model) Tenant() tenants.Tenant { return m.t }

// Update implements common.Screen.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	if m.guard.Swallow(m.c, msg) {
		return m, nil
	}
	switch msg := msg.(type) {
	case tenantMsg:
		if msg.id != m.reqID {
			return m, nil
		}
		if msg.err != nil {
			if errors.Is(msg.err, tenants.ErrNotFound) && m.have {
				return m, common.Flash("tenant " + termtext.Line(m.t.Name) + " no longer exists")
			}
			m.loadErr = msg.err
			m.render() // the screen says it too, not only the flash
			return m, common.FlashError(msg.err)
		}
		m.t, m.have, m.loadErr = msg.t, true, nil
		m.render()
	case infoMsg:
		if msg.id == m.reqID {
			m.info, m.infoErr, m.infoOK = msg.info, msg.err, true
			m.render()
		}
	case common.TenantsChangedMsg:
		return m, m.reload()
	case tea.KeyPressMsg:
		if m.prompt != noPrompt {
			return m, m.promptKey(msg)
		}
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	one := []tenants.Tenant{m.t}
	switch {
	case key.Matches(msg, k.Back):
		return common.Back()
	case key.Matches(msg, k.Up):
		m.vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		m.vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		m.vp.PageUp()
	case key.Matches(msg, k.PageDown):
		m.vp.PageDown()
	case key.Matches(msg, k.Top):
		m.vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		m.vp.GotoBottom()
	case key.Matches(msg, k.Refresh):
		return m.reload()
	case !m.have:
		return nil
	case key.Matches(msg, k.Edit):
		return m.guard.Open(m.c, m.editForm())
	case key.Matches(msg, k.MaintenanceDown):
		return m.guard.Open(m.c, tenantops.Down(m.c, one))
	case key.Matches(msg, k.MaintenanceUp):
		return m.guard.Open(m.c, tenantops.ConfirmUp(m.c, one))
	case key.Matches(msg, k.Activate):
		return tenantops.SetStatus(m.c, one, tenants.StatusActive)
	case key.Matches(msg, k.Deactivate):
		return tenantops.SetStatus(m.c, one, tenants.StatusInactive)
	case key.Matches(msg, k.Block):
		return m.guard.Open(m.c, tenantops.ConfirmBlock(m.c, one))
	case key.Matches(msg, k.Delete):
		return m.guard.Open(m.c, tenantops.ConfirmDelete(m.c, one, common.Back()))
	case key.Matches(msg, k.Backups):
		return common.Open("backups", m.t.ID, m.t)
	case key.Matches(msg, k.Resolve):
		if len(m.t.Domains) == 0 {
			return common.FlashError(fmt.Errorf("tenant %s has no domain to resolve (+ adds one)", termtext.Line(m.t.Name)))
		}
		return m.guard.Open(m.c, common.Open("resolve", m.t.ID, m.t))
	case key.Matches(msg, k.AddDomain):
		return m.askDomain()
	case key.Matches(msg, k.RemoveDomain):
		if len(m.t.Domains) == 0 {
			return common.FlashError(fmt.Errorf("tenant %s has no domain to remove", termtext.Line(m.t.Name)))
		}
		m.prompt, m.choice = removeDomain, len(m.t.Domains)-1
	}
	return nil
}

// SetSize implements common.Screen.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.vp.SetWidth(w)
	m.vp.SetHeight(max(h-1, 1))
	m.input.SetWidth(max(w-20, 10))
	m.render()
}

// View implements common.Screen.
func (m *Model) View() string {
	switch m.prompt {
	case addDomain:
		return m.vp.View() + "\n" + m.input.View()
	case removeDomain:
		return m.vp.View() + "\n" + m.choices()
	}
	more := ""
	if !m.vp.AtBottom() {
		more = "↓ more below (j, pgdn)"
	}
	return m.vp.View() + "\n" + m.c.Styles.Subtle.Render(more)
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	if m.prompt != noPrompt {
		return m.promptHelp()
	}
	// the status keys and backups first: at 80 columns the rest is in ? help
	return []key.Binding{k.Back, k.Backups, k.Activate, k.Deactivate, k.Block, k.Edit, k.MaintenanceDown, k.MaintenanceUp, k.AddDomain, k.RemoveDomain, k.Delete, k.Resolve}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.Keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Refresh, k.Back},
		{k.Activate, k.Deactivate, k.Block, k.AddDomain, k.RemoveDomain, k.Delete},
		{k.Edit, k.MaintenanceDown, k.MaintenanceUp, k.Backups, k.Resolve},
	}
}
