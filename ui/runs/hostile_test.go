package runs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// hostileItems are items of uitest's hostile tenants: their names,
// databases and servers, errors quoting them, and command output full
// of terminal controls, then ordinary items to fill the screen.
func hostileItems() []fleet.Item {
	items := itemFixtures(60)
	for i, t := range uitest.HostileTenants() {
		it := &items[i]
		it.TenantID, it.TenantName, it.Database = t.ID, t.Name, t.Database
		it.Server = uitest.Hostile[(i+5)%len(uitest.Hostile)]
		it.State = fleet.ItemFailed
		it.Error = "exit status 1: " + t.Name + ": " + uitest.Hostile[(i+1)%len(uitest.Hostile)]
		it.Result = fleet.Result{Summary: uitest.Hostile[(i+2)%len(uitest.Hostile)], Output: strings.Join(uitest.Hostile, "\n")}
	}
	return items
}

func TestHostileItemsAreEscaped(t *testing.T) {
	for _, sz := range uitest.Sizes {
		w, h := sz[0], sz[1]-2
		m, _ := newRunView(t, hostileItems(), false, w, h)
		for i := range len(uitest.Hostile) {
			m.cursor = i
			view := m.View()
			uitest.RequireSafe(t, view)
			uitest.RequireLines(t, view, h)
		}
		m.cursor = 3
		plain := uitest.Plain(m.View())
		require.Contains(t, plain, `\e[2J`, "the selected item's name is shown escaped")
		lines := strings.Split(plain, "\n")
		for i := range m.rowsHeight() {
			require.Regexp(t, fmt.Sprintf(`^%-5d `, m.offset+i+1), lines[runTop+i], "item row %d is one line", i)
		}
		uitest.Golden(t, fmt.Sprintf("run_hostile_%dx%d", sz[0], sz[1]), m.View())
	}
}

func TestHostileRunsAreEscaped(t *testing.T) {
	rows := runFixtures()
	for i := range rows {
		h := uitest.Hostile[i%len(uitest.Hostile)]
		rows[i].Args = fmt.Sprintf(`{"argv":[%q, "{id}"]}`, h)
		rows[i].StartedBy = uitest.Hostile[(i+3)%len(uitest.Hostile)] + "@host"
		rows[i].Selection = fmt.Sprintf(`{"filter":%q}`, uitest.Hostile[(i+6)%len(uitest.Hostile)])
	}
	for _, sz := range uitest.Sizes {
		m, _ := newListView(t, false, sz[0], sz[1]-2)
		m.SetRows(rows)
		view := m.View()
		uitest.RequireSafe(t, view)
		uitest.RequireLines(t, view, len(rows)+2)
		run, _ := newRunView(t, itemFixtures(8), false, sz[0], sz[1]-2)
		r := run.row.Run
		r.Args, r.StartedBy, r.Selection = rows[1].Args, rows[1].StartedBy, rows[1].Selection
		run.SetRun(r, true, run.items)
		uitest.RequireSafe(t, run.View())
		uitest.RequireLines(t, run.View(), sz[1]-2)
		d := pushed(t, ask(run.c, run.f, actCancel, runRow{Run: r, alive: true}, false, false))
		d.SetSize(sz[0], sz[1]-2)
		uitest.RequireSafe(t, d.View())
	}
}

func TestHostileStartFormAndPlan(t *testing.T) {
	hostile := uitest.HostileTenants()
	for _, sz := range uitest.Sizes {
		c := uitest.Context(t, false, sz[0], sz[1]-2)
		d := pushedForm(t, Start(c, nil, Target{Selection: fleet.Selection{Refs: []string{hostile[3].ID}}, What: hostile[3].Name}))
		d.SetSize(sz[0], sz[1]-2)
		d.Init()
		typeInto(d, "echo \x1b[2J \u202e")
		uitest.RequireSafe(t, d.View())
		d.err = fmt.Errorf("read the SQL file: open %s: no such file", hostile[2].Name)
		uitest.RequireSafe(t, d.View())

		op, err := fleet.NewExec([]string{"echo", "{name}", "\x1b]0;x\a"}, 0)
		require.NoError(t, err)
		p := fleet.Plan{PerServer: map[string]int{}, Limits: fleet.Limits{Parallel: 4, PerServer: 4}}
		for i, tn := range hostile {
			tn.Server = uitest.Hostile[(i+5)%len(uitest.Hostile)]
			p.Items = append(p.Items, fleet.PlanItem{Position: i, Tenant: tn, Action: op.Describe(tn)})
			p.PerServer[tn.Server]++
		}
		_, cmd := d.Update(planned{form: d.id, req: fleet.CreateRequest{Operation: op}, plan: p})
		dialog := uitest.Msgs(cmd)[1].(common.PushMsg).Screen
		dialog.SetSize(sz[0], sz[1]-2)
		uitest.RequireSafe(t, dialog.View())
		require.LessOrEqual(t, uitest.Lines(dialog.View()), sz[1]-2)
	}
}
