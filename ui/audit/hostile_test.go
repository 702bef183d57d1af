package audit

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// Everything in an entry is untrusted: user names come from the config,
// targets, arguments and errors quote tenant names and ids, and anyone
// with write access to the central database can insert rows.
func TestHostileEntriesAreEscaped(t *testing.T) {
	rows := entries(40)
	n := len(uitest.Hostile)
	for i := range n {
		e := &rows[i]
		e.User = uitest.Hostile[i]
		e.Action = access.Action(uitest.Hostile[(i+1)%n])
		e.Target = uitest.Hostile[(i+2)%n]
		e.Detail = "name=" + uitest.Hostile[(i+3)%n]
		e.Outcome = uitest.Hostile[(i+4)%n]
		e.Error = strings.Join(uitest.Hostile, " | ")
		e.Remote = uitest.Hostile[(i+5)%n]
		e.Role = access.Role(uitest.Hostile[(i+6)%n])
	}
	for _, sz := range uitest.Sizes {
		w, h := sz[0], sz[1]-2
		m := newView(t, true, w, h, rows, false)
		for i := range n {
			uitest.Press(m, "g")
			for range i {
				uitest.Press(m, "down")
			}
			view := m.View()
			uitest.RequireSafe(t, view)
			uitest.RequireLines(t, view, h)
			for _, l := range strings.Split(uitest.Plain(view), "\n") {
				require.LessOrEqual(t, len([]rune(l)), w, "row %d: %q", i, l)
			}
			uitest.Press(m, "enter")
			uitest.RequireSafe(t, m.View())
			uitest.RequireLines(t, m.View(), h)
			uitest.Press(m, "esc")
		}
		uitest.Press(m, "g", "down", "down", "down")
		plain := uitest.Plain(m.View())
		require.Contains(t, plain, `\e[2J`, "the selected entry's user is shown escaped")
		uitest.Golden(t, fmt.Sprintf("audit_hostile_%dx%d", sz[0], sz[1]), m.View())

		// A filter typed or pasted with controls is shown escaped.
		uitest.Press(m, "/")
		for _, k := range uitest.Type("x\u202ey") {
			m.Update(k)
		}
		uitest.RequireSafe(t, m.View())
		m.query = uitest.Hostile[3]
		m.editing = false
		uitest.RequireSafe(t, m.View())
	}
}
