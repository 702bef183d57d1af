package create

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// View implements common.Screen.
func (m *Model) View() string {
	st := m.c.Styles
	if m.phase == editing {
		return st.Title.Render("Create a tenant") + "\n" + squeeze(m.form.View(), m.height-1)
	}
	var b strings.Builder
	b.WriteString(st.Title.Render("Creating tenant "+termtext.Line(m.f.request().Name)) + "\n\n")
	for _, step := range tenants.CreateSteps {
		s, ok := m.steps[step]
		glyph, style := "·", st.Subtle
		switch {
		case !ok:
		case s.state == tenants.StepStarted && m.phase == running:
			glyph, style = m.spin.View(), st.StepRun
		case s.state == tenants.StepDone:
			glyph, style = "✓", st.StepDone
		case s.state == tenants.StepSkipped:
			glyph = "–"
		case s.state == tenants.StepFailed:
			glyph, style = "✗", st.StepFailed
		}
		head := fmt.Sprintf(" %s %-11s ", glyph, step)
		msg := ""
		if ok && s.msg != "" {
			msg = common.Message(s.msg) // the service's words name the database, the domains
		} else if ok && s.state == tenants.StepSkipped {
			msg = "skipped"
		}
		b.WriteString(hanging(style, head, msg, m.width) + "\n")
	}
	b.WriteString("\n")
	switch {
	case m.phase == running:
		b.WriteString(st.Subtle.Render("esc cancels and rolls back"))
	case m.err == nil:
		t := m.result
		b.WriteString(st.FlashInfo.Render(fmt.Sprintf("Created tenant [%d] %s in %s", t.Index, termtext.Line(t.Name), m.took.Round(10*time.Millisecond))) + "\n")
		b.WriteString(fmt.Sprintf("  id        %s\n  database  %s on %s\n", termtext.Line(t.ID), termtext.Line(t.Database), termtext.Line(t.Server)))
		b.WriteString(st.Subtle.Render("enter opens it · esc goes back"))
	default:
		b.WriteString(m.failure())
	}
	return b.String()
}

// squeeze fits the form to h lines: huh sizes its fields without the
// error message wrapping onto more lines, so blank filler lines give way
// to it (the last blank ones first) rather than the error being cut.
func squeeze(v string, h int) string {
	lines := strings.Split(v, "\n")
	for i := len(lines) - 1; i >= 0 && len(lines) > h; i-- {
		if strings.TrimSpace(ansi.Strip(lines[i])) == "" {
			lines = append(lines[:i], lines[i+1:]...)
		}
	}
	return strings.Join(lines, "\n")
}

// failure says which step failed and what was undone.
func (m *Model) failure() string {
	st := m.c.Styles
	se := stepError(m.err)
	if se == nil {
		msg := strings.TrimPrefix(m.err.Error(), "create tenant: ") // "Not created" says it
		return m.wrap(st.FlashError, "Not created: "+common.Message(msg)) + "\n" + st.Subtle.Render("nothing was changed · enter edits the form · esc goes back")
	}
	var b strings.Builder
	b.WriteString(m.wrap(st.FlashError, common.Message(fmt.Sprintf("Step %s failed: %v", se.Step, se.Err))) + "\n")
	if se.RollbackErr != nil {
		b.WriteString(m.wrap(st.Danger, "Rolling back also failed: "+common.Message(se.RollbackErr.Error())) + "\n")
		b.WriteString(m.wrap(st.App, "Check server "+termtext.Line(m.f.server)+" for leftovers of "+termtext.Line(m.f.request().Database)) + "\n")
	} else {
		b.WriteString(m.wrap(st.StepDone, "Everything already done was rolled back: nothing is left behind.") + "\n")
	}
	b.WriteString(st.Subtle.Render("enter edits the form and retries · esc goes back"))
	return b.String()
}

// wrap renders text in style, wrapped at word boundaries to the width.
func (m *Model) wrap(style lipgloss.Style, text string) string {
	return style.Width(max(m.width-1, 20)).Render(text)
}

// hanging renders head then text wrapped to width, its next lines
// indented under the text's start.
func hanging(style lipgloss.Style, head, text string, width int) string {
	indent := lipgloss.Width(head)
	body := lipgloss.NewStyle().Width(max(width-1-indent, 20)).Render(text)
	lines := strings.Split(body, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
		if i > 0 {
			lines[i] = strings.Repeat(" ", indent) + lines[i]
		}
	}
	return style.Render(head + strings.Join(lines, "\n"))
}
