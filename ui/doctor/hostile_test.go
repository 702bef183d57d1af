package doctor

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	health "github.com/tenancy-dev/tenancy/doctor"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// hostileReport has findings whose tenant names, ids, servers, objects,
// evidence and fixes are uitest's hostile texts.
func hostileReport() health.Report {
	rep := fixtureReport()
	n := len(uitest.Hostile)
	for i, t := range uitest.HostileTenants() {
		rep.Findings = append(rep.Findings, health.Finding{
			Check: "user-grants", Severity: health.Error, Tenant: t.ID, TenantName: t.Name,
			Server: uitest.Hostile[(i+5)%n], Object: t.Database,
			Evidence: "grant on " + uitest.Hostile[(i+1)%n] + " reaches " + t.Name,
			Fix:      "recreate " + uitest.Hostile[(i+2)%n], FixKind: health.FixSafe,
		})
	}
	return rep
}

func TestHostileFindingsAreEscaped(t *testing.T) {
	for _, sz := range uitest.Sizes {
		w, h := sz[0], sz[1]-2
		m := newScreen(t, false, w, h, hostileReport())
		ordinary := uitest.Lines(newScreen(t, false, w, h, fixtureReport()).View())
		for range len(m.list) {
			view := m.View()
			uitest.RequireSafe(t, view)
			uitest.RequireLines(t, view, ordinary)
			uitest.Press(m, "down", "space")
		}
		uitest.Golden(t, fmt.Sprintf("health_hostile_%dx%d", sz[0], sz[1]), m.View())
		// The confirmation of every hostile fix is safe too.
		d := pushed(t, m)
		uitest.RequireSafe(t, d.View())
	}
	m := newScreen(t, false, 120, 38, hostileReport())
	uitest.Press(m, "G")
	plain := uitest.Plain(m.View())
	last := hostileReport().Findings[len(hostileReport().Findings)-1]
	uitest.RequireShown(t, plain, last.TenantName)
	require.Contains(t, plain, "user-grants")
}
