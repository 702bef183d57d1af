package cache

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func TestHostileResolveDialog(t *testing.T) {
	owner := uitest.HostileTenants()[5]
	tn := owner
	tn.Domains = []string{uitest.Hostile[0], uitest.Hostile[4] + ".test", uitest.Hostile[12], uitest.Hostile[14], "gone.test"}
	s := &state{ready: make(chan struct{})}
	for _, size := range uitest.Sizes {
		c := uitest.Context(t, true, size[0], size[1]-2)
		scr, err := s.dialog(c, "", tn)
		require.NoError(t, err)
		d := scr.(*resolveDialog)
		d.SetSize(size[0], size[1]-2)
		d.id = 4
		var answers []answer
		for i, dom := range tn.Domains[:4] {
			answers = append(answers, answer{domain: dom, res: resolver.Result{Found: true, Tenant: owner, Tier: resolver.TierRedis, Duration: time.Duration(100+i) * time.Microsecond}})
		}
		answers = append(answers, answer{domain: "gone.test", err: errors.New("central database: " + uitest.Hostile[3])})
		d.Update(answersMsg{id: 4, answers: answers})
		view := d.View()
		uitest.RequireSafe(t, view)
		plain := uitest.Plain(view)
		require.Contains(t, plain, `Resolve the domains of clip \e]52;c;aGk=\a`)
		require.Contains(t, plain, `gone.test: central database: clear \e[2Jscreen`)
		var rows []string
		for _, l := range strings.Split(plain, "\n") {
			if strings.Contains(l, "redis") {
				rows = append(rows, l)
			}
		}
		require.Len(t, rows, 4, "one line a domain")
		for _, r := range rows {
			require.Contains(t, r, `clip \e]52;c;aGk=\a (b…`, "the owner, cut to its column")
			require.Equal(t, lipgloss.Width(rows[0]), lipgloss.Width(r), "the columns line up: %q", r)
		}
		require.Contains(t, rows[0], `line\nbreak`)
		require.Contains(t, rows[2], `rtl \u202ecod.exe`)
		uitest.Golden(t, fmt.Sprintf("resolve_hostile_%dx%d", size[0], size[1]), view)

		d.Update(answersMsg{id: 0, err: fmt.Errorf("open resolver: %s", uitest.Hostile[5])})
		view = d.View()
		uitest.RequireSafe(t, view)
		require.Contains(t, uitest.Plain(view), `open resolver: clip \e]52;c;aGk=\a`)
	}
	text := describe(uitest.Hostile[2], resolver.Result{Found: true, Tenant: owner, Tier: resolver.TierLocal})
	require.True(t, termtext.Safe(text), text)
	require.Equal(t, `red \e[31mred → clip \e]52;c;aGk=\a (blocked), answered by local in <1µs`, text)
}
