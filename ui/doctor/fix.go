package doctor

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/access"
	health "github.com/tenancy-dev/tenancy/doctor"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
)

// fixStartedMsg says the confirmed fixes started (the screen is Busy).
type fixStartedMsg struct{}

// fixedMsg says the fixes ended; the screen scans again.
type fixedMsg struct{}

func errNoFix(f health.Finding) error {
	return fmt.Errorf("%s has no automatic fix: %s", f.Check, orNone(f.Fix))
}

func orNone(s string) string {
	if s == "" {
		return "see its evidence"
	}
	return s
}

// targets are the marked findings, or the selected one when none is
// marked, that have an automatic fix.
func (m *Model) targets() []health.Finding {
	var out []health.Finding
	if len(m.marks) > 0 {
		for _, f := range m.rep.Findings {
			if m.marks[findingKey(f)] && f.FixKind != health.FixNone {
				out = append(out, f)
			}
		}
		return out
	}
	if f, ok := m.current(); ok && f.FixKind != health.FixNone {
		out = append(out, f)
	}
	return out
}

// askFix opens the confirmation of the targets' fixes, or flashes why
// there is nothing to do. Destructive fixes need the admin role; an
// operator's dialog applies the safe ones and says the others were left.
func (m *Model) askFix() tea.Cmd {
	if m.fixing {
		return common.FlashError(errors.New("fixes are being applied: wait for them to end"))
	}
	if f, ok := m.current(); ok && len(m.marks) == 0 && f.FixKind == health.FixNone {
		return common.FlashError(errNoFix(f))
	}
	var safe, drops []health.Finding
	for _, f := range m.targets() {
		if f.FixKind == health.FixDestructive {
			drops = append(drops, f)
		} else {
			safe = append(safe, f)
		}
	}
	admin := access.Allowed(m.c.Ctx(), access.DoctorFixDestructive)
	var left []health.Finding
	if !admin {
		left, drops = drops, nil
	}
	if len(safe)+len(drops) == 0 {
		if len(left) > 0 {
			return common.FlashError(fmt.Errorf("%s need the admin role (drops and deletions): ask an admin", common.Plural(len(left), "destructive fix")))
		}
		return common.FlashError(errors.New("nothing marked has an automatic fix"))
	}
	plan := health.PlanFixes(health.Report{Findings: append(safe, drops...)}, false)
	return common.Push(confirm.New(m.c, fixOptions(m.c, plan, safe, drops, left)))
}

// fixOptions is the confirmation of plan: what runs, what is changed
// directly, what is dropped (typed: the object's name for one drop,
// "drop N" for several, as the CLI asks).
func fixOptions(c *common.Context, plan health.Plan, safe, drops, left []health.Finding) confirm.Options {
	n := len(safe) + len(drops)
	o := confirm.Options{Title: fmt.Sprintf("Fix %s?", common.Plural(n, "finding")), Action: "Fix"}
	for _, r := range plan.Runs {
		o.Lines = append(o.Lines, fmt.Sprintf("Run %s over %s (recorded: see :runs).", r.Operation, common.Plural(len(r.Tenants), "tenant")))
	}
	if d := len(plan.Direct); d > 0 {
		o.Lines = append(o.Lines, fmt.Sprintf("Apply %s directly (catalog rows, cache entries, statuses, domain rows).", common.Plural(d, "safe fix")))
	}
	for _, f := range append(safe, drops...) {
		o.Items = append(o.Items, fmt.Sprintf("%s %s: %s", f.Check, f.Object, f.Fix))
	}
	if len(left) > 0 {
		o.Lines = append(o.Lines, fmt.Sprintf("%s left alone: destructive fixes need the admin role.", common.Plural(len(left), "marked finding")))
	}
	o.Note = "Each fix re-checks its object first; the health list is scanned again after."
	if len(drops) > 0 {
		o.Danger, o.Action = true, "Fix and drop"
		o.Require = fmt.Sprintf("drop %d", len(drops))
		if len(drops) == 1 {
			o.Require = drops[0].Object
		}
		o.Note = fmt.Sprintf("%s: what is listed is dropped or deleted. Databases are backed up first (kind orphan, kept apart from retention) and not dropped if the backup fails.", common.Plural(len(drops), "destructive fix"))
	}
	o.OnConfirm = apply(c, plan, len(drops) > 0)
	return o
}

// apply runs the fixes in the background with a footer task, then
// flashes the outcome and tells the lists to reload.
func apply(c *common.Context, plan health.Plan, allowDrop bool) tea.Cmd {
	task := fmt.Sprintf("doctor-fix-%d", c.NextID())
	return tea.Batch(func() tea.Msg { return fixStartedMsg{} }, common.StartTask(task, "health: applying fixes"),
		c.Run(func(ctx context.Context) tea.Msg {
			var res health.FixResult
			s, err := common.Local[dashboard](c).service(ctx, c)
			if err == nil {
				res, err = s.Fix(ctx, plan, health.FixOptions{AllowDrop: allowDrop, Limits: fleet.Limits{Parallel: fleet.DefaultParallel}})
			}
			return tea.BatchMsg{
				func() tea.Msg { return fixedMsg{} },
				common.EndTask(task),
				outcome(res, err),
				common.TenantsChanged(),
			}
		}))
}

// outcome is the footer line for applied fixes.
func outcome(res health.FixResult, err error) tea.Cmd {
	if err != nil {
		return common.FlashError(fmt.Errorf("fix: %w", err))
	}
	done := len(res.Applied) - countFailed(res.Applied)
	for _, r := range res.Runs {
		done += r.Done
	}
	if res.Failed > 0 {
		first := ""
		for _, a := range res.Applied {
			if !a.Done {
				first = ": " + a.Finding.Check + " " + a.Finding.Object + ": " + a.Error
				break
			}
		}
		return common.FlashError(fmt.Errorf("%d fixed, %d failed%s", done, res.Failed, first))
	}
	return common.Flash(fmt.Sprintf("%d fixed; scanning again", done))
}

func countFailed(list []health.Applied) int {
	n := 0
	for _, a := range list {
		if !a.Done {
			n++
		}
	}
	return n
}
