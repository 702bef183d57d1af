package ui

import (
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/ui/common"
)

// footer is the bottom line: a flash message or the short help on the
// left, running tasks with a spinner on the right.
type footer struct {
	c       *common.Context
	help    help.Model
	spinner spinner.Model
	flash   common.FlashMsg
	flashID int
	tasks   map[string]string
}

type flashExpiredMsg struct{ id int }

func newFooter(c *common.Context) footer {
	f := footer{c: c, help: help.New(), tasks: map[string]string{}}
	f.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	f.restyle()
	return f
}

func (f *footer) restyle() {
	f.help.Styles = help.DefaultStyles(f.c.Styles.IsDark)
	f.spinner.Style = lipgloss.NewStyle().Foreground(f.c.Styles.Accent)
}

func (f *footer) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case common.FlashMsg:
		f.flash = msg
		f.flashID++
		ttl := msg.TTL
		if ttl == 0 {
			ttl = common.DefaultFlashTTL
		}
		id := f.flashID
		return tea.Tick(ttl, func(time.Time) tea.Msg { return flashExpiredMsg{id} })
	case flashExpiredMsg:
		if msg.id == f.flashID {
			f.flash = common.FlashMsg{}
		}
	case common.TaskMsg:
		if msg.Done {
			delete(f.tasks, msg.ID)
			return nil
		}
		start := len(f.tasks) == 0
		f.tasks[msg.ID] = msg.Text
		if start {
			return f.spinner.Tick
		}
	case spinner.TickMsg:
		if len(f.tasks) == 0 {
			return nil // stop ticking when idle
		}
		var cmd tea.Cmd
		f.spinner, cmd = f.spinner.Update(msg)
		return cmd
	}
	return nil
}

func (f footer) view(width int, bindings []key.Binding) string {
	st := f.c.Styles
	right := ""
	if len(f.tasks) > 0 {
		texts := make([]string, 0, len(f.tasks))
		for _, t := range f.tasks {
			texts = append(texts, t)
		}
		sort.Strings(texts)
		right = f.spinner.View() + " " + st.Subtle.Render(strings.Join(texts, ", "))
		if lipgloss.Width(right) > width/2 {
			right = ansi.Truncate(right, width/2, "…")
		}
	}
	avail := width - lipgloss.Width(right) - 1
	var left string
	switch {
	case f.flash.Text != "" && f.flash.Error:
		left = st.FlashError.Render(ansi.Truncate("✗ "+oneLine(f.flash.Text), avail, "…"))
	case f.flash.Text != "":
		left = st.FlashInfo.Render(ansi.Truncate("✓ "+oneLine(f.flash.Text), avail, "…"))
	default:
		h := f.help
		h.SetWidth(avail)
		left = h.ShortHelpView(bindings)
	}
	gap := max(width-lipgloss.Width(left)-lipgloss.Width(right), 0)
	return left + strings.Repeat(" ", gap) + right
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
