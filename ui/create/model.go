// Package create is the dashboard's create-tenant screen: a huh form, then
// the service's steps live (database, user, records, migrations, seed) and
// the result; a failure names the step and whether everything was rolled
// back. esc cancels the form, or the creation in flight (which rolls back).
package create

import (
	"context"
	"errors"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/google/uuid"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// Name is the screen's registry name.
const Name = "create"

// Register adds the screen.
func Register(r *common.Registry) {
	r.Screen(Name, func(c *common.Context, _ string, _ any) (common.Screen, error) {
		if c.ReadOnly {
			return nil, tenants.ErrReadOnly
		}
		return New(c), nil
	})
}

type phase int

const (
	editing phase = iota
	running
	finished
)

// progressMsg is one step report; doneMsg ends the creation.
type progressMsg struct {
	id int
	p  tenants.Progress
}

type doneMsg struct {
	id  int
	t   tenants.Tenant
	err error
}

// stepState is where one step stands on screen.
type stepState struct {
	state tenants.StepState
	msg   string
}

// Model is the create screen.
type Model struct {
	c      *common.Context
	f      *fields
	form   *huh.Form
	phase  phase
	runID  int
	cancel context.CancelFunc
	ch     chan tenants.Progress
	steps  map[tenants.Step]stepState
	start  time.Time
	took   time.Duration
	result tenants.Tenant
	err    error
	spin   spinner.Model
	width  int
	height int

	// huh moves the focus with a command (NextField): keys typed before
	// it is run would land in the field just left. They are held until
	// the focus has left the field leaving (or holdFor passed).
	leaving huh.Field
	leftAt  time.Time
	held    []tea.KeyPressMsg
}

// holdFor bounds how long typed-ahead keys wait for the focus to move.
const holdFor = 300 * time.Millisecond

// New returns the screen with an empty form.
func New(c *common.Context) *Model {
	f := newFields(c, uuid.NewString())
	return &Model{c: c, f: f, form: newForm(c, f), steps: map[tenants.Step]stepState{},
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
}

// Init implements common.Screen.
func (m *Model) Init() tea.Cmd { return tea.Batch(m.form.Init(), m.loadOwners()) }

// ownersMsg carries the domains already taken.
type ownersMsg struct {
	f      *fields
	owners map[string]string
}

func (m *Model) loadOwners() tea.Cmd {
	if m.c.Service == nil {
		return nil
	}
	f := m.f
	return m.c.Run(func(ctx context.Context) tea.Msg {
		ts, err := m.c.Service.List(ctx, tenants.ListOptions{})
		if err != nil {
			return nil // the service checks the domains again on submit
		}
		owners := map[string]string{}
		for _, t := range ts {
			for _, d := range t.Domains {
				owners[d] = t.Name
			}
		}
		return ownersMsg{f: f, owners: owners}
	})
}

// Title implements common.Screen.
func (m *Model) Title() string { return "New tenant" }

// Capturing is true while the form is edited (its fields take text).
func (m *Model) Capturing() bool { return m.phase == editing }

// Busy implements common.Busy: the work is running.
func (m *Model) Busy() bool { return m.phase == running }

// Update implements common.Screen.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case ownersMsg:
		if msg.f == m.f {
			m.f.owners = msg.owners
		}
		return m, nil
	case progressMsg:
		if msg.id != m.runID {
			return m, nil
		}
		if msg.p.State == tenants.StepRolledBack {
			return m, m.waitProgress() // the result says so; the step keeps its error
		}
		s := stepState{msg.p.State, msg.p.Message}
		if s.msg == "" {
			s.msg = m.steps[msg.p.Step].msg // "done" keeps what the step did
		}
		m.steps[msg.p.Step] = s
		return m, m.waitProgress()
	case doneMsg:
		if msg.id != m.runID {
			return m, nil
		}
		m.phase, m.result, m.err, m.took = finished, msg.t, msg.err, m.c.Now().Sub(m.start)
		m.cancel()
		if msg.err != nil {
			return m, nil
		}
		return m, tea.Batch(common.TenantsChanged(), common.Flash(fmt.Sprintf("created tenant %s", termtext.Line(msg.t.Name))))
	case spinner.TickMsg:
		if m.phase != running || msg.ID != m.spin.ID() {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	if m.phase == editing {
		return m, m.updateForm(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	switch m.phase {
	case editing:
		if key.Matches(msg, k.Back) {
			return common.Back()
		}
		if m.leaving != nil && m.form.GetFocusedField() == m.leaving && m.c.Now().Sub(m.leftAt) < holdFor {
			m.held = append(m.held, msg)
			return nil
		}
		if m.leaving != nil {
			return tea.Batch(m.release(), m.key(msg))
		}
		from := m.form.GetFocusedField()
		cmd := m.updateForm(msg)
		if advances(msg) && m.phase == editing && from != nil && from.Error() == nil && m.form.GetFocusedField() == from {
			m.leaving, m.leftAt = from, m.c.Now()
		}
		return cmd
	case running:
		if key.Matches(msg, k.Back) {
			m.cancel() // the service rolls back what it did
		}
	case finished:
		switch {
		case key.Matches(msg, k.Back):
			return common.Back()
		case key.Matches(msg, k.Open) && m.err == nil:
			return tea.Sequence(common.Back(), common.Open("detail", m.result.ID, m.result))
		case key.Matches(msg, k.Open):
			return m.edit() // fix what failed and try again
		}
	}
	return nil
}

// edit goes back to the form with the values typed, after a failure.
func (m *Model) edit() tea.Cmd {
	m.phase, m.err = editing, nil
	clear(m.steps)
	m.form = newForm(m.c, m.f)
	m.SetSize(m.width, m.height)
	return m.form.Init()
}

func (m *Model) updateForm(msg tea.Msg) tea.Cmd {
	fm, cmd := m.form.Update(msg)
	m.form = fm.(*huh.Form)
	if m.form.State == huh.StateCompleted {
		m.leaving, m.held = nil, nil
		return m.startCreate()
	}
	if _, key := msg.(tea.KeyPressMsg); !key && m.leaving != nil && m.form.GetFocusedField() != m.leaving {
		return tea.Batch(cmd, m.release())
	}
	return cmd
}

// advances reports the keys with which huh leaves a field.
func advances(msg tea.KeyPressMsg) bool {
	switch msg.String() {
	case "enter", "tab", "shift+tab":
		return true
	}
	return false
}

// release types the held keys into the field that now has the focus
// (a held enter may start holding again).
func (m *Model) release() tea.Cmd {
	held := m.held
	m.leaving, m.held = nil, nil
	cmds := make([]tea.Cmd, 0, len(held))
	for _, k := range held {
		cmds = append(cmds, m.key(k))
	}
	return tea.Batch(cmds...)
}

// startCreate runs the service's Create on its own cancellable context;
// its progress callback feeds a channel read by a re-armed command.
func (m *Model) startCreate() tea.Cmd {
	m.phase = running
	m.runID = m.c.NextID()
	m.start = m.c.Now()
	ctx, cancel := context.WithCancel(m.c.Ctx())
	m.cancel = cancel
	// Create reports a dozen events at most: the buffer never fills, and
	// a send gives up once the run is cancelled, so Create never blocks.
	m.ch = make(chan tenants.Progress, 64)
	id, ch, req := m.runID, m.ch, m.f.request()
	run := m.c.Run(func(context.Context) tea.Msg {
		defer close(ch)
		t, err := m.c.Service.Create(ctx, req, func(p tenants.Progress) {
			select {
			case ch <- p:
			case <-ctx.Done():
			}
		})
		return doneMsg{id: id, t: t, err: err}
	})
	return tea.Batch(run, m.waitProgress(), m.spin.Tick)
}

// waitProgress reads the next report; it ends when the channel closes.
func (m *Model) waitProgress() tea.Cmd {
	id, ch := m.runID, m.ch
	return m.c.Run(func(context.Context) tea.Msg {
		p, ok := <-ch
		if !ok {
			return nil
		}
		return progressMsg{id: id, p: p}
	})
}

// SetSize implements common.Screen.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.form = m.form.WithWidth(min(w-2, 80)).WithHeight(max(h-2, 5))
}

// stepError unwraps the service's step error.
func stepError(err error) *tenants.StepError {
	var se *tenants.StepError
	if errors.As(err, &se) {
		return se
	}
	return nil
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	switch m.phase {
	case editing:
		return []key.Binding{k.Back} // the form shows its own keys
	case running:
		cancel := k.Back
		cancel.SetHelp("esc", "cancel (rolls back)")
		return []key.Binding{cancel}
	}
	if m.err == nil {
		open := k.Open
		open.SetHelp("enter", "open tenant")
		return []key.Binding{open, k.Back}
	}
	retry := k.Open
	retry.SetHelp("enter", "edit and retry")
	return []key.Binding{retry, k.Back}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }
