package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/ui/common"
)

// palette is the `:` command line: it completes command names with tab
// and lists the matching commands above the footer.
type palette struct {
	c      *common.Context
	reg    *common.Registry
	input  textinput.Model
	active bool
}

// maxSuggestions bounds the list drawn above the command line.
const maxSuggestions = 8

func newPalette(c *common.Context, reg *common.Registry) palette {
	in := textinput.New()
	in.Prompt = ":"
	in.Placeholder = "command (tab completes, esc closes)"
	return palette{c: c, reg: reg, input: in}
}

func (p *palette) open() tea.Cmd {
	p.active = true
	p.input.Reset()
	p.input.SetStyles(p.c.Styles.Input())
	return p.input.Focus()
}

func (p *palette) close() {
	p.active = false
	p.input.Blur()
}

// matches lists the commands whose name starts with the first word typed.
func (p *palette) matches() []common.Command {
	word, _, _ := strings.Cut(strings.TrimSpace(p.input.Value()), " ")
	var out []common.Command
	for _, c := range p.reg.Commands(p.c.ReadOnly) {
		if strings.HasPrefix(c.Name, word) {
			out = append(out, c)
		}
	}
	return out
}

// update handles a key of the command line; dialog reports that the
// command run ends in a dialog (the root then holds keys until it shows).
func (p *palette) update(msg tea.KeyPressMsg) (cmd tea.Cmd, dialog bool) {
	switch msg.String() {
	case "esc", "ctrl+c":
		p.close()
		return nil, false
	case "tab":
		if m := p.matches(); len(m) > 0 && !strings.Contains(p.input.Value(), " ") {
			p.input.SetValue(m[0].Name + " ")
			p.input.CursorEnd()
		}
		return nil, false
	case "enter":
		line := strings.TrimSpace(p.input.Value())
		p.close()
		return p.run(line)
	}
	p.input, cmd = p.input.Update(msg)
	common.EscapeInput(&p.input)
	return cmd, false
}

// run executes a command line; an unknown or refused command is a flash.
// dialog is the command's Dialog flag.
func (p *palette) run(line string) (cmd tea.Cmd, dialog bool) {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return nil, false
	}
	name := fields[0]
	c, ok := p.reg.Lookup(name)
	if !ok {
		if m := p.matches(); len(m) == 1 {
			c, ok = m[0], true
		}
	}
	if !ok {
		return common.FlashError(fmt.Errorf("unknown command :%s (press : then tab to see the commands)", name)), false
	}
	if c.Write && p.c.ReadOnly {
		return common.FlashError(fmt.Errorf(":%s changes tenants and the dashboard is read-only", c.Name)), false
	}
	cmd = c.Run(p.c, fields[1:])
	return cmd, c.Dialog && cmd != nil
}

// suggestions renders the matching commands, for drawing above the footer.
func (p *palette) suggestions(width int) string {
	st := p.c.Styles
	var lines []string
	matches := p.matches()
	for i, c := range matches {
		if i == maxSuggestions {
			more := fmt.Sprintf(" ↓ %d more: type to narrow", len(matches)-maxSuggestions)
			lines = append(lines, st.Subtle.Render(ansi.Truncate(more, width-4, "…")))
			break
		}
		name := ":" + c.Name
		if c.Args != "" {
			name += " " + c.Args
		}
		line := fmt.Sprintf(" %-18s %s", name, c.Help)
		lines = append(lines, ansi.Truncate(line, width-4, "…"))
	}
	if len(lines) == 0 {
		lines = []string{st.Subtle.Render(" no matching command")}
	}
	return lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(st.Accent).
		Render(strings.Join(lines, "\n"))
}

func (p palette) view(width int) string {
	p.input.SetWidth(width - 2)
	return p.input.View()
}
