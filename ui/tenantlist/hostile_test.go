package tenantlist

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// hostileList is the table over uitest's hostile tenants, then enough
// ordinary ones to fill the screen: a line too many would show.
func hostileList(t *testing.T, w, h int) *Model {
	t.Helper()
	m := New(uitest.Context(t, false, w, h))
	m.SetSize(w, h)
	m.SetTenants(append(uitest.HostileTenants(), uitest.Tenants(60)[len(uitest.Hostile):]...))
	return m
}

func TestHostileTextIsEscaped(t *testing.T) {
	for _, size := range uitest.Sizes {
		w, h := size[0], size[1]-2
		m := hostileList(t, w, h)
		view := m.View()
		uitest.RequireSafe(t, view)
		uitest.RequireLines(t, view, h)
		plain := uitest.Plain(view)
		for i, l := range strings.Split(plain, "\n")[2:] {
			require.Regexp(t, fmt.Sprintf(`^  \[%d\] `, i), l, "row %d is one line", i)
		}
		uitest.RequireShown(t, plain, "line\nbreak", "carriage\rreturn", "red \x1b[31mred", "iso \u2066x\u2069", "emoji 😀🎉")
		for _, shown := range []string{`\e[2J`, `\e]0;title\a`, `\e]52;c;aGk=\a`, `\x9b31m`, `\x7f`, `\u202e`, "blocked\\e[5m"} {
			require.Contains(t, plain, shown)
		}
		uitest.Golden(t, fmt.Sprintf("tenants_hostile_%dx%d", size[0], size[1]), view)
	}
}

func TestHostileListingErrorIsEscaped(t *testing.T) {
	m := New(uitest.Context(t, false, 80, 22))
	m.SetSize(80, 22)
	m.loadID = 3
	m.Update(loadedMsg{id: 3, err: fmt.Errorf("list tenants: bad row %q: %s", "x", uitest.Hostile[5])})
	view := m.View()
	uitest.RequireSafe(t, view)
	uitest.RequireLines(t, view, 3)
	require.Contains(t, uitest.Plain(view), `Could not list the tenants: list tenants: bad row "x": clip \e]52;c;aGk=\a`)
}

func TestFilterMatchesWhatIsShown(t *testing.T) {
	m := hostileList(t, 120, 38)
	press(m, "/")
	typeText(m, `\e]52;`) // the OSC 52 text: one tenant's name, id, database and domain
	require.Equal(t, 4, m.Shown())
	require.Equal(t, "clip \x1b]52;c;aGk=\a", m.rows.at(m.rows.find(uitest.HostileTenants()[5].ID)).Name)
	view := m.View()
	uitest.RequireSafe(t, view)
	require.Contains(t, uitest.Plain(view), `/\e]52;`)
	press(m, "esc", "/")
	typeText(m, `\u202E`)
	require.Equal(t, 4, m.Shown(), "the escapes match case-insensitively")
	press(m, "esc", "/")
	typeText(m, "no such tenant \u202e")
	view = m.View()
	uitest.RequireSafe(t, view)
	require.Contains(t, uitest.Plain(view), `No tenant matches “no such tenant \u202e”`)
}
