package runs

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// The start form's stops, in tab order.
const (
	stopOp = iota
	stopArg
	stopCanary
	stopParallel
	stopPerServer
	stops
)

// startForm asks what to run on a target and with which limits; enter
// plans it (a dry run) and replaces the form with the plan's confirmation.
type startForm struct {
	c      *common.Context
	f      *Fleet
	target Target
	ops    []opChoice
	op     int
	// choice is each operation's chosen argument, for those with choices.
	choice []int
	inputs [stops]textinput.Model // stopArg.. are text fields
	focus  int
	id     int // tags this form's plan reply
	busy   bool
	err    error
	width  int
	height int
}

func newStartForm(c *common.Context, f *Fleet, target Target) *startForm {
	m := &startForm{c: c, f: f, target: target, ops: startOps(c, f.ops), id: c.NextID()}
	m.choice = make([]int, len(m.ops))
	for i, o := range m.ops {
		m.choice[i] = defaultChoice(o.choices)
	}
	for i := stopArg; i < stops; i++ {
		in := textinput.New()
		in.Prompt = "> "
		in.CharLimit = 1024
		m.inputs[i] = in
	}
	m.inputs[stopArg].Placeholder = "php artisan tenants:migrate --tenants={id} --force"
	m.inputs[stopCanary].Placeholder = "0 (none)"
	m.inputs[stopParallel].Placeholder = fmt.Sprint(fleet.DefaultParallel)
	m.inputs[stopPerServer].Placeholder = "= parallel"
	m.focus = stopArg
	return m
}

// IsDialog implements common.Dialog.
func (m *startForm) IsDialog() {}

// Title implements common.Screen.
func (m *startForm) Title() string { return "Start a run" }

// Capturing is true: the fields take q, ? and : as text.
func (m *startForm) Capturing() bool { return true }

// SetSize implements common.Screen.
func (m *startForm) SetSize(w, h int) { m.width, m.height = w, h }

// Init focuses the first field.
func (m *startForm) Init() tea.Cmd { return m.refocus() }

func (m *startForm) current() opChoice {
	if len(m.ops) == 0 {
		return opChoice{}
	}
	return m.ops[m.op]
}

// arg is the operation's argument: typed, or chosen among its choices.
func (m *startForm) arg() string {
	if ch := m.current().choices; len(ch) > 0 {
		return ch[m.choice[m.op]]
	}
	return m.inputs[stopArg].Value()
}

// choosing is true on an argument chosen with ←/→.
func (m *startForm) choosing() bool {
	return m.focus == stopArg && len(m.current().choices) > 0
}

func (m *startForm) refocus() tea.Cmd {
	var cmd tea.Cmd
	for i := stopArg; i < stops; i++ {
		if i == m.focus && !m.choosing() {
			m.inputs[i].SetStyles(m.c.Styles.Input())
			cmd = m.inputs[i].Focus()
		} else {
			m.inputs[i].Blur()
		}
	}
	return cmd
}

// move goes d stops on, skipping the argument of an operation without one.
func (m *startForm) move(d int) tea.Cmd {
	for {
		m.focus = ((m.focus+d)%stops + stops) % stops
		if m.focus != stopArg || m.current().arg != "" {
			return m.refocus()
		}
	}
}

// Update implements common.Screen.
func (m *startForm) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case planned:
		if msg.form != m.id {
			return m, nil
		}
		m.busy = false
		switch {
		case msg.err != nil:
			m.err = msg.err
			return m, nil
		case len(msg.plan.Items) == 0 && msg.check != nil:
			return m, tea.Sequence(common.Back(), func() tea.Msg {
				return common.FlashMsg{Text: "every selected tenant is current: nothing to migrate", Warn: true}
			})
		}
		return m, tea.Sequence(common.Back(), planDialog(m.c, m.f, m.target, msg))
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	if m.focus >= stopArg {
		var cmd tea.Cmd
		m.inputs[m.focus], cmd = m.inputs[m.focus].Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *startForm) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		return common.Back()
	case msg.String() == "tab" || msg.String() == "down":
		return m.move(1)
	case msg.String() == "shift+tab" || msg.String() == "up":
		return m.move(-1)
	case m.focus == stopOp && (msg.String() == "left" || msg.String() == "right" || msg.String() == "space"):
		d := 1
		if msg.String() == "left" {
			d = -1
		}
		m.op = ((m.op+d)%len(m.ops) + len(m.ops)) % len(m.ops)
		m.err = nil
		return nil
	case msg.String() == "enter":
		return m.submit()
	case m.focus == stopOp:
		return nil
	case m.choosing():
		m.choose(msg)
		return nil
	}
	var cmd tea.Cmd
	m.inputs[m.focus], cmd = m.inputs[m.focus].Update(msg)
	common.EscapeInput(&m.inputs[m.focus])
	m.err = nil
	return cmd
}

// choose moves the argument's choice: ←/→/space step through them, a
// letter goes to the next choice that starts with it.
func (m *startForm) choose(msg tea.KeyPressMsg) {
	ch := m.current().choices
	at := &m.choice[m.op]
	switch s := msg.String(); s {
	case "left", "right", "space":
		d := 1
		if s == "left" {
			d = -1
		}
		*at = ((*at+d)%len(ch) + len(ch)) % len(ch)
	default:
		if msg.Text == "" {
			return
		}
		for i := 1; i <= len(ch); i++ {
			if j := (*at + i) % len(ch); strings.HasPrefix(strings.ToLower(ch[j]), strings.ToLower(msg.Text)) {
				*at = j
				break
			}
		}
	}
	m.err = nil
}

// request builds the run to plan from the fields.
func (m *startForm) request() (fleet.CreateRequest, error) {
	canary, err := parseLimit("canary", m.inputs[stopCanary].Value(), 0)
	if err != nil {
		return fleet.CreateRequest{}, err
	}
	parallel, err := parseLimit("parallel", m.inputs[stopParallel].Value(), 0)
	if err != nil {
		return fleet.CreateRequest{}, err
	}
	perServer, err := parseLimit("per server", m.inputs[stopPerServer].Value(), 0)
	if err != nil {
		return fleet.CreateRequest{}, err
	}
	limits := fleet.Limits{Parallel: parallel, PerServer: perServer, Canary: canary}
	op, err := build(m.c, m.current().name, m.arg(), limits)
	if err != nil {
		return fleet.CreateRequest{}, err
	}
	return fleet.CreateRequest{Operation: op, Selection: m.target.Selection, Limits: limits}, nil
}

func (m *startForm) submit() tea.Cmd {
	if m.busy || len(m.ops) == 0 {
		return nil
	}
	req, err := m.request()
	if err != nil {
		m.err = err
		return nil
	}
	m.busy, m.err = true, nil
	return plan(m.c, m.f, m.id, req)
}

// View implements common.Screen.
func (m *startForm) View() string {
	st := m.c.Styles
	w := min(max(m.width-4, 40), 78)
	inner := w - 6
	var b strings.Builder
	b.WriteString(st.DialogTitle.Render(common.Cell("Run on "+m.target.What, inner)) + "\n\n")
	label := func(i int, text string) string {
		l := fmt.Sprintf("%-11s", text)
		if m.focus == i {
			return st.PalettePrompt.Render(l)
		}
		return st.Label.Render(l)
	}
	var ops []string
	for i, o := range m.ops {
		name := " " + o.name + " "
		if i == m.op {
			name = st.ButtonFocused.Padding(0).Render(name)
		}
		ops = append(ops, name)
	}
	b.WriteString(label(stopOp, "operation") + strings.Join(ops, " ") + "\n")
	cur := m.current()
	b.WriteString(st.Subtle.Render(hintLines(cur.hint, inner-11)) + "\n")
	switch {
	case len(cur.choices) > 0:
		b.WriteString(label(stopArg, cur.arg) + m.choicesView(inner-11) + "\n")
	case cur.arg != "":
		m.inputs[stopArg].SetWidth(inner - 14)
		b.WriteString(label(stopArg, cur.arg) + m.inputs[stopArg].View() + "\n")
	}
	for _, f := range []struct {
		i int
		l string
	}{{stopCanary, "canary"}, {stopParallel, "parallel"}, {stopPerServer, "per server"}} {
		m.inputs[f.i].SetWidth(12)
		b.WriteString(label(f.i, f.l) + m.inputs[f.i].View() + "\n")
	}
	b.WriteString("\n")
	switch {
	case m.busy:
		b.WriteString(st.StepRun.Render("planning (dry run)…") + "\n")
	case m.err != nil:
		b.WriteString(lipgloss.NewStyle().Width(inner).Inherit(st.FlashError).Render(common.Message(m.err.Error())) + "\n")
	}
	// The keys of the focused field: ←/→ choose on the operation row and
	// on a chosen argument; in a text field they move the cursor.
	keysHint := "shift+tab operation · tab next · enter plans (dry run) · esc cancels"
	switch {
	case m.focus == stopOp:
		keysHint = "←/→ operation · tab next field · enter plans (dry run) · esc cancels"
	case m.choosing():
		keysHint = "←/→ " + cur.arg + " · tab next field · enter plans (dry run) · esc cancels"
	}
	b.WriteString(st.Subtle.Render(ansi.Truncate(keysHint, inner, "…")))
	return st.Dialog.Width(w).Render(b.String())
}

// hintLines wraps an operation's hint in at most two lines of w cells,
// indented under the fields.
func hintLines(hint string, w int) string {
	lines := strings.Split(lipgloss.NewStyle().Width(w).Render(hint), "\n")
	if len(lines) > 2 {
		lines = lines[:2]
		lines[1] = ansi.Truncate(strings.TrimRight(lines[1], " ")+" …", w, "…")
	}
	for i, l := range lines {
		lines[i] = strings.Repeat(" ", 11) + strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// choicesView shows the argument's choices, the chosen one marked; when
// they do not fit w cells, only the chosen one and where it is.
func (m *startForm) choicesView(w int) string {
	st := m.c.Styles
	ch, at := m.current().choices, m.choice[m.op]
	focused := m.focus == stopArg
	mark := func(s string) string {
		if focused {
			return st.ButtonFocused.Padding(0).Render(s)
		}
		return st.Bold.Render(s)
	}
	var parts []string
	width := 0
	for i, c := range ch {
		name := " " + termtext.Line(c) + " "
		width += lipgloss.Width(name) + 1
		if i == at {
			name = mark(name)
		}
		parts = append(parts, name)
	}
	if width-1 <= w {
		return strings.Join(parts, " ")
	}
	tail := fmt.Sprintf(" ← %d of %d →", at+1, len(ch))
	name := ansi.Truncate(termtext.Line(ch[at]), max(w-lipgloss.Width(tail)-2, 4), "…")
	return mark(" "+name+" ") + st.Subtle.Render(tail)
}

// ShortHelp implements help.KeyMap.
func (m *startForm) ShortHelp() []key.Binding {
	k := m.c.Keys
	next, open, back := k.NextField, k.Open, k.Back
	next.SetHelp("tab", "next field")
	open.SetHelp("enter", "plan")
	back.SetHelp("esc", "cancel")
	return []key.Binding{next, open, back}
}

// FullHelp implements help.KeyMap.
func (m *startForm) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }
