// Package confirm is the dashboard's confirmation dialog for destructive
// and risky actions: it lists what will happen, starts on Cancel, ignores
// keys for Grace after it opens (an auto-repeated enter cannot confirm a
// dialog nobody has read), and can require a text, such as the tenant's
// name, to be typed exactly before its action is enabled.
package confirm

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// Grace is how long keys are ignored after the dialog opens.
const Grace = 400 * time.Millisecond

// Options describe one confirmation. Every text is plain: the dialog
// escapes it (termtext.Line) before laying it out, so callers pass tenant
// names, databases and error texts as they are.
type Options struct {
	Title string
	// Lines say what will happen (what is dropped, changed); each wraps
	// at word boundaries to the dialog's width.
	Lines []string
	// Fields are labelled values (database, size, domains); a value too
	// long for the label's line goes whole on the line below it.
	Fields []Field
	// Items are listed one a line, cut with … to the width; as many as
	// fit the terminal are shown, then "… and N more".
	Items []string
	// Note closes the description ("This cannot be undone.").
	Note string
	// Require, when set, must be typed exactly to enable the action. A
	// text holding control or bidi characters is shown escaped, and what
	// is shown (\e for ESC, \u202e…) is what the user types: a text
	// field cannot hold the characters themselves.
	Require string
	// Action labels the confirm button ("Delete", "Block").
	Action string
	// Danger styles the action as destructive.
	Danger bool
	// OnConfirm is the work to run when confirmed.
	OnConfirm tea.Cmd
}

// Field is one labelled value of a dialog.
type Field struct{ Label, Value string }

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
	// closing: the dialog has answered (its Back is on its way); keys
	// that arrive before it is gone must not answer again (a second enter
	// would confirm the action twice).
	closing bool
	// mismatch is set by enter on a wrong name, cleared by typing.
	mismatch bool
	width    int
	height   int
}

// New opens a dialog now.
func New(c *common.Context, opts Options) *Model {
	in := textinput.New()
	in.Prompt = "> "
	in.CharLimit = max(255, len(termtext.Line(opts.Require)))
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
		m.input.SetStyles(m.c.Styles.Input())
		return m.input.Focus()
	}
	return nil
}

// Title implements common.Screen.
func (m *Model) Title() string { return termtext.Line(m.opts.Title) }

// Capturing is true when a text must be typed (q and ? are text then).
func (m *Model) Capturing() bool { return m.opts.Require != "" }

// SetSize implements common.Screen.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Change edits what the dialog says (the sizes of what would be dropped,
// once read); the grace period and the focus are kept.
func (m *Model) Change(edit func(*Options)) { edit(&m.opts) }

// Enabled reports whether the action may be confirmed: the required
// text was typed as it is shown (escaped).
func (m *Model) Enabled() bool {
	return m.opts.Require == "" || m.input.Value() == termtext.Line(m.opts.Require)
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
		m.input, cmd = m.input.Update(msg) // a paste, the cursor's blink
		common.EscapeInput(&m.input)
		return m, cmd
	}
	if m.c.Now().Sub(m.opened) < Grace || m.closing {
		return m, nil
	}
	k := m.c.Keys
	switch {
	case key.Matches(kp, k.Back):
		m.closing = true
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
			m.closing = true
			return m, common.Back()
		case !m.Enabled():
			m.mismatch = m.focus == onInput
			return m, nil
		}
		m.closing = true
		return m, tea.Sequence(common.Back(), m.opts.OnConfirm)
	}
	if m.focus != onInput {
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(kp)
	common.EscapeInput(&m.input)
	m.mismatch = false
	return m, cmd
}

// View implements common.Screen. It fits the size given to SetSize
// (at least 60x18): the padding goes first, then items of the list.
func (m *Model) View() string {
	st := m.c.Styles
	w := min(max(m.width-4, 30), 72)
	inner := w - 6
	height := m.height
	if height <= 0 {
		height = 1 << 20
	}
	dialog := st.Dialog.Width(w)
	tight := false
	body := m.body(inner, len(m.opts.Items), tight)
	fits := func() bool { return lipgloss.Height(dialog.Render(body)) <= height }
	if !fits() {
		dialog = dialog.PaddingTop(0).PaddingBottom(0)
	}
	for n := len(m.opts.Items) - 1; n >= 0 && !fits(); n-- {
		body = m.body(inner, n, tight)
	}
	if !fits() {
		tight = true
		body = m.body(inner, 0, tight)
	}
	return dialog.Render(body)
}

// body renders the dialog's content at inner cells, listing the first
// shown items (and how many more there are); tight drops the blank lines.
func (m *Model) body(inner, shown int, tight bool) string {
	st := m.c.Styles
	o := escaped(m.opts)
	var b strings.Builder
	title := st.DialogTitle
	if o.Danger {
		title = st.Danger
	}
	wrap := lipgloss.NewStyle().Width(inner)
	gap := "\n"
	if tight {
		gap = ""
	}
	b.WriteString(wrap.Inherit(title).Render(o.Title) + "\n" + gap)
	for _, l := range o.Lines {
		b.WriteString(wrap.Render(l) + "\n")
	}
	for _, f := range o.Fields {
		b.WriteString(field(f, inner) + "\n")
	}
	for i, it := range o.Items {
		if i == shown {
			b.WriteString(st.Subtle.Render(fmt.Sprintf("  … and %d more", len(o.Items)-shown)) + "\n")
			break
		}
		b.WriteString(ansi.Truncate(it, inner, "…") + "\n")
	}
	if o.Note != "" {
		b.WriteString(gap + wrap.Render(o.Note) + "\n")
	}
	if o.Require != "" {
		b.WriteString(gap + wrap.Render("Type "+st.Bold.Render(o.Require)+" to enable "+o.Action+":") + "\n")
		if o.Require != m.opts.Require {
			b.WriteString(wrap.Inherit(st.Subtle).Render(`(it holds control characters, shown escaped: type it as shown, backslashes included)`) + "\n")
		}
		m.input.SetWidth(inner - 3)
		b.WriteString(m.input.View() + "\n")
		if m.mismatch {
			b.WriteString(st.FlashError.Render("the name does not match") + "\n")
		}
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
	b.WriteString(gap + cancel.Render("Cancel") + "  " + act.Render(o.Action) + "\n")
	hint := "tab switches · enter chooses · esc cancels"
	if m.focus == onInput {
		hint = "type " + o.Require + ", then enter · esc cancels"
	}
	b.WriteString(st.Subtle.Render(ansi.Truncate(hint, inner, "…")))
	return b.String()
}

// escaped is o with every text escaped as one line, as the dialog shows it.
func escaped(o Options) Options {
	o.Title, o.Note, o.Require, o.Action = termtext.Line(o.Title), termtext.Line(o.Note), termtext.Line(o.Require), termtext.Line(o.Action)
	o.Lines = lines(o.Lines)
	o.Items = lines(o.Items)
	fields := make([]Field, len(o.Fields))
	for i, f := range o.Fields {
		fields[i] = Field{Label: termtext.Line(f.Label), Value: termtext.Line(f.Value)}
	}
	o.Fields = fields
	return o
}

func lines(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = termtext.Line(s)
	}
	return out
}

// labelWidth aligns the values of fields.
const labelWidth = 10

// field renders a labelled value on one line when it fits, else the
// label alone and the value, whole, indented below: a database name
// must not break in the middle.
func field(f Field, inner int) string {
	label := fmt.Sprintf("%-*s", labelWidth, f.Label)
	if lipgloss.Width(label+f.Value) <= inner {
		return label + f.Value
	}
	return strings.TrimRight(label, " ") + "\n" + lipgloss.NewStyle().Width(inner).Render("  "+f.Value)
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
