package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

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
	cmds := []tea.Cmd{m.footer.update(msg)}
	for i := range m.stack {
		var cmd tea.Cmd
		m.stack[i], cmd = m.stack[i].Update(msg)
		cmds = append(cmds, cmd)
	}
	return m, tea.Batch(cmds...)
}

func (m *Model) push(s common.Screen) tea.Cmd {
	s.SetSize(m.c.Width, m.c.Height)
	m.stack = append(m.stack, s)
	return s.Init()
}

func (m *Model) resize(w, h int) {
	m.width, m.height = w, h
	m.c.Width, m.c.Height = w, max(h-2, 1) // one line of header, one of footer
	for _, s := range m.stack {
		s.SetSize(m.c.Width, m.c.Height)
	}
}

// key routes a key press: force-quit always; then the palette or full help
// when open; then the global keys unless the top screen takes free text or
// is a dialog (where q or : must not act behind the user's back).
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	if key.Matches(msg, k.ForceQuit) {
		return tea.Quit
	}
	if m.palette.active {
		return m.palette.update(msg)
	}
	if m.showHelp {
		m.showHelp = false
		return nil
	}
	top := m.top()
	_, dialog := top.(common.Dialog)
	if !top.Capturing() && !dialog {
		switch {
		case key.Matches(msg, k.Quit):
			return tea.Quit
		case key.Matches(msg, k.Help):
			m.showHelp = true
			return nil
		case key.Matches(msg, k.Palette):
			return m.palette.open()
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
		foot = m.footer.view(m.width, m.footerHelp())
	}
	return m.header.view(m.width, crumbs) + "\n" + body + "\n" + foot
}

// body renders the content area: the top screen, a dialog over the
// screen beneath it, or the full help.
func (m *Model) body() string {
	w, h := m.c.Width, m.c.Height
	if m.showHelp {
		return fit(m.fullHelp(), w, h)
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

func (m *Model) footerHelp() []key.Binding {
	k := m.c.Keys
	if _, dialog := m.top().(common.Dialog); dialog || m.top().Capturing() {
		return m.top().ShortHelp()
	}
	return append(m.top().ShortHelp(), k.Help, k.Quit)
}

func (m *Model) fullHelp() string {
	k := m.c.Keys
	groups := append(m.top().FullHelp(), []key.Binding{k.Help, k.Palette, k.Quit, k.ForceQuit})
	h := m.footer.help
	h.SetWidth(m.c.Width)
	var b strings.Builder
	b.WriteString(m.c.Styles.Title.Render(m.top().Title()+" — keys") + "\n\n")
	b.WriteString(h.FullHelpView(groups) + "\n")
	// Messages before commands: on a small terminal the list of commands
	// (which : shows anyway) is what gets cut, never the last error.
	if len(m.footer.recent) > 0 {
		b.WriteString("\n" + m.c.Styles.Title.Render("Last messages") + "\n")
		for i := len(m.footer.recent) - 1; i >= 0; i-- {
			b.WriteString(lipgloss.NewStyle().Width(m.c.Width-2).Render("  "+m.footer.recent[i]) + "\n")
		}
	}
	b.WriteString("\n" + m.c.Styles.Title.Render("Commands (press :)") + "\n")
	for _, c := range m.reg.Commands(m.c.ReadOnly) {
		name := ":" + c.Name
		if c.Args != "" {
			name += " " + c.Args
		}
		b.WriteString("  " + m.c.Styles.Bold.Render(padRight(name, 18)) + " " + m.c.Styles.Subtle.Render(c.Help) + "\n")
	}
	b.WriteString("\n" + m.c.Styles.Subtle.Render("press any key to close"))
	return b.String()
}
