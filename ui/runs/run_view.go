package runs

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// The view's fixed lines above the items: title, run line, bar,
// servers, state filter, column headings.
const runTop = 6

// detailHeight is the selected item's pane under the table.
func (m *Run) detailHeight() int {
	if m.height >= 30 {
		return 9
	}
	return 5
}

func (m *Run) rowsHeight() int { return max(m.height-runTop-m.detailHeight(), 1) }

// View implements common.Screen. Only the rows in view are rendered, so
// a frame costs the same with 10 or 10,000 items.
func (m *Run) View() string {
	st := m.c.Styles
	w := max(m.width, 20)
	var b strings.Builder
	if !m.loaded {
		b.WriteString(st.Title.Render(m.Title()) + "\n")
		if m.err != nil {
			b.WriteString(st.FlashError.Render(common.Cell(common.Message(m.err.Error()), w)))
		} else {
			b.WriteString(st.Subtle.Render("loading…"))
		}
		return b.String()
	}
	r := m.row
	b.WriteString(st.Title.Render(common.Cell(fmt.Sprintf("Run %d · %s", r.ID, opSummary(r.Operation, r.Args)), w)) + "\n")
	b.WriteString(st.Subtle.Render(common.Cell(m.runLine(), w)) + "\n")
	b.WriteString(m.barLine(w) + "\n")
	b.WriteString(common.Cell(m.serverLine(), w) + "\n")
	b.WriteString(m.filterLine(w) + "\n")
	cols := itemColumns(w)
	b.WriteString(st.TableHeader.Render(cols.header()))
	rowsH := m.rowsHeight()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+rowsH {
		m.offset = m.cursor - rowsH + 1
	}
	now := m.c.Now()
	n := 0
	for i := m.offset; i < len(m.shown) && n < rowsH; i++ {
		line := cols.row(&m.items[m.shown[i]], now)
		if i == m.cursor {
			line = st.Cursor.Render(line)
		}
		b.WriteString("\n" + line)
		n++
	}
	if len(m.shown) == 0 {
		b.WriteString("\n" + st.Subtle.Render(common.Cell("no item is "+string(filters[m.filter])+" (f shows another state)", w)))
		n++
	}
	b.WriteString(strings.Repeat("\n", rowsH-n+1))
	b.WriteString(m.detail(w))
	return b.String()
}

// runLine says who started the run, when, its selection and limits.
func (m *Run) runLine() string {
	r := m.row
	parts := []string{stateText(r, m.job != nil), "selection " + selectionText(r.Selection), "by " + r.StartedBy}
	started := r.StartedAt
	if started == nil {
		started = &r.CreatedAt
	}
	parts = append(parts, "started "+ago(started, m.c.Now()))
	if r.FinishedAt != nil && r.StartedAt != nil {
		parts = append(parts, "took "+short(r.FinishedAt.Sub(*r.StartedAt)))
	}
	limits := fmt.Sprintf("parallel %d, %d per server", r.Parallel, r.PerServer)
	if r.Canary > 0 {
		limits += fmt.Sprintf(", canary %d", r.Canary)
	}
	if r.MaxFailures != "" {
		limits += ", max failures " + r.MaxFailures
	}
	parts = append(parts, limits)
	if m.job != nil {
		parts = append(parts, "worked here")
	}
	return strings.Join(parts, " · ")
}

// barLine is the progress bar with finished of total, rate and ETA.
func (m *Run) barLine(w int) string {
	total := max(m.row.Total, 1)
	finished := m.counts[fleet.ItemDone] + m.counts[fleet.ItemFailed] + m.counts[fleet.ItemSkipped] + m.counts[fleet.ItemCancelled]
	text := fmt.Sprintf(" %d/%d", finished, m.row.Total)
	if p := m.live; p != nil {
		finished = p.Done + p.Failed + p.Skipped + p.Cancelled
		text = fmt.Sprintf(" %d/%d", finished, p.Total)
		if p.Rate > 0 {
			text += fmt.Sprintf(" · %.1f/s · ETA %s", p.Rate, short(p.ETA))
		}
		if p.Stopping != "" {
			text += " · stopping (" + p.Stopping + ")"
		}
	}
	return m.bar.ViewAs(float64(finished)/float64(total)) + ansi.Truncate(text, max(w-m.bar.Width(), 0), "…")
}

// serverLine is running/limit per server, and the slowest item running.
func (m *Run) serverLine() string {
	limit, running := m.row.PerServer, m.running
	if p := m.live; p != nil {
		running, limit = p.PerServer, p.PerServerLimit
	}
	parts := make([]string, 0, len(m.servers))
	for _, s := range m.servers {
		parts = append(parts, fmt.Sprintf("%s %d/%d", termtext.Line(s), running[s], limit))
	}
	line := "servers (running/limit): " + strings.Join(parts, " · ")
	if p := m.live; p != nil && p.Slowest != nil {
		line += fmt.Sprintf(" · slowest %s %s", termtext.Line(p.Slowest.TenantName), short(p.Slowest.Elapsed))
	}
	return line
}

// filterLine shows the count of every state, the filtered one marked.
func (m *Run) filterLine(w int) string {
	st := m.c.Styles
	parts := make([]string, len(filters))
	for i, f := range filters {
		name, n := string(f), m.counts[f]
		if f == "" {
			name, n = "all", len(m.items)
		}
		label := fmt.Sprintf("%s %d", name, n)
		if i == m.filter {
			label = st.ButtonFocused.Padding(0, 1).Render(label)
		} else if f == fleet.ItemFailed && n > 0 {
			label = st.FlashError.Render(label)
		}
		parts[i] = label
	}
	return ansi.Truncate("items: "+strings.Join(parts, " "), w, "…")
}

// itemCols are the widths of the items table; tenant and result share
// what the fixed columns leave.
type itemCols struct{ tenant, server, result int }

func itemColumns(w int) itemCols {
	c := itemCols{server: 10}
	if w >= 100 {
		c.server = 14
	}
	free := max(w-(5+1+c.server+1+9+1+5+1+7+1), 20)
	c.tenant = min(free*2/5, 32)
	c.result = free - c.tenant - 1
	return c
}

func (c itemCols) header() string {
	return fmt.Sprintf("%-5s %-*s %-*s %-9s %5s %-7s %s", "#", c.tenant, "TENANT", c.server, "SERVER", "STATE", "TRIES", "TIME", common.Cell("RESULT", c.result))
}

func (c itemCols) row(it *fleet.Item, now time.Time) string {
	var took time.Duration
	if it.StartedAt != nil {
		end := now
		if it.FinishedAt != nil {
			end = *it.FinishedAt
		}
		took = end.Sub(*it.StartedAt)
	}
	result := it.Error
	if result == "" {
		result = it.Result.Summary
	}
	return fmt.Sprintf("%-5d %s %s %-9s %5d %-7s %s", it.Position+1, common.Cell(it.TenantName, c.tenant), common.Cell(it.Server, c.server),
		it.State, it.Attempts, short(took), common.Cell(firstLine(result), c.result))
}

// firstLine is the first line of a text that may hold several (the
// table shows the rest in the detail pane).
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// detail is the selected item's pane: who, state, its error (wrapped)
// and the end of its output, every text escaped.
func (m *Run) detail(w int) string {
	st := m.c.Styles
	h := m.detailHeight()
	it, ok := m.selected()
	if !ok {
		return strings.Repeat("\n", h-1)
	}
	head := fmt.Sprintf("%s · %s on %s · %s · %s", it.TenantName, it.Database, it.Server, it.State, common.Plural(it.Attempts, "attempt"))
	if it.Host != "" {
		head += fmt.Sprintf(" · by %s:%d", it.Host, it.PID) // the process (a worker, with a queue) that worked it last
	}
	lines := []string{st.Section.UnsetMarginTop().Render(common.Cell(head, w))}
	if it.Error != "" {
		for _, l := range strings.Split(ansi.Wrap(common.Message("error: "+it.Error), w, ""), "\n") {
			lines = append(lines, st.FlashError.Render(common.Cell(l, w)))
		}
	}
	if s := it.Result.Summary; s != "" && s != it.Error {
		lines = append(lines, common.Cell(s, w))
	}
	if out := strings.TrimRight(it.Result.Output, "\n"); out != "" {
		outLines := strings.Split(out, "\n")
		room := max(h-len(lines)-1, 1)
		if len(outLines) > room {
			outLines = outLines[len(outLines)-room:]
		}
		lines = append(lines, st.Subtle.Render("output (end):"))
		for _, l := range outLines {
			lines = append(lines, st.Code.Render(common.Cell("  "+l, w)))
		}
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
