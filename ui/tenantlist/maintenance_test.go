package tenantlist

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// withDown is n fixture tenants of which those at down are down for
// maintenance.
func withDown(n int, down ...int) []tenants.Tenant {
	ts := uitest.Tenants(n)
	for _, i := range down {
		ts[i].Maintenance = &tenants.Maintenance{Form: tenants.MaintenanceExcept, Retry: 60}
	}
	return ts
}

func TestMaintenanceMarkerFits(t *testing.T) {
	for _, size := range uitest.Sizes {
		w, h := size[0], size[1]-2
		m := newList(t, 0, false, w, h)
		m.SetTenants(withDown(30, 1, 4))
		view := m.View()
		plain := uitest.Plain(view)
		require.Contains(t, plain, "30 of 30 · 2 down ▼", "the status line counts them and shows the marker")
		require.Contains(t, plain, "active ▼")
		require.Contains(t, plain, "blocked", "the status stays readable beside the marker")
		for i, line := range strings.Split(view, "\n") {
			require.LessOrEqual(t, lipgloss.Width(line), w, "line %d at %dx%d", i, w, h)
		}
		uitest.Golden(t, fmt.Sprintf("tenants_down_%dx%d", size[0], size[1]), view)
	}
}

func TestBulkMaintenanceKeys(t *testing.T) {
	m := newList(t, 0, false, 80, 22)
	m.SetTenants(withDown(10, 2, 3))
	press(m, "j", "j", "space", "space", "space") // marks [2], [3] and [4]
	require.Len(t, m.selection(), 3)

	form := pushedScreen(t, press(m, "m"))
	m.Update(common.PushedMsg{})
	form.SetSize(80, 22)
	require.Contains(t, uitest.Plain(form.View()), "Maintenance: 3 tenants")

	dlg := pushedScreen(t, press(m, "M"))
	m.Update(common.PushedMsg{})
	dlg.SetSize(80, 22)
	plain := uitest.Plain(dlg.View())
	require.Contains(t, plain, "Bring 2 tenants up?", "only the marked tenants that are down")
	require.Contains(t, plain, "Bring up")
}

func TestMaintenanceKeysReadOnly(t *testing.T) {
	m := newList(t, 3, true, 80, 22)
	for _, k := range []string{"m", "M"} {
		require.Nil(t, press(m, k), k)
		require.True(t, m.c.Keys.Refused(uitest.Key(k)), "%s: the root says why", k)
	}
}

// pushedScreen is the screen cmd pushes.
func pushedScreen(t *testing.T, cmd tea.Cmd) common.Screen {
	t.Helper()
	for _, msg := range uitest.Msgs(cmd) {
		if p, ok := msg.(common.PushMsg); ok {
			return p.Screen
		}
	}
	t.Fatalf("nothing pushed by %v", uitest.Msgs(cmd))
	return nil
}
