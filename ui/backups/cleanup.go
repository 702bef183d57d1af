package backups

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// policyFields are the cleanup form's answers, as typed.
type policyFields struct{ last, daily, weekly, monthly, olderThan string }

func fieldsFrom(p backup.Policy) *policyFields {
	n := func(v int) string { return strconv.Itoa(max(v, 0)) }
	older := ""
	if p.Within > 0 {
		older = formatAge(p.Within)
	}
	return &policyFields{last: n(p.Last), daily: n(p.Daily), weekly: n(p.Weekly), monthly: n(p.Monthly), olderThan: older}
}

// formatAge writes whole days as "30d", else as Go does ("36h0m0s").
func formatAge(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

func parseCount(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("a whole number, 0 for none")
	}
	return n, nil
}

// parseAge reads "30d", "720h" or "" (no age rule).
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("an age such as 30d or 720h, empty for none")
	}
	return d, nil
}

// policy turns the answers into a policy (every field was validated).
func (f *policyFields) policy() (backup.Policy, error) {
	var p backup.Policy
	var err error
	counts := []struct {
		to *int
		in string
	}{{&p.Last, f.last}, {&p.Daily, f.daily}, {&p.Weekly, f.weekly}, {&p.Monthly, f.monthly}}
	for _, c := range counts {
		if *c.to, err = parseCount(c.in); err != nil {
			return p, err
		}
	}
	if p.Within, err = parseAge(f.olderThan); err != nil {
		return p, err
	}
	if p.Empty() {
		return p, fmt.Errorf("set at least one rule: a count above 0 or an age")
	}
	return p, nil
}

func validate[T any](parse func(string) (T, error)) func(string) error {
	return func(s string) error { _, err := parse(s); return err }
}

// policyForm is the cleanup dialog's first step: the rules, prefilled
// from [backup.retention]; enter on the last field previews them.
type policyForm struct {
	c       *common.Context
	t       tenants.Tenant
	f       *policyFields
	form    *huh.Form
	err     error
	preview func(backup.Policy) tea.Cmd
	width   int
	height  int
}

func newPolicyForm(c *common.Context, t tenants.Tenant, preview func(backup.Policy) tea.Cmd) *policyForm {
	p := &policyForm{c: c, t: t, f: fieldsFrom(backup.PolicyFrom(c.Config.Backup.Retention)), preview: preview}
	p.form = p.build()
	return p
}

func (p *policyForm) build() *huh.Form {
	f := p.f
	count := func(key, title string, v *string) huh.Field {
		return huh.NewInput().Key(key).Title(title).Value(v).Validate(validate(parseCount)).Inline(true)
	}
	return huh.NewForm(huh.NewGroup(
		count("last", "Keep last     ", &f.last),
		count("daily", "Keep daily    ", &f.daily),
		count("weekly", "Keep weekly   ", &f.weekly),
		count("monthly", "Keep monthly  ", &f.monthly),
		huh.NewInput().Key("older").Title("Older than    ").Placeholder("e.g. 30d").Value(&f.olderThan).
			Validate(validate(parseAge)).Inline(true),
	)).WithShowHelp(false).WithTheme(huh.ThemeFunc(func(bool) *huh.Styles { return huh.ThemeCharm(p.c.Styles.IsDark) }))
}

func (p *policyForm) IsDialog()       {}
func (p *policyForm) Title() string   { return "Clean up" }
func (p *policyForm) Capturing() bool { return true }
func (p *policyForm) Init() tea.Cmd   { return p.form.Init() }
func (p *policyForm) SetSize(w, h int) {
	p.width, p.height = w, h
	p.form = p.form.WithWidth(min(max(w-10, 30), 60))
}

func (p *policyForm) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	if kp, ok := msg.(tea.KeyPressMsg); ok && key.Matches(kp, p.c.Keys.Back) {
		return p, common.Back()
	}
	if p.form.State == huh.StateCompleted {
		return p, nil // previewing: the dialog is going
	}
	fm, cmd := p.form.Update(msg)
	p.form = fm.(*huh.Form)
	if p.form.State != huh.StateCompleted {
		return p, cmd
	}
	policy, err := p.f.policy()
	if err != nil { // no rule: ask again, with the values typed
		p.err = err
		p.form = p.build()
		p.SetSize(p.width, p.height)
		return p, p.form.Init()
	}
	return p, tea.Sequence(common.Back(), p.preview(policy))
}

func (p *policyForm) View() string {
	st := p.c.Styles
	var b strings.Builder
	b.WriteString(st.DialogTitle.Render("Clean up backups of "+termtext.Line(p.t.Name)) + "\n")
	b.WriteString(st.Subtle.Render("Counts keep the newest of each; 0 skips a rule. The newest") + "\n")
	b.WriteString(st.Subtle.Render("complete backup is always kept. Enter previews.") + "\n\n")
	b.WriteString(p.form.View())
	if p.err != nil {
		b.WriteString("\n" + st.FlashError.Render(p.err.Error()))
	}
	b.WriteString("\n" + st.Subtle.Render("tab/enter next field · esc cancels"))
	return st.Dialog.Render(b.String())
}

func (p *policyForm) ShortHelp() []key.Binding {
	k := p.c.Keys
	next, cancel := k.NextField, k.Back
	next.SetHelp("enter", "next / preview")
	cancel.SetHelp("esc", "cancel")
	return []key.Binding{next, cancel}
}

func (p *policyForm) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }
