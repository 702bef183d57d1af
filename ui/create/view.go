package create

import (
	"fmt"
	"strings"
	"time"

	"github.com/tenancy-dev/tenancy/tenants"
)

// View implements common.Screen.
func (m *Model) View() string {
	st := m.c.Styles
	if m.phase == editing {
		return st.Title.Render("Create a tenant") + "\n" + m.form.View()
	}
	var b strings.Builder
	b.WriteString(st.Title.Render("Creating tenant "+m.f.request().Name) + "\n\n")
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
		line := fmt.Sprintf(" %s %-11s", glyph, step)
		if ok && s.msg != "" {
			line += " " + s.msg
		} else if ok && s.state == tenants.StepSkipped {
			line += " skipped"
		}
		b.WriteString(style.Render(line) + "\n")
	}
	b.WriteString("\n")
	switch {
	case m.phase == running:
		b.WriteString(st.Subtle.Render("esc cancels and rolls back"))
	case m.err == nil:
		t := m.result
		b.WriteString(st.FlashInfo.Render(fmt.Sprintf("Created tenant [%d] %s in %s", t.Index, t.Name, m.took.Round(10*time.Millisecond))) + "\n")
		b.WriteString(fmt.Sprintf("  id        %s\n  database  %s on %s\n", t.ID, t.Database, t.Server))
		b.WriteString(st.Subtle.Render("enter opens it · esc goes back"))
	default:
		b.WriteString(m.failure())
	}
	return b.String()
}

// failure says which step failed and what was undone.
func (m *Model) failure() string {
	st := m.c.Styles
	se := stepError(m.err)
	if se == nil {
		return st.FlashError.Render("Not created: "+m.err.Error()) + "\n" + st.Subtle.Render("nothing was changed · esc goes back")
	}
	var b strings.Builder
	b.WriteString(st.FlashError.Render(fmt.Sprintf("Step %s failed: %v", se.Step, se.Err)) + "\n")
	if se.RollbackErr != nil {
		b.WriteString(st.Danger.Render("Rolling back also failed: "+se.RollbackErr.Error()) + "\n")
		b.WriteString("Check server for leftovers of " + m.f.request().Database + "\n")
	} else {
		b.WriteString(st.StepDone.Render("Everything already done was rolled back: nothing is left behind.") + "\n")
	}
	b.WriteString(st.Subtle.Render("esc goes back"))
	return b.String()
}
