package tenantlist

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// sortColumn maps a sort key to the column it orders.
var sortColumn = map[tenants.SortKey]colID{
	tenants.SortIndex: colIndex, tenants.SortName: colName, tenants.SortID: colTenantID,
	tenants.SortStatus: colStatus, tenants.SortDatabase: colDatabase, tenants.SortServer: colServer,
	tenants.SortDomain: colDomain, tenants.SortLastAccess: colLastAccess,
}

// View renders the status line, the column titles and only the rows that
// fit, whatever the number of tenants.
func (m *Model) View() string {
	st := m.c.Styles
	var b strings.Builder
	top := m.status()
	if m.filtering || m.filter.Value() != "" {
		top = m.filter.View() + "  " + top
	}
	b.WriteString(ansi.Truncate(top, m.width, "…"))
	b.WriteByte('\n')
	switch {
	case !m.loaded && m.err != nil:
		b.WriteString(st.FlashError.Render("Could not list the tenants: "+common.Message(m.err.Error())) + "\n" + st.Subtle.Render("r retries"))
		return b.String()
	case !m.loaded:
		b.WriteString(st.Subtle.Render("loading tenants…"))
		return b.String()
	case len(m.rows.ts) == 0:
		msg := "No tenants yet."
		if !m.c.ReadOnly {
			msg += " Press c to create one."
		}
		b.WriteString(st.Subtle.Render(msg))
		return b.String()
	case m.rows.len() == 0:
		// the filter is escaped as it is typed (common.EscapeInput)
		b.WriteString(st.Subtle.Render("No tenant matches “" + m.filter.Value() + "” — esc clears the filter."))
		return b.String()
	}
	b.WriteString(headerLine(m.layout, st, sortColumn[tenants.SortKeys[m.sortIdx]], m.desc))
	now := m.c.Now()
	end := min(m.offset+m.pageSize(), m.rows.len())
	for i := m.offset; i < end; i++ {
		t := m.rows.at(i)
		b.WriteByte('\n')
		b.WriteString(rowLine(t, m.layout, st, &m.statusCells, now, i == m.cursor, m.marks[t.ID]))
	}
	return b.String()
}
