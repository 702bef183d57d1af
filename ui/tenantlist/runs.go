package tenantlist

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/runs"
)

// startRun opens the dialog that starts a fleet run on the marked
// tenants, else on the tenants the filter shows, else on the tenant
// under the cursor. The run's plan is confirmed before anything runs.
func (m *Model) startRun() tea.Cmd {
	target, ok := m.runTarget()
	if !ok {
		return nil
	}
	return m.guard.Open(m.c, runs.Start(m.c, nil, target))
}

func (m *Model) runTarget() (runs.Target, bool) {
	var t runs.Target
	switch f := m.filter.Value(); {
	case len(m.marks) > 0:
		for _, tn := range m.selection() {
			t.Selection.Refs = append(t.Selection.Refs, tn.ID)
		}
		t.What = common.Plural(len(t.Selection.Refs), "marked tenant")
	case f != "" && termtext.Line(f) == f && m.rows.len() > 0:
		// the registry's filter matches what the table's does (name, id,
		// domain, database); the plan shows how many it selects
		t.Selection.Filter = f
		t.What = fmt.Sprintf("the tenants matching %q (%d shown)", f, m.rows.len())
	case f != "":
		// a filter on escaped text: select exactly the rows shown
		for i := range m.rows.len() {
			t.Selection.Refs = append(t.Selection.Refs, m.rows.at(i).ID)
		}
		t.What = common.Plural(len(t.Selection.Refs), "filtered tenant")
	default:
		tn, ok := m.Cursor()
		if !ok {
			return t, false
		}
		t.Selection.Refs = []string{tn.ID}
		t.What = tn.Name
	}
	t.Selection.Order = fleet.OrderIndex
	return t, len(t.Selection.Refs) > 0 || t.Selection.Filter != ""
}
