package ui

import (
	"fmt"
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
	// recent keeps the last messages whole, for the ? help (the footer
	// cuts long ones to the width); a repeated one is counted, not listed again.
	recent []recentMsg
}

// keepRecent is how many messages the help lists.
const keepRecent = 5

type flashExpiredMsg struct{ id int }

// recentMsg is one line of the ? help's last messages.
type recentMsg struct {
	at, text string
	times    int
}

func (r recentMsg) String() string {
	if r.times > 1 {
		return fmt.Sprintf("%s %s (×%d)", r.at, r.text, r.times)
	}
	return r.at + " " + r.text
}

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
		// Flashes carry tenant names and error texts: escaped once, here,
		// for the footer and the ? help.
		msg.Text = common.Message(msg.Text)
		f.flash = msg
		f.flashID++
		text, at := msg.Mark()+msg.Text, f.c.Now().Format("15:04:05")
		if n := len(f.recent); n > 0 && f.recent[n-1].text == text {
			f.recent[n-1].at = at
			f.recent[n-1].times++
		} else {
			f.recent = append(f.recent, recentMsg{at: at, text: text, times: 1})
		}
		if len(f.recent) > keepRecent {
			f.recent = f.recent[1:]
		}
		ttl := msg.TTL
		switch {
		case ttl == 0 && msg.Error:
			ttl = 2 * common.DefaultFlashTTL
		case ttl == 0:
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
		f.tasks[msg.ID] = common.Message(msg.Text)
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

// view renders the footer at width: the flash message, else the screen's
// bindings that fit (whole, in order) followed by tail (? help, q quit).
func (f footer) view(width int, bindings, tail []key.Binding) string {
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
		left = flashLine(st.FlashError, f.flash.Mark()+f.flash.Text, avail)
	case f.flash.Text != "" && f.flash.Warn:
		left = flashLine(st.FlashWarn, f.flash.Mark()+f.flash.Text, avail)
	case f.flash.Text != "":
		left = flashLine(st.FlashInfo, f.flash.Mark()+f.flash.Text, avail)
	default:
		left = f.shortHelp(bindings, tail, avail)
	}
	gap := max(width-lipgloss.Width(left)-lipgloss.Width(right), 0)
	return left + strings.Repeat(" ", gap) + right
}

// moreHint follows a flash cut to the width: the ? help lists it whole.
const moreHint = "  ? more"

func flashLine(style lipgloss.Style, text string, avail int) string {
	if lipgloss.Width(text) <= avail {
		return style.Render(text)
	}
	if avail < 20 {
		return style.Render(ansi.Truncate(text, avail, "…"))
	}
	return style.Render(ansi.Truncate(text, avail-len(moreHint), "…")) + moreHint
}

// shortHelp lists bindings while they fit whole, then tail; a binding
// that does not fit is left out, never cut.
func (f footer) shortHelp(bindings, tail []key.Binding, width int) string {
	hs := f.help.Styles
	sep := hs.ShortSeparator.Render(" • ")
	item := func(b key.Binding) string {
		h := b.Help()
		return hs.ShortKey.Render(h.Key) + " " + hs.ShortDesc.Render(h.Desc)
	}
	join := func(items []string) string { return strings.Join(items, sep) }
	var end []string
	for _, b := range tail {
		if b.Enabled() {
			end = append(end, item(b))
		}
	}
	var items []string
	for _, b := range bindings {
		if !b.Enabled() || b.Help().Key == "" {
			continue
		}
		next := append(append(append([]string(nil), items...), item(b)), end...)
		if lipgloss.Width(join(next)) > width {
			break
		}
		items = append(items, item(b))
	}
	for n := len(end); n > 0; n-- {
		if out := join(append(items, end[:n]...)); lipgloss.Width(out) <= width {
			return out
		}
	}
	return join(items)
}
