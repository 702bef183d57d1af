package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/styles"
)

// Model is the root: it owns the screen stack, header, footer, palette and
// full help, routes global keys, and passes everything else to screens
// (keys to the top one only). It holds no screen's state.
type Model struct {
	c        *common.Context
	reg      *common.Registry
	stack    []common.Screen
	header   header
	footer   footer
	palette  palette
	showHelp bool
	guard    common.DialogGuard // holds keys while a palette command's dialog is on its way
	helpTop  int                // first line of the full help shown (it scrolls)
	width    int
	height   int
}

// New builds the root with the named home screen at the bottom of the stack.
func New(c *common.Context, reg *common.Registry, home string) (*Model, error) {
	s, err := reg.Build(c, home, "", nil)
	if err != nil {
		return nil, err
	}
	return &Model{c: c, reg: reg, stack: []common.Screen{s},
		header: newHeader(c), footer: newFooter(c), palette: newPalette(c, reg)}, nil
}

// Init starts the home screen and the registry's startup work, and asks
// the terminal for its background.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(append([]tea.Cmd{tea.RequestBackgroundColor, m.stack[0].Init()}, m.reg.Startups(m.c)...)...)
}

func (m *Model) top() common.Screen { return m.stack[len(m.stack)-1] }

// Update implements tea.Model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, nil
	case tea.BackgroundColorMsg:
		*m.c.Styles = *styles.New(msg.IsDark())
		m.footer.restyle()
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case common.OpenMsg:
		s, err := m.reg.Build(m.c, msg.Name, msg.Arg, msg.Data)
		if err != nil {
			return m, common.FlashError(err)
		}
		if _, dialog := s.(common.Dialog); msg.Home && !dialog && !m.busy() {
			m.stack = m.stack[:1]
		}
		return m, m.push(s)
	case common.PushMsg:
		return m, m.push(msg.Screen)
	case common.BackMsg:
		if len(m.stack) > 1 {
			m.stack = m.stack[:len(m.stack)-1]
		}
		return m, nil
	case common.QuitMsg:
		return m, tea.Quit
	case common.TenantCountMsg, common.SlotMsg:
		m.header.update(msg)
		return m, nil
	}
	m.guard.Swallow(m.c, msg) // a flash disarms it
	cmds := []tea.Cmd{m.footer.update(msg)}
	for i := range m.stack {
		var cmd tea.Cmd
		m.stack[i], cmd = m.stack[i].Update(msg)
		cmds = append(cmds, cmd)
	}
	return m, tea.Batch(cmds...)
}

// busy reports whether a screen above home owns running work.
func (m *Model) busy() bool {
	for _, s := range m.stack[1:] {
		if b, ok := s.(common.Busy); ok && b.Busy() {
			return true
		}
	}
	return false
}

// push puts s on top and tells the screens beneath (their DialogGuard
// stops swallowing keys: the keys now go to s).
func (m *Model) push(s common.Screen) tea.Cmd {
	m.guard.Swallow(m.c, common.PushedMsg{})
	s.SetSize(m.c.Width, m.c.Height)
	cmds := []tea.Cmd{s.Init()}
	for i := range m.stack {
		var cmd tea.Cmd
		m.stack[i], cmd = m.stack[i].Update(common.PushedMsg{})
		cmds = append(cmds, cmd)
	}
	m.stack = append(m.stack, s)
	return tea.Batch(cmds...)
}

func (m *Model) resize(w, h int) {
	m.width, m.height = w, h
	m.c.Width, m.c.Height = w, max(h-2, 1) // one line of header, one of footer
	for _, s := range m.stack {
		s.SetSize(m.c.Width, m.c.Height)
	}
}

// errReadOnlyKey answers a write key in read-only mode.
var errReadOnlyKey = errors.New("read-only: writes are disabled (--read-only)")

// readOnlyRefusal says why a write key does nothing: a read-only role
// names itself and the write (access.ReadOnly); else the mode's flag.
func readOnlyRefusal(c *common.Context, msg tea.KeyPressMsg) error {
	for _, b := range c.Keys.Actions() {
		if !b.Enabled() && slices.Contains(b.Keys(), msg.String()) {
			if err := access.ReadOnly(c.Ctx(), b.Help().Desc); err != nil {
				return err
			}
		}
	}
	return errReadOnlyKey
}

// key routes a key press: force-quit always; then the palette or full help
// when open; then the global keys unless the top screen takes free text or
// is a dialog (where q or : must not act behind the user's back).
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	if key.Matches(msg, k.ForceQuit) {
		return tea.Quit
	}
	if m.guard.Swallow(m.c, msg) {
		return nil
	}
	if m.palette.active {
		cmd, dialog := m.palette.update(msg)
		if dialog {
			m.guard.Open(m.c, cmd)
		}
		return cmd
	}
	if m.showHelp {
		switch {
		case key.Matches(msg, k.Down):
			m.helpTop++
		case key.Matches(msg, k.PageDown):
			m.helpTop += m.c.Height - 1
		case key.Matches(msg, k.Up):
			m.helpTop--
		case key.Matches(msg, k.PageUp):
			m.helpTop -= m.c.Height - 1
		default:
			m.showHelp = false
		}
		m.helpTop = max(m.helpTop, 0)
		return nil
	}
	top := m.top()
	_, dialog := top.(common.Dialog)
	if !top.Capturing() && !dialog {
		switch {
		case key.Matches(msg, k.Quit):
			return tea.Quit
		case key.Matches(msg, k.Help):
			m.showHelp, m.helpTop = true, 0
			return nil
		case key.Matches(msg, k.Palette):
			return m.palette.open()
		case k.Refused(msg):
			return common.FlashError(readOnlyRefusal(m.c, msg))
		}
	}
	var cmd tea.Cmd
	m.stack[len(m.stack)-1], cmd = top.Update(msg)
	return cmd
}

// View implements tea.Model.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "tenancy"
	return v
}

// Render draws the whole screen as a string (what View shows).
func (m *Model) Render() string {
	if m.width == 0 {
		return ""
	}
	crumbs := make([]string, 0, len(m.stack))
	for _, s := range m.stack {
		if _, dialog := s.(common.Dialog); !dialog {
			crumbs = append(crumbs, s.Title())
		}
	}
	body := m.body()
	var foot string
	if m.palette.active {
		foot = m.palette.view(m.width)
		sug := m.palette.suggestions(m.width)
		body = overlay(body, sug, 1, m.c.Height-lipgloss.Height(sug), m.c.Width, m.c.Height)
	} else {
		bindings, tail := m.footerHelp()
		foot = m.footer.view(m.width, bindings, tail)
	}
	return m.header.view(m.width, crumbs) + "\n" + body + "\n" + foot
}

// body renders the content area: the top screen, a dialog over the
// screen beneath it, or the full help.
func (m *Model) body() string {
	w, h := m.c.Width, m.c.Height
	if m.showHelp {
		return m.helpPage(w, h)
	}
	top := m.top()
	if _, ok := top.(common.Dialog); ok && len(m.stack) > 1 {
		under := fit(m.stack[len(m.stack)-2].View(), w, h)
		dlg := top.View()
		x := max((w-lipgloss.Width(dlg))/2, 0)
		y := max((h-lipgloss.Height(dlg))/2, 0)
		return overlay(under, dlg, x, y, w, h)
	}
	return fit(top.View(), w, h)
}

// footerHelp is the top screen's bindings, and the global ones that end
// the footer when they apply.
func (m *Model) footerHelp() (bindings, tail []key.Binding) {
	k := m.c.Keys
	if _, dialog := m.top().(common.Dialog); dialog || m.top().Capturing() {
		return m.top().ShortHelp(), nil
	}
	return m.top().ShortHelp(), []key.Binding{k.Help, k.Quit}
}

// helpPage shows the part of the full help scrolled to, with a last
// line that says how to see the rest when it is taller than the screen.
func (m *Model) helpPage(w, h int) string {
	lines := strings.Split(m.fullHelp(), "\n")
	if len(lines) <= h {
		// "any key closes" shares the title's line: at 80x24 every line counts.
		lines[0] += m.c.Styles.Subtle.Render(" · any other key closes")
		m.helpTop = 0
		return fit(strings.Join(lines, "\n"), w, h)
	}
	m.helpTop = min(m.helpTop, len(lines)-(h-1))
	page := append(lines[m.helpTop:m.helpTop+h-1:m.helpTop+h-1],
		m.c.Styles.Subtle.Render(fmt.Sprintf("lines %d-%d/%d · j/k pgdn/pgup scroll · other keys close",
			m.helpTop+1, m.helpTop+h-1, len(lines))))
	return fit(strings.Join(page, "\n"), w, h)
}

// fullHelp lists the last messages whole (the footer cuts them), the
// keys in columns that wrap to the width, and the palette commands.
func (m *Model) fullHelp() string {
	k := m.c.Keys
	st := m.c.Styles
	var b strings.Builder
	b.WriteString(st.Title.Render(termtext.Line(m.top().Title())+" — keys") + "\n\n")
	if len(m.footer.recent) > 0 {
		b.WriteString(st.Title.Render("Last messages") + "\n")
		for i := len(m.footer.recent) - 1; i >= 0; i-- {
			b.WriteString(lipgloss.NewStyle().PaddingLeft(2).Width(m.c.Width).Render(m.footer.recent[i].String()) + "\n")
		}
		b.WriteString("\n")
	}
	groups := append(m.top().FullHelp(), []key.Binding{k.Help, k.Palette, k.Quit, k.ForceQuit})
	b.WriteString(m.keyColumns(groups) + "\n\n")
	b.WriteString(st.Title.Render("Commands (press :)") + "\n")
	for _, c := range m.reg.Commands(m.c.ReadOnly) {
		name := ":" + c.Name
		if c.Args != "" {
			name += " " + c.Args
		}
		line := "  " + st.Bold.Render(padRight(name, 18)) + " " + st.Subtle.Render(c.Help)
		b.WriteString(ansi.Truncate(line, m.c.Width, "…") + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// keyColumns renders each group of bindings as a column and flows the
// columns onto as many rows as the width needs.
func (m *Model) keyColumns(groups [][]key.Binding) string {
	h := m.footer.help
	h.SetWidth(0)
	const gap = "    "
	var rows, row []string
	rowWidth := 0
	for _, g := range groups {
		col := h.FullHelpView([][]key.Binding{g})
		if col == "" {
			continue
		}
		w := lipgloss.Width(col)
		if len(row) > 0 && rowWidth+len(gap)+w > m.c.Width {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, rowWidth = nil, 0
		}
		if len(row) > 0 {
			row = append(row, gap)
			rowWidth += len(gap)
		}
		row = append(row, col)
		rowWidth += w
	}
	if len(row) > 0 {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	}
	return strings.Join(rows, "\n\n")
}
