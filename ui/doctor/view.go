package doctor

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	health "github.com/tenancy-dev/tenancy/doctor"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// detailLines is the height of the selected finding's pane (a rule and
// four lines); it is dropped on a terminal too short for it.
const detailLines = 5

// View implements common.Screen: the status line, the column titles,
// the findings that fit (grouped by check) and the selected finding, in
// exactly the height given.
func (m *Model) View() string {
	view := m.view()
	if n := strings.Count(view, "\n") + 1; n < m.height {
		view += strings.Repeat("\n", m.height-n)
	}
	return view
}

func (m *Model) view() string {
	st := m.c.Styles
	w := max(m.width, 1)
	var b strings.Builder
	top := m.status()
	if m.typing || m.filter.Value() != "" {
		top = m.filter.View() + "  " + top
	}
	b.WriteString(ansi.Truncate(top, w, "…"))
	switch {
	case m.rep == nil && m.err != nil:
		b.WriteString("\n" + st.FlashError.Render(common.Cell(common.Message("cannot scan: "+m.err.Error()), w)))
		b.WriteString("\n" + st.Subtle.Render("r scans again"))
		return b.String()
	case m.rep == nil:
		b.WriteString("\n" + st.Subtle.Render(common.Cell("scanning the fleet… (a fleet of 10,000 tenants takes about 15 s)", w)))
		return b.String()
	case len(m.rep.Findings) == 0:
		b.WriteString("\n\n" + st.FlashInfo.Render(common.Cell("No findings: the fleet is healthy.", w)))
		return b.String()
	case len(m.list) == 0:
		b.WriteString("\n\n" + st.Subtle.Render(common.Cell("No finding matches the filters (f: severity, esc clears the filter).", w)))
		return b.String()
	}
	cols := columns(w)
	b.WriteString("\n" + st.TableHeader.Render(cols.header()))
	rows := m.listHeight()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+rows {
		m.offset = m.cursor - rows + 1
	}
	for i := m.offset; i < len(m.list) && i < m.offset+rows; i++ {
		b.WriteString("\n" + m.line(i, cols))
	}
	if m.showDetail() {
		for i := len(m.list) - m.offset; i < rows; i++ {
			b.WriteString("\n")
		}
		b.WriteString("\n" + m.detail(w))
	}
	return b.String()
}

// status is the first line: the counts, when the scan was, the filters.
func (m *Model) status() string {
	st := m.c.Styles
	if m.rep == nil {
		return st.Title.Render("Health")
	}
	parts := []string{countsText(m.rep.Counts())}
	if n := incompleteChecks(m.rep); n > 0 {
		parts = append(parts, common.Plural(n, "check")+" incomplete")
	}
	parts = append(parts, fmt.Sprintf("scanned %s in %s", ago(m.c.Now().Sub(m.at)), took(m.rep.Took)))
	if m.scanID != 0 {
		parts = append(parts, "scanning…")
	}
	if least := severities[m.least]; least != "" {
		parts = append(parts, string(least)+" and worse")
	}
	if n := len(m.marks); n > 0 {
		parts = append(parts, fmt.Sprintf("%d marked", n))
	}
	return st.Title.Render("Health") + st.Subtle.Render(" · "+strings.Join(parts, " · "))
}

// listHeight is the rows left for the list under the status line and
// the column titles (and above the detail pane).
func (m *Model) listHeight() int {
	h := m.height - 2
	if m.showDetail() {
		h -= detailLines
	}
	return max(h, 1)
}

func (m *Model) showDetail() bool { return m.height >= 12 }

// cols are the widths of the list's tenant and object columns; mark,
// severity, fix and server are fixed.
type cols struct{ tenant, server, object int }

const fixedCols = 2 + 5 + 1 + 4 + 1 + 1 + 1

func columns(w int) cols {
	c := cols{server: 10}
	free := max(w-fixedCols-c.server, 12)
	c.tenant = free * 2 / 5
	c.object = free - c.tenant
	return c
}

func (c cols) header() string {
	return "  " + fmt.Sprintf("%-5s %-4s %s %s %s", "SEV", "FIX", common.Cell("TENANT", c.tenant), common.Cell("SERVER", c.server), common.Cell("OBJECT", c.object))
}

// line renders entry i: a heading (check and its counts) or a finding.
func (m *Model) line(i int, c cols) string {
	st := m.c.Styles
	e := m.list[i]
	w := max(m.width, 1)
	if e.heading() {
		return st.Bold.Render(common.Cell("▾ "+e.check+" · "+countsText(e.counts), w))
	}
	f := m.rep.Findings[e.finding]
	mark := "  "
	marked := m.marks[findingKey(f)]
	if marked {
		mark = "● "
	}
	text := mark + fmt.Sprintf("%-5s %-4s %s %s %s", f.Severity, fixLabel(f), common.Cell(tenantLabel(f), c.tenant),
		common.Cell(orDash(f.Server), c.server), common.Cell(orDash(f.Object), c.object))
	switch {
	case i == m.cursor && marked:
		return st.MarkedCursor.Render(text)
	case i == m.cursor:
		return st.Cursor.Render(text)
	case marked:
		return st.Marked.Render(text)
	}
	return text
}

// detail is the selected finding's pane: who and where, the evidence
// (wrapped, cut to two lines) and the fix.
func (m *Model) detail(w int) string {
	st := m.c.Styles
	f, ok := m.current()
	rule := st.Faint.Render(strings.Repeat("─", w))
	if !ok {
		return rule + strings.Repeat("\n", detailLines-1)
	}
	who := f.Check + " · " + string(f.Severity) + " · " + tenantLabel(f)
	if f.Tenant != "" && f.TenantName != "" {
		who += " (" + f.Tenant + ")"
	}
	if f.Server != "" {
		who += " on " + f.Server
	}
	evidence := termtext.Line(f.Evidence)
	if f.Object != "" {
		evidence = termtext.Line(f.Object) + ": " + evidence
	}
	wrapped := strings.Split(lipgloss.NewStyle().Width(w).Render(evidence), "\n")
	if len(wrapped) > 2 {
		wrapped = []string{wrapped[0], ansi.Truncate(wrapped[1]+" "+wrapped[2], w, "…")}
	}
	for len(wrapped) < 2 {
		wrapped = append(wrapped, "")
	}
	fix := "fix: none automatic"
	switch f.FixKind {
	case health.FixSafe:
		fix = "fix (safe): " + f.Fix
	case health.FixDestructive:
		fix = "fix (destructive, admin): " + f.Fix
	case health.FixNone:
		if f.Fix != "" {
			fix = "fix: " + f.Fix
		}
	}
	return rule + "\n" + st.Bold.Render(common.Cell(who, w)) + "\n" +
		common.Cell(wrapped[0], w) + "\n" + common.Cell(wrapped[1], w) + "\n" + st.Subtle.Render(common.Cell(fix, w))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// took is a scan's time: milliseconds under a second, else tenths.
func took(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return d.Round(100 * time.Millisecond).String()
}

// ago is how long ago a scan was, in one short unit.
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	}
	return fmt.Sprintf("%dh ago", int(d.Hours()))
}
