package audit

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/audit"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// View implements common.Screen: a title (or the filter being typed), the
// table's heading and rows, and the selected entry below them; or, when
// expanded, the selected entry alone. Always exactly the screen's height.
func (m *Model) View() string {
	lines := make([]string, 0, m.height)
	lines = append(lines, m.titleLine())
	switch {
	case m.expanded:
		lines = append(lines, m.paneLines(m.height-1, m.paneTop)...)
	case m.err != nil && !m.loaded:
		lines = append(lines, m.c.Styles.FlashError.Render(common.Cell(common.Message("cannot read the audit log: "+m.err.Error()), m.w())))
	case !m.loaded:
		lines = append(lines, m.c.Styles.Subtle.Render("reading the audit log…"))
	case len(m.rows) == 0 && m.query != "":
		lines = append(lines, "", m.c.Styles.Subtle.Render(common.Cell("No entries match the filter (esc clears it).", m.w())))
	case len(m.rows) == 0:
		lines = append(lines, "", m.c.Styles.Subtle.Render(common.Cell("No changes yet: what users change here, over SSH and with the CLI shows up here.", m.w())))
	default:
		lines = append(lines, m.table()...)
		if h := m.paneHeight(); h > 0 {
			lines = append(lines, m.paneLines(h, 0)...)
		}
	}
	for len(lines) < m.height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:max(m.height, 1)], "\n")
}

func (m *Model) w() int { return max(m.width, 1) }

func (m *Model) titleLine() string {
	st := m.c.Styles
	if m.editing {
		return m.filter.View()
	}
	if m.expanded {
		e, _ := m.Cursor()
		return st.Title.Render(fmt.Sprintf("Audit entry #%d", e.ID)) + st.Subtle.Render(" · ↑/↓ scroll · enter/esc back")
	}
	title := "Audit"
	if m.loaded {
		n := fmt.Sprintf("%d entries", len(m.rows))
		switch {
		case m.more:
			n = fmt.Sprintf("%d+ entries", len(m.rows))
		case len(m.rows) == 1:
			n = "1 entry"
		}
		title += " · " + n + ", newest first"
	}
	s := st.Title.Render(title)
	if m.loadID != 0 && m.loaded {
		s += st.Subtle.Render(" · reading…")
	}
	if m.query != "" {
		s += st.Subtle.Render(" · filter ") + common.Cell(m.query, max(m.w()-lipgloss.Width(s)-8, 1))
	}
	return s
}

// rowsHeight is how many entries the table shows.
func (m *Model) rowsHeight() int { return max(m.height-2-m.paneHeight(), 1) }

// paneHeight is the selected entry's part below the table: a third of
// the screen (none on a very short one).
func (m *Model) paneHeight() int {
	if m.height < 9 {
		return 0
	}
	return m.height / 3
}

func (m *Model) table() []string {
	st := m.c.Styles
	cols := columns(m.width)
	out := []string{st.TableHeader.Render(cols.header())}
	loc := m.c.Now().Location()
	h := m.rowsHeight()
	for i := m.offset; i < len(m.rows) && i < m.offset+h; i++ {
		line := cols.row(m.rows[i], loc)
		if i == m.cursor {
			line = st.Cursor.Render(line)
		}
		out = append(out, line)
	}
	for len(out) < h+1 {
		out = append(out, "")
	}
	return out
}

// paneLines are n lines of the selected entry from line top: a rule
// naming it, then who, what, the arguments and the error in full
// (wrapped), the last line saying when there is more (enter shows all).
func (m *Model) paneLines(n, top int) []string {
	e, ok := m.Cursor()
	if !ok || n <= 0 {
		return nil
	}
	st := m.c.Styles
	w := m.w()
	var text []string
	add := func(s string) { text = append(text, strings.Split(ansi.Wrap(common.Message(s), w, ""), "\n")...) }
	add(fmt.Sprintf("#%d · %s · %s (%s) via %s", e.ID, e.Time.In(m.c.Now().Location()).Format("2006-01-02 15:04:05.000000 MST"), e.User, e.Role, e.Via) +
		ifSet(" from ", e.Remote))
	add(string(e.Action) + ifSet(" on ", e.Target) + " → " + e.Outcome)
	if e.Detail != "" {
		add("arguments: " + e.Detail)
	}
	if e.Error != "" {
		add("error: " + e.Error)
	}
	var out []string
	if !m.expanded {
		out = append(out, st.Faint.Render(strings.Repeat("─", w)))
		n--
	}
	top = max(min(top, len(text)-1), 0)
	if m.expanded {
		m.paneTop = top
	}
	text = text[top:]
	if len(text) > n && n > 0 {
		text = append(text[:n-1], st.Subtle.Render(common.Cell("… enter shows all", w)))
	}
	return append(out, text...)
}

func ifSet(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// cols are the table's column widths: when and result are fixed, who,
// action and target share the rest; the arguments get a column of their
// own on wide screens.
type cols struct{ who, action, target, detail int }

const (
	whenWidth   = 14 // 03-14 15:09:26
	resultWidth = 6  // denied, failed
)

func columns(w int) cols {
	free := max(w-whenWidth-resultWidth-4, 30)
	c := cols{who: min(free*2/7, 20), action: min(free*5/14, 22)}
	c.target = free - c.who - c.action
	if c.target > 40 {
		c.detail = c.target - 37
		c.target = 36
	}
	return c
}

func (c cols) header() string {
	s := fmt.Sprintf("%-*s %-*s %-*s %-*s %-*s", whenWidth, "WHEN", c.who, "WHO", c.action, "ACTION", c.target, "TARGET", resultWidth, "RESULT")
	if c.detail > 0 {
		s += " " + common.Cell("ARGUMENTS", c.detail)
	}
	return s
}

func (c cols) row(e audit.Entry, loc *time.Location) string {
	s := common.Cell(e.Time.In(loc).Format("01-02 15:04:05"), whenWidth) + " " + common.Cell(e.User, c.who) + " " +
		common.Cell(string(e.Action), c.action) + " " + common.Cell(e.Target, c.target) + " " + common.Cell(e.Outcome, resultWidth)
	if c.detail > 0 {
		s += " " + common.Cell(e.Detail, c.detail)
	}
	return s
}
