package backups

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	humanize "github.com/dustin/go-humanize"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// View implements common.Screen.
func (m *Model) View() string {
	st := m.c.Styles
	var b strings.Builder
	title := truncate(m.Title(), m.width)
	head := st.Title.Render(title)
	where := fmt.Sprintf("  %s on %s", termtext.Line(m.t.Database), termtext.Line(m.t.Server))
	if m.have && lipgloss.Width(title)+lipgloss.Width(where) <= m.width {
		head += st.Subtle.Render(where)
	}
	b.WriteString(head + "\n")
	b.WriteString(st.Subtle.Render(fmt.Sprintf("next backup: %s, %s", m.kind, m.compression)) + "\n\n")
	lines := 3
	if m.job != nil {
		prog := m.progressView()
		if m.job.restore != nil {
			prog = m.restoreView()
		}
		b.WriteString(prog + "\n")
		lines += strings.Count(prog, "\n") + 2
	} else if m.outcome != "" {
		style := st.FlashInfo
		if m.outcomeError {
			style = st.FlashError
		}
		b.WriteString(style.Render(truncate(common.Message(m.outcome), m.width)) + "\n\n")
		lines += 2
	}
	switch {
	case m.loadErr != nil:
		b.WriteString(st.FlashError.Render(truncate(common.Message(m.loadErr.Error()), m.width)))
	case !m.have:
		b.WriteString(st.Subtle.Render("loading…"))
	case len(m.list) == 0 && m.c.ReadOnly:
		b.WriteString(st.Subtle.Render("No backups yet."))
	case len(m.list) == 0:
		b.WriteString(st.Subtle.Render("No backups yet: press c to make one."))
	default:
		b.WriteString(m.table(max(m.height-lines-1, 1)))
	}
	return b.String()
}

// truncate cuts plain text (escaped already) to w cells with an ellipsis.
func truncate(s string, w int) string {
	if w > 1 {
		return ansi.Truncate(s, w, "…")
	}
	return s
}

// table lists the backups newest first, scrolled to keep the cursor in
// the rows that fit.
func (m *Model) table(rows int) string {
	st := m.c.Styles
	var b strings.Builder
	b.WriteString(st.TableHeader.Render(truncate(fmt.Sprintf("  %-5s %-19s %-9s %9s %-8s %-9s %s", "ID", "STARTED (UTC)", "KIND", "SIZE", "FORMAT", "STATUS", "VERIFIED"), m.width)) + "\n")
	first := 0
	if m.cursor >= rows {
		first = m.cursor - rows + 1
	}
	for i := first; i < len(m.list) && i < first+rows; i++ {
		bk := m.list[len(m.list)-1-i]
		verified := "-"
		if bk.VerifiedAt != nil {
			verified = bk.VerifiedAt.UTC().Format("2006-01-02") // the day: FORMAT's +age leaves no room for the time at 80 columns
		}
		format := bk.Compression
		if bk.Encrypted() {
			format += "+age" // restoring it needs an identity file
		}
		line := fmt.Sprintf("%-5d %-19s %-9s %9s %-8s %-9s %s", bk.ID, bk.StartedAt.UTC().Format("2006-01-02 15:04:05"),
			bk.Kind, humanize.IBytes(uint64(bk.Size)), format, bk.Status, verified)
		style, mark := lipgloss.NewStyle(), "  "
		if i == m.cursor {
			style, mark = st.Cursor, "> "
		}
		b.WriteString(style.Render(truncate(mark+termtext.Line(line), m.width))) // the catalog's strings are rows of the central database
		if i+1 < len(m.list) && i+1 < first+rows {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// barWidth is the width of the progress bars.
const barWidth = 24

func bar(done, total int64) string {
	frac := 0.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	n := int(frac * barWidth)
	return "[" + strings.Repeat("█", n) + strings.Repeat("─", barWidth-n) + fmt.Sprintf("] %3.0f%%", frac*100)
}

// maxTableBars bounds the per-table bars shown while a backup runs.
const maxTableBars = 8

// progressView is the running backup: overall bar, rates, ETA, elapsed,
// then a bar per table.
func (m *Model) progressView() string {
	st := m.c.Styles
	p := m.job.last
	elapsed := p.Elapsed
	var b strings.Builder
	step := p.Step
	if step == "" {
		step = "starting"
	}
	b.WriteString(st.StepRun.Render(truncate(fmt.Sprintf("Backing up %s: %s", termtext.Line(m.t.Name), termtext.Line(step)), m.width)) + "\n")
	line := fmt.Sprintf("overall %s  %s/~%s rows", bar(p.Done, p.Total), humanize.Comma(p.Done), humanize.Comma(p.Total))
	b.WriteString(line + "\n")
	secs := elapsed.Seconds()
	rates := fmt.Sprintf("raw %s", humanize.IBytes(uint64(p.Bytes)))
	if secs > 0 {
		rates += fmt.Sprintf(" (%.1f MB/s)", float64(p.Bytes)/secs/1e6)
		rates += fmt.Sprintf("  written %s (%.1f MB/s)", humanize.IBytes(uint64(p.Written)), float64(p.Written)/secs/1e6)
	}
	if eta, ok := estimate(p); ok {
		rates += "  ETA " + eta.String()
	}
	rates += "  elapsed " + elapsed.Round(time.Second).String()
	b.WriteString(st.Subtle.Render(truncate(rates, m.width)) + "\n")
	shown := m.job.order
	if len(shown) > maxTableBars {
		shown = shown[len(shown)-maxTableBars:]
	}
	for _, t := range shown { // table names come from the tenant's database
		v := m.job.tables[t]
		b.WriteString(truncate(fmt.Sprintf("  %s %s  %s/~%s", common.Cell(t, 20), bar(v[0], v[1]), humanize.Comma(v[0]), humanize.Comma(v[1])), m.width) + "\n")
	}
	b.WriteString(st.Subtle.Render("esc cancels: nothing partial is kept"))
	return b.String()
}

// estimate is the time left from rows done against the estimate.
func estimate(p backup.Progress) (time.Duration, bool) {
	return remaining(p.Done, p.Total, p.Elapsed)
}

// remaining is the time left when done of total took elapsed.
func remaining(done, total int64, elapsed time.Duration) (time.Duration, bool) {
	if total <= 0 || done <= 0 || done >= total {
		return 0, false
	}
	frac := float64(done) / float64(total)
	return time.Duration(elapsed.Seconds()/frac*(1-frac)) * time.Second, true
}
