package runs

import (
	"fmt"
	"strings"
	"time"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// View implements common.Screen: a title line, the column headings and
// as many runs as fit, the cursor's run kept in view.
func (m *List) View() string {
	st := m.c.Styles
	var b strings.Builder
	title := "Runs"
	if m.loaded {
		title += fmt.Sprintf(" · %s, newest first", common.Plural(len(m.rows), "run"))
	}
	b.WriteString(st.Title.Render(title))
	switch {
	case m.err != nil && !m.loaded:
		b.WriteString("\n" + st.FlashError.Render(common.Cell(common.Message("cannot list runs: "+m.err.Error()), max(m.width, 1))))
		return b.String()
	case !m.loaded:
		b.WriteString("\n" + st.Subtle.Render("loading runs…"))
		return b.String()
	case len(m.rows) == 0:
		b.WriteString("\n\n" + st.Subtle.Render(common.Cell("No runs yet. Mark tenants in the tenants table and press e,", max(m.width, 1))))
		b.WriteString("\n" + st.Subtle.Render(common.Cell("or use `tenancy run exec|sql` in a shell.", max(m.width, 1))))
		return b.String()
	}
	cols := listColumns(m.width)
	b.WriteString("\n" + st.TableHeader.Render(cols.header()))
	rowsH := max(m.height-2, 1)
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+rowsH {
		m.offset = m.cursor - rowsH + 1
	}
	now := m.c.Now()
	for i := m.offset; i < len(m.rows) && i < m.offset+rowsH; i++ {
		line := cols.row(m.rows[i], now)
		if i == m.cursor {
			line = st.Cursor.Render(line)
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}

// listCols are the widths of the list's columns; op, sel and by share
// what the fixed ones leave (by is dropped below 100 columns).
type listCols struct{ op, sel, by int }

const listFixed = 5 + 1 + 15 + 1 + 6 + 1 + 6 + 1 + 6 + 1 + 8 + 1

func listColumns(w int) listCols {
	free := max(w-listFixed, 12)
	c := listCols{}
	if w >= 100 {
		c.by = min(free/4, 22)
		free -= c.by + 1
	}
	c.op = free * 3 / 5
	c.sel = free - c.op - 1
	return c
}

func (c listCols) header() string {
	s := fmt.Sprintf("%-5s %-*s %-*s %-15s %6s %6s %6s %-8s", "RUN", c.op, "OPERATION", c.sel, "SELECTION", "STATE", "DONE", "FAILED", "LEFT", "STARTED")
	if c.by > 0 {
		s += " " + common.Cell("BY", c.by)
	}
	return s
}

func (c listCols) row(r runRow, now time.Time) string {
	started := r.StartedAt
	if started == nil {
		started = &r.CreatedAt
	}
	s := fmt.Sprintf("%-5d %s %s %s %6d %6d %6d %-8s", r.ID, common.Cell(opSummary(r.Operation, r.Args), c.op),
		common.Cell(selectionText(r.Selection), c.sel), common.Cell(stateText(r, false), 15),
		r.count(fleet.ItemDone), r.count(fleet.ItemFailed), r.unfinished(), common.Cell(ago(started, now), 8))
	if c.by > 0 {
		s += " " + common.Cell(r.StartedBy, c.by)
	}
	return s
}
