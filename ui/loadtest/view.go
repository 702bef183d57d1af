package loadtest

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/guptarohit/asciigraph"

	"github.com/tenancy-dev/tenancy/perf"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// View implements common.Screen.
func (m *Model) View() string {
	st := m.c.Styles
	switch m.phase {
	case editing:
		return st.Title.Render("Load test: "+m.target()) + "\n" + m.form.View()
	case finished:
		return m.finishedView()
	}
	var b strings.Builder
	b.WriteString(st.Title.Render(m.headline()) + "\n")
	b.WriteString(m.progressLine() + "\n")
	if m.last == nil {
		return b.String()
	}
	t := m.last.Total
	b.WriteString(fmt.Sprintf("%.1f ops/s  p50 %.2f  p95 %.2f  p99 %.2f ms  err/s %.2f  retries %d  conns %d\n\n",
		t.OpsPerSec, t.P50, t.P95, t.P99, t.ErrorsPerSec, t.Retries, t.ConnsInUse))
	chartH := max(min((m.height-8)/3, 8), 2)
	b.WriteString(m.charts(chartH) + "\n\n")
	b.WriteString(m.table(m.height - chartH - 7))
	return b.String()
}

func (m *Model) headline() string {
	o := m.opts
	length := o.Duration.String()
	if o.Ops > 0 {
		length = fmt.Sprintf("%d ops", o.Ops)
	}
	mode := "closed loop"
	if o.Rate > 0 {
		mode = fmt.Sprintf("%.0f ops/s", o.Rate)
	}
	return fmt.Sprintf("Load test · %s × %d users · %s · %s · mix r/i/u/d %d/%d/%d/%d",
		m.target(), o.Users, length, mode, o.Mix[perf.Read], o.Mix[perf.Insert], o.Mix[perf.Update], o.Mix[perf.Delete])
}

// progressLine shows the bar and time during the run, or the phase before
// and after it.
func (m *Model) progressLine() string {
	st := m.c.Styles
	p := m.stage
	switch {
	case m.stopping && p.Phase != perf.PhaseVerify && p.Phase != perf.PhaseCleanup:
		return st.StepRun.Render("stopping the users…")
	case p.Phase == perf.PhasePrepare || p.Phase == "":
		return st.StepRun.Render(fmt.Sprintf("preparing work tables %d/%d", p.Done, p.Total))
	case p.Phase == perf.PhaseVerify:
		return st.StepRun.Render("verifying isolation…")
	case p.Phase == perf.PhaseCleanup:
		return st.StepRun.Render(fmt.Sprintf("dropping work tables %d/%d", p.Done, p.Total))
	case p.Phase == perf.PhaseWarmup:
		return m.bar.ViewAs(0) + "  " + st.Subtle.Render("warming up")
	}
	elapsed := time.Duration(m.last.Elapsed * float64(time.Second)).Round(time.Second)
	if m.opts.Ops > 0 {
		return m.bar.ViewAs(min(float64(m.done)/float64(m.opts.Ops), 1)) + fmt.Sprintf("  %d / %d ops · %s", m.done, m.opts.Ops, elapsed)
	}
	left := max(m.opts.Duration-elapsed, 0)
	return m.bar.ViewAs(min(elapsed.Seconds()/m.opts.Duration.Seconds(), 1)) + fmt.Sprintf("  %s / %s · %s left", elapsed, m.opts.Duration, left)
}

// charts draws total ops/s and p99 side by side.
func (m *Model) charts(h int) string {
	if len(m.ops) == 0 {
		return m.c.Styles.Subtle.Render("charts start after the first measured interval")
	}
	colW := max((m.width-2)/2, 20)
	plot := func(data []float64, caption string, precision uint) string {
		return lipgloss.NewStyle().Width(colW).Render(asciigraph.Plot(data, asciigraph.Height(h),
			asciigraph.Width(max(colW-12, 8)), asciigraph.Precision(precision), asciigraph.Caption(caption)))
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, plot(m.ops, "total ops/s", 0), "  ", plot(m.p99, "p99 ms", 2))
}

// table lists each tenant's last interval in at most rows lines.
func (m *Model) table(rows int) string {
	st := m.c.Styles
	nameW := max(min(m.width-58, 30), 8)
	format := "%s %10s %8s %8s %8s %8s %6s"
	var b strings.Builder
	b.WriteString(st.TableHeader.Render(fmt.Sprintf(format, common.Cell("tenant", nameW), "ops/s", "p50 ms", "p95 ms", "p99 ms", "err/s", "conns")) + "\n")
	list := m.last.Tenants
	shown := min(len(list), max(rows-1, 1))
	if shown < len(list) {
		shown-- // room for the "more" line
	}
	for _, t := range list[:max(shown, 0)] {
		b.WriteString(fmt.Sprintf(format, common.Cell(t.Name, nameW), fmt.Sprintf("%.1f", t.OpsPerSec), fmt.Sprintf("%.2f", t.P50),
			fmt.Sprintf("%.2f", t.P95), fmt.Sprintf("%.2f", t.P99), fmt.Sprintf("%.2f", t.ErrorsPerSec), fmt.Sprint(t.ConnsInUse)) + "\n")
	}
	if shown < len(list) {
		b.WriteString(st.Subtle.Render(fmt.Sprintf("… and %d more tenants", len(list)-max(shown, 0))))
	}
	return strings.TrimRight(b.String(), "\n")
}

func (m *Model) finishedView() string {
	st := m.c.Styles
	if m.rep == nil {
		return st.FlashError.Render("The load test did not run: "+common.Message(m.err.Error())) + "\n" + st.Subtle.Render("esc goes back")
	}
	// the verdict is said once, here: the report's own line is left out
	var head []string
	iso := m.rep.Isolation
	wrap := lipgloss.NewStyle().Width(max(m.width, 20))
	if iso.Passed {
		words := "Isolation held: every tenant's table held only its own rows, as many as its users committed"
		if len(iso.Pairs) > 0 {
			words += fmt.Sprintf(", and all %d cross-tenant logins tried were refused", len(iso.Pairs))
		}
		head = append(head, wrap.Inherit(st.StepDone).Render(words+"."))
	} else {
		n := len(iso.Failures())
		head = append(head, wrap.Inherit(st.Danger).Render(fmt.Sprintf(
			"ISOLATION FAILED: a tenant reached data that is not its own, or lost rows (%s: the evidence is under Isolation below).",
			common.Plural(n, "failure"))))
	}
	if m.rep.Cancelled {
		head = append(head, st.Subtle.Render("Stopped early: the figures cover the time measured."))
	}
	switch {
	case m.err != nil:
		head = append(head, st.FlashError.Render("The report could not be saved: "+common.Message(m.err.Error())))
	default:
		head = append(head, "Report saved to "+termtext.Line(m.path))
	}
	top := strings.Join(head, "\n")
	vp := m.report
	vp.SetHeight(max(m.height-lipgloss.Height(top)-1, 3))
	more := fmt.Sprintf("lines %d-%d/%d · j/k pgdn/pgup scroll · esc back", vp.YOffset()+1,
		min(vp.YOffset()+vp.Height(), vp.TotalLineCount()), vp.TotalLineCount())
	return top + "\n" + vp.View() + "\n" + st.Subtle.Render(ansi.Truncate(more, m.width, "…"))
}

// wrapReport drops the report's isolation line (the screen's head says
// the verdict) and wraps each line to width, continuing under its
// indentation plus two.
func wrapReport(text string, width int) string {
	width = max(width, 20)
	var out []string
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if strings.HasPrefix(trimmed, "isolation PASSED") || strings.HasPrefix(trimmed, "isolation FAILED") {
			continue
		}
		indent := strings.Repeat(" ", min(len(line)-len(trimmed)+2, width/2))
		parts := strings.SplitN(ansi.Wrap(line, width, ""), "\n", 2)
		out = append(out, parts[0])
		if len(parts) == 2 {
			rest := strings.TrimLeft(strings.ReplaceAll(parts[1], "\n", " "), " ")
			for _, q := range strings.Split(ansi.Wrap(rest, width-len(indent), ""), "\n") {
				out = append(out, indent+q)
			}
		}
	}
	return strings.Join(out, "\n")
}
