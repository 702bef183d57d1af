// Package doctor is the dashboard's Health screen (`:doctor`): the fleet
// doctor's findings grouped by check, worst first, with a text filter and
// a severity filter, the selected finding's evidence and fix, and the
// fixes of the marked (or selected) findings applied after a confirmation
// (destructive ones need the admin role and a typed confirmation, as
// `tenancy doctor --fix --allow-drop` does). The scan runs in the
// background; the header's "health" slot shows the last result.
package doctor

import (
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	health "github.com/tenancy-dev/tenancy/doctor"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// Name is the screen's registry name and palette command.
const Name = "doctor"

// Register adds the screen and `:doctor`.
func Register(r *common.Registry) {
	r.ScreenCommand(Name, "", "fleet health: findings by check, fix them",
		func(c *common.Context, _ string, _ any) (common.Screen, error) { return New(c), nil })
}

// Model is the Health screen.
type Model struct {
	c       *common.Context
	rep     *health.Report
	at      time.Time
	err     error
	scanID  int
	fixing  bool
	list    []entry
	cursor  int
	offset  int
	marks   map[string]bool
	least   int
	filter  textinput.Model
	typing  bool
	sevKey  key.Binding
	fixKey  key.Binding
	guard   common.DialogGuard
	width   int
	height  int
	scanned bool
}

// New returns the screen showing this dashboard's last scan, if any;
// Init starts a new one.
func New(c *common.Context) *Model {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "check, tenant, object or evidence"
	m := &Model{c: c, marks: map[string]bool{}, filter: in,
		sevKey: key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "severity")),
		fixKey: key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "fix marked/selected"))}
	m.fixKey.SetEnabled(!c.ReadOnly)
	if rep, at := common.Local[dashboard](c).lastScan(); rep != nil {
		m.setReport(rep, at)
	}
	return m
}

// Title implements common.Screen.
func (m *Model) Title() string { return "Health" }

// Capturing is true while the filter is typed.
func (m *Model) Capturing() bool { return m.typing }

// Busy implements common.Busy: fixes are being applied.
func (m *Model) Busy() bool { return m.fixing }

// SetSize implements common.Screen.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Init starts a scan.
func (m *Model) Init() tea.Cmd { return m.rescan() }

func (m *Model) rescan() tea.Cmd {
	if m.scanID != 0 {
		return nil // one scan at a time
	}
	m.scanID = m.c.NextID()
	return scan(m.c, m.scanID)
}

// SetReport shows rep as scanned at at (tests).
func (m *Model) SetReport(rep health.Report, at time.Time) { m.setReport(&rep, at) }

func (m *Model) setReport(rep *health.Report, at time.Time) {
	var at0 string
	if f, ok := m.current(); ok {
		at0 = findingKey(f)
	}
	m.rep, m.at, m.scanned = rep, at, true
	live := map[string]bool{}
	for _, f := range rep.Findings {
		live[findingKey(f)] = true
	}
	for k := range m.marks {
		if !live[k] {
			delete(m.marks, k) // fixed, or gone
		}
	}
	m.refilter(at0)
}

// refilter rebuilds the list under the filters and puts the cursor on
// the finding keyed at, or, when it is gone (fixed), on the finding now
// at its place.
func (m *Model) refilter(at string) {
	m.list = entries(m.rep, severities[m.least], m.filter.Value())
	m.cursor = m.step(min(m.cursor, len(m.list))-1, 1)
	for i, e := range m.list {
		if !e.heading() && findingKey(m.rep.Findings[e.finding]) == at {
			m.cursor = i
		}
	}
}

// step returns the index of the finding d findings away from from
// (headings skipped), staying in range.
func (m *Model) step(from, d int) int {
	at := from
	for moved := 0; moved < abs(d); {
		next := at + sign(d)
		for next >= 0 && next < len(m.list) && m.list[next].heading() {
			next += sign(d)
		}
		if next < 0 || next >= len(m.list) {
			break
		}
		at = next
		moved++
	}
	return max(at, 0)
}

func (m *Model) current() (health.Finding, bool) {
	if m.rep == nil || m.cursor >= len(m.list) || m.list[m.cursor].heading() {
		return health.Finding{}, false
	}
	return m.rep.Findings[m.list[m.cursor].finding], true
}

// Update implements common.Screen.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	if m.guard.Swallow(m.c, msg) {
		return m, nil
	}
	switch msg := msg.(type) {
	case scannedMsg:
		if msg.id != m.scanID {
			return m, nil
		}
		m.scanID = 0
		if msg.err != nil {
			m.err = msg.err
			return m, common.FlashError(msg.err)
		}
		m.err = nil
		m.setReport(&msg.rep, msg.at)
		return m, incomplete(msg.rep)
	case fixStartedMsg:
		m.fixing = true
	case fixedMsg:
		m.fixing = false
		clear(m.marks)
		return m, m.rescan()
	case tea.KeyPressMsg:
		if m.typing {
			return m, m.filterKey(msg)
		}
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	return common.FilterKey(&m.filter, &m.typing, msg, m.key, func() { m.refilter(m.atKey()) })
}

func (m *Model) atKey() string {
	if f, ok := m.current(); ok {
		return findingKey(f)
	}
	return ""
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.Up):
		m.cursor = m.step(m.cursor, -1)
	case key.Matches(msg, k.Down):
		m.cursor = m.step(m.cursor, 1)
	case key.Matches(msg, k.Top):
		m.cursor = m.step(-1, 1)
	case key.Matches(msg, k.Bottom):
		m.cursor = m.step(len(m.list), -1)
	case key.Matches(msg, k.PageUp):
		m.cursor = m.step(m.cursor, -m.page())
	case key.Matches(msg, k.PageDown):
		m.cursor = m.step(m.cursor, m.page())
	case key.Matches(msg, k.Filter):
		m.typing = true
		m.filter.SetStyles(m.c.Styles.Input())
		return m.filter.Focus()
	case key.Matches(msg, m.sevKey):
		m.least = (m.least + 1) % len(severities)
		m.refilter(m.atKey())
	case key.Matches(msg, k.Refresh):
		return m.rescan()
	case key.Matches(msg, k.Mark):
		return m.toggleMark()
	case key.Matches(msg, m.fixKey):
		return m.guard.Open(m.c, m.askFix())
	case msg.String() == "F" && m.c.ReadOnly:
		return common.FlashError(tenants.ErrReadOnly)
	case key.Matches(msg, k.Open):
		if f, ok := m.current(); ok && f.TenantName != "" {
			return common.Open("detail", f.Tenant, nil)
		}
	case key.Matches(msg, k.Back):
		switch {
		case m.filter.Value() != "":
			m.filter.SetValue("")
			m.refilter(m.atKey())
		case len(m.marks) > 0:
			clear(m.marks)
		default:
			return common.Back()
		}
	}
	return nil
}

func (m *Model) toggleMark() tea.Cmd {
	f, ok := m.current()
	switch {
	case !ok:
		return nil
	case f.FixKind == health.FixNone:
		return common.FlashError(errNoFix(f))
	}
	if k := findingKey(f); m.marks[k] {
		delete(m.marks, k)
	} else {
		m.marks[k] = true
	}
	m.cursor = m.step(m.cursor, 1)
	return nil
}

// page is how many rows a page key moves.
func (m *Model) page() int { return max(m.listHeight()-1, 1) }

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	if m.typing {
		return []key.Binding{k.Open, k.Back}
	}
	return []key.Binding{k.Filter, m.sevKey, k.Mark, m.fixKey, k.Refresh, k.Back}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.Keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown},
		{k.Filter, m.sevKey, k.Refresh, k.Open, k.Back},
		{k.Mark, m.fixKey},
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func sign(n int) int {
	if n < 0 {
		return -1
	}
	return 1
}
