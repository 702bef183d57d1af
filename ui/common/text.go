package common

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/termtext"
)

// Every text a tenant can write (names, ids, domains, database and table
// names, the data column) and every error text (they quote such values)
// is escaped with package termtext before a screen lays it out, so that
// widths are measured on what the terminal shows and nothing in it acts
// on the terminal. Fields go through termtext.Line where they are
// interpolated: a newline in a name shows as \n. Messages go through
// Message where they are shown.

// Message is a message or an error text as one line the terminal shows
// and never acts on: termtext.Block escapes it, then the lines and runs
// of spaces of a multi-line error (errors.Join) are joined with single
// spaces. A newline inside a quoted name becomes a space too: escape
// names with termtext.Line where they are put into a message.
func Message(s string) string {
	return strings.Join(strings.Fields(termtext.Block(s)), " ")
}

// Cell escapes s as one line and cuts it with … or pads it to exactly w
// cells, for table columns (fmt's %-*s counts runes, not cells).
func Cell(s string, w int) string {
	s = termtext.Line(s)
	if lipgloss.Width(s) > w {
		s = ansi.Truncate(s, w, "…") // may end a cell short of a wide character
	}
	return s + strings.Repeat(" ", max(w-lipgloss.Width(s), 0))
}

// EscapeInput turns what the user typed or pasted into a text field into
// what the terminal may show: the field drops control characters itself,
// not bidi overrides and isolates, which become their visible escapes
// (\u202e), the very text the tables show and the filter and the typed
// confirmations match.
func EscapeInput(in *textinput.Model) {
	if v := in.Value(); !termtext.Safe(v) {
		in.SetValue(termtext.Line(v))
		in.CursorEnd()
	}
}

// FilterKey handles a key typed into a screen's live filter line (open
// while *typing): esc clears and closes it, enter keeps it and closes it,
// the cursor keys go to nav (the table below still moves), and any other
// key edits it (escaped as EscapeInput does), calling changed when the
// value changed.
func FilterKey(in *textinput.Model, typing *bool, msg tea.KeyPressMsg, nav func(tea.KeyPressMsg) tea.Cmd, changed func()) tea.Cmd {
	switch msg.String() {
	case "esc":
		*typing = false
		in.Blur()
		in.SetValue("")
		changed()
		return nil
	case "enter":
		*typing = false
		in.Blur()
		return nil
	case "up", "down", "pgup", "pgdown":
		return nav(msg)
	}
	before := in.Value()
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	EscapeInput(in)
	if in.Value() != before {
		changed()
	}
	return cmd
}
