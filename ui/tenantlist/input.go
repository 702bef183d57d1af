package tenantlist

import (
	"fmt"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/backups"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/runs"
	"github.com/tenancy-dev/tenancy/ui/tenantops"
)

func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	return common.FilterKey(&m.filter, &m.filtering, msg, m.key, m.applyFilter)
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	if key.Matches(msg, k.Jump) && len(m.jump) < 9 {
		m.jump += msg.String()
		return nil
	}
	switch {
	case msg.String() == "backspace" && m.jump != "":
		m.jump = m.jump[:len(m.jump)-1]
	case key.Matches(msg, k.Back):
		switch {
		case m.jump != "":
			m.jump = ""
		case m.filter.Value() != "":
			m.filter.SetValue("")
			m.applyFilter()
		case len(m.marks) > 0:
			clear(m.marks)
		}
	case key.Matches(msg, k.Open):
		if m.jump != "" {
			return m.jumpTo()
		}
		if m.cursor < m.rows.len() {
			t := *m.rows.at(m.cursor)
			return common.Open("detail", t.ID, t)
		}
	case key.Matches(msg, k.Up):
		m.moveTo(m.cursor - 1)
	case key.Matches(msg, k.Down):
		m.moveTo(m.cursor + 1)
	case key.Matches(msg, k.Top):
		m.moveTo(0)
	case key.Matches(msg, k.Bottom):
		m.moveTo(m.rows.len() - 1)
	case key.Matches(msg, k.PageUp):
		m.moveTo(m.cursor - m.pageSize())
	case key.Matches(msg, k.PageDown):
		m.moveTo(m.cursor + m.pageSize())
	case key.Matches(msg, k.Filter):
		m.filtering = true
		m.filter.SetStyles(m.c.Styles.Input())
		return m.filter.Focus()
	case key.Matches(msg, k.Sort):
		m.sortIdx = (m.sortIdx + 1) % len(tenants.SortKeys)
		m.resort()
	case key.Matches(msg, k.SortDir):
		m.desc = !m.desc
		m.resort()
	case key.Matches(msg, k.Mark):
		if m.cursor < m.rows.len() {
			id := m.rows.at(m.cursor).ID
			if m.marks[id] {
				delete(m.marks, id)
			} else {
				m.marks[id] = true
			}
			m.moveTo(m.cursor + 1)
		}
	case key.Matches(msg, k.Refresh):
		return m.load()
	case key.Matches(msg, k.Create):
		return common.Open("create", "", nil)
	case key.Matches(msg, k.Delete):
		return m.guard.Open(m.c, tenantops.ConfirmDelete(m.c, m.selection(), m.clearMarks()))
	case key.Matches(msg, k.Activate):
		return tenantops.SetStatus(m.c, m.selection(), tenants.StatusActive)
	case key.Matches(msg, k.Deactivate):
		return tenantops.SetStatus(m.c, m.selection(), tenants.StatusInactive)
	case key.Matches(msg, k.Block):
		return m.guard.Open(m.c, tenantops.ConfirmBlock(m.c, m.selection()))
	case key.Matches(msg, k.MaintenanceDown):
		return m.guard.Open(m.c, tenantops.Down(m.c, m.selection()))
	case key.Matches(msg, k.MaintenanceUp):
		return m.guard.Open(m.c, tenantops.ConfirmUp(m.c, m.selection()))
	case key.Matches(msg, k.Backups):
		return m.backups()
	case key.Matches(msg, k.StartRun):
		return m.startRun()
	case key.Matches(msg, k.Runs):
		return common.Open(runs.Name, "", nil)
	case key.Matches(msg, k.Perf):
		if sel := m.selection(); len(sel) > 0 {
			return common.Open("perf", "", sel)
		}
	}
	return nil
}

// backups opens the backups screen of the tenant under the cursor, or,
// with tenants marked, asks to back them all up in the background.
func (m *Model) backups() tea.Cmd {
	if len(m.marks) > 0 {
		return m.guard.Open(m.c, backups.ConfirmMany(m.c, m.selection(), m.clearMarks()))
	}
	if t, ok := m.Cursor(); ok {
		return common.Open(backups.Name, t.ID, t)
	}
	return nil
}

// clearMarks forgets the marks once a bulk delete succeeded.
func (m *Model) clearMarks() tea.Cmd {
	return func() tea.Msg { return clearMarksMsg{} }
}

func (m *Model) jumpTo() tea.Cmd {
	n, _ := strconv.Atoi(m.jump)
	m.jump = ""
	i := m.rows.findIndex(n)
	switch {
	case i < 0 && m.filter.Value() != "":
		return common.FlashError(fmt.Errorf("no tenant [%d] is shown (esc clears the filter)", n))
	case i < 0:
		return common.FlashError(fmt.Errorf("no tenant [%d]", n))
	}
	m.moveTo(i)
	return nil
}
