package confirm

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// hostileName holds a newline, an OSC 52 clipboard write and a bidi override.
const hostileName = "Acme\n\x1b]52;c;aGk=\a\u202eCorp"

func hostileDialog(t *testing.T, w, h int) (*Model, *time.Time) {
	c := uitest.Context(t, false, w, h)
	now := uitest.Now
	c.Now = func() time.Time { return now }
	m := New(c, Options{Title: "Delete tenant " + hostileName + "?",
		Lines:  []string{"Database  tenant_\x1b[2J on central\x1b[31m"},
		Fields: []Field{{Label: "Domains", Value: "a.test\r, \x1b]0;title\a.test"}},
		Items:  []string{"  [1] " + uitest.Hostile[2], "  [2] " + uitest.Hostile[13]},
		Note:   "This cannot be undone \u2066.", Require: hostileName, Action: "Delete", Danger: true,
		OnConfirm: func() tea.Msg { return confirmed{} }})
	m.Init()
	m.SetSize(w, h)
	return m, &now
}

func TestHostileTextIsEscaped(t *testing.T) {
	for _, size := range uitest.Sizes {
		m, _ := hostileDialog(t, size[0], size[1]-2)
		view := m.View()
		uitest.RequireSafe(t, view)
		plain := uitest.Plain(view)
		flat := strings.Join(strings.Fields(plain), " ")
		require.Contains(t, flat, `Delete tenant Acme\n\e]52;c;aGk=\a\u202eCorp?`)
		require.Contains(t, plain, `Database  tenant_\e[2J on central\e[31m`)
		require.Contains(t, plain, `Domains   a.test\r, \e]0;title\a.test`)
		require.Contains(t, plain, `[1] red \e[31mred`)
		require.Contains(t, plain, `[2] iso \u2066x\u2069`)
		require.Contains(t, plain, `This cannot be undone \u2066.`)
		require.Contains(t, flat, `Type Acme\n\e]52;c;aGk=\a\u202eCorp to enable Delete:`)
		require.Contains(t, plain, "(it holds control characters, shown escaped: type it as shown,")
		require.Equal(t, uitest.Shown("Delete tenant "+hostileName+"?"), m.Title())
		// the ordinary dialog of the golden tests (a title and a line, as
		// here) plus the field, the 2 items, the note and its blank line,
		// and the 2 lines that say how to type the name: no text added one
		plainDlg, _ := dialog(t, "Acme Corp")
		plainDlg.SetSize(size[0], size[1]-2)
		require.Equal(t, lipgloss.Height(plainDlg.View())+1+2+2+2, lipgloss.Height(view))
		uitest.Golden(t, fmt.Sprintf("delete_hostile_%dx%d", size[0], size[1]), view)
	}
}

func TestHostileNameIsTypedAsShown(t *testing.T) {
	m, now := hostileDialog(t, 80, 22)
	*now = now.Add(time.Second)
	for _, k := range uitest.Type(`Acme\n\e]52;c;aGk=\a\u202eCor`) {
		m.Update(k)
	}
	require.False(t, m.Enabled())
	m.Update(uitest.Key("p"))
	require.True(t, m.Enabled(), "the escaped name, as shown, confirms: %q", m.input.Value())
	uitest.RequireSafe(t, m.View())
	require.Equal(t, []tea.Msg{common.BackMsg{}, confirmed{}}, uitest.Msgs(send(m, "enter")))

	m, now = hostileDialog(t, 80, 22)
	*now = now.Add(time.Second)
	m.Update(tea.PasteMsg{Content: "Acme\u202e"})
	view := m.View()
	uitest.RequireSafe(t, view)
	require.Contains(t, uitest.Plain(view), `> Acme\u202e`, "a pasted bidi control shows escaped")
}
