// Package confirm is the dashboard's confirmation dialog for destructive
// and risky actions: it lists what will happen, starts on Cancel, ignores
// keys for Grace after it opens (an auto-repeated enter cannot confirm a
// dialog nobody has read), and can require a text, such as the tenant's
// name, to be typed exactly before its action is enabled.
package confirm

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/tenancy-dev/tenancy/ui/common"
)

// Grace is how long keys are ignored after the dialog opens.
const Grace = 400 * time.Millisecond

// Options describe one confirmation.
type Options struct {
	Title string
	// Lines say what will happen (what is dropped, changed).
	Lines []string
	// Require, when set, must be typed exactly to enable the action.
	Require string
	// Action labels the confirm button ("Delete", "Block").
	Action string
	// Danger styles the action as destructive.
	Danger bool
	// OnConfirm is the work to run when confirmed.
	OnConfirm tea.Cmd
}

// focus is where enter acts.
type focus int

// Focus stops, in tab order. The text field exists only with Require.
const (
	onInput focus = iota
	onCancel
	onAction
)

// Model is the dialog.
type Model struct {
	c      *common.Context
	opts   Options
	input  textinput.Model
	focus  focus
	opened time.Time
	width  int
}

// New opens a dialog now.
func New(c *common.Context, opts Options) *Model {
	in := textinput.New()
	in.Prompt = "> "
	in.CharLimit = 255
	m := &Model{c: c, opts: opts, input: in, opened: c.Now(), focus: onCancel}
	if opts.Require != "" {
		m.focus = onInput
	}
	return m
}

// IsDialog marks the model as drawn over the screen beneath.
func (m *Model) IsDialog() {}

// Init focuses the text field when one is required.
func (m *Model) Init() tea.Cmd {
	if m.opts.Require != "" {
		return m.input.Focus()
	}
	return nil
}

// Title implements common.Screen.
func (m *Model) Title() string { return m.opts.Title }

// Capturing is true when a text must be typed (q and ? are text then).
func (m *Model) Capturing() bool { return m.opts.Require != "" }

// SetSize implements common.Screen.
func (m *Model) SetSize(w, _ int) { m.width = w }

// Enabled reports whether the action may be confirmed.
func (m *Model) Enabled() bool {
	return m.opts.Require == "" || m.input.Value() == m.opts.Require
}

// OnAction reports whether the action button has the focus.
func (m *Model) OnAction() bool { return m.focus == onAction }

// cycle moves the focus by d stops, skipping the text field when there is none.
func (m *Model) cycle(d int) {
	first := onInput
	if m.opts.Require == "" {
		first = onCancel
	}
	n := int(onAction-first) + 1
	m.focus = first + focus(((int(m.focus-first)+d)%n+n)%n)
	if m.focus == onInput {
		m.input.Focus()
	} else {
		m.input.Blur()
	}
}

// Update implements common.Screen.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	if m.c.Now().Sub(m.opened) < Grace {
		return m, nil
	}
	k := m.c.Keys
	switch {
	case key.Matches(kp, k.Back):
		return m, common.Back()
	case kp.String() == "tab" || (m.focus != onInput && key.Matches(kp, k.NextField)):
		m.cycle(1)
		return m, nil
	case kp.String() == "shift+tab" || (m.focus != onInput && key.Matches(kp, k.PrevField)):
		m.cycle(-1)
		return m, nil
	case key.Matches(kp, k.Open):
		switch {
		case m.focus == onCancel:
			return m, common.Back()
		case !m.Enabled():
			return m, nil
		case m.focus == onInput:
			m.cycle(2) // typed right: enter again on the action confirms
			return m, nil
		}
		return m, tea.Sequence(common.Back(), m.opts.OnConfirm)
	}
	if m.focus != onInput {
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(kp)
	return m, cmd
}

// View implements common.Screen.
func (m *Model) View() string {
	st := m.c.Styles
	w := min(max(m.width-8, 30), 72)
	inner := w - 6
	var b strings.Builder
	title := st.DialogTitle
	if m.opts.Danger {
		title = st.Danger
	}
	b.WriteString(title.Render(m.opts.Title) + "\n\n")
	for _, l := range m.opts.Lines {
		b.WriteString(lipgloss.NewStyle().Width(inner).Render(l) + "\n")
	}
	if m.opts.Require != "" {
		b.WriteString("\nType " + st.Bold.Render(m.opts.Require) + " to enable " + m.opts.Action + ":\n")
		m.input.SetWidth(inner - 3)
		b.WriteString(m.input.View() + "\n")
	}
	cancel, act := st.Button, st.Button
	switch {
	case m.focus == onCancel:
		cancel = st.ButtonFocused
	case m.focus == onInput:
	case m.opts.Danger:
		act = st.DangerButton
	default:
		act = st.ButtonFocused
	}
	if !m.Enabled() {
		act = st.ButtonDisabled
	}
	b.WriteString("\n" + cancel.Render("Cancel") + "  " + act.Render(m.opts.Action) + "\n")
	hint := "tab switches · enter chooses · esc cancels"
	if m.focus == onInput {
		hint = "type " + m.opts.Require + ", then enter · esc cancels"
	}
	b.WriteString(st.Subtle.Render(hint))
	return st.Dialog.Width(w).Render(b.String())
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	next, choose, cancel := k.NextField, k.Open, k.Back
	next.SetHelp("tab", "switch")
	choose.SetHelp("enter", "choose")
	cancel.SetHelp("esc", "cancel")
	return []key.Binding{next, choose, cancel}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }
