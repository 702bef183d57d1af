package detail

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
)

// lifecycleKeys are the detail screen's edit and maintenance keys. They
// live here until ui/keys (being changed by the runs work) takes them as
// the actions edit, maintenance_down and maintenance_up.
type lifecycleKeys struct{ Edit, Down, Up key.Binding }

func newLifecycleKeys(readOnly bool) lifecycleKeys {
	k := lifecycleKeys{
		Edit: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit")),
		Down: key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "maintenance on")),
		Up:   key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "maintenance off")),
	}
	if readOnly {
		k.Edit.SetEnabled(false)
		k.Down.SetEnabled(false)
		k.Up.SetEnabled(false)
	}
	return k
}

// refused reports a lifecycle key pressed in read-only mode.
func refusedLifecycle(msg tea.KeyPressMsg) bool {
	return key.Matches(msg, newLifecycleKeys(false).Edit, newLifecycleKeys(false).Down, newLifecycleKeys(false).Up)
}

// downFields are the maintenance form's values.
type downFields struct {
	message, retry, secret, allow string
	save                          bool
}

func (f *downFields) request() (tenants.DownRequest, error) {
	req := tenants.DownRequest{Message: strings.TrimSpace(f.message), Secret: strings.TrimSpace(f.secret)}
	if r := strings.TrimSpace(f.retry); r != "" {
		n, err := strconv.Atoi(r)
		if err != nil {
			return req, fmt.Errorf("retry %q is not a number of seconds", r)
		}
		req.Retry = n
	}
	for _, a := range strings.Split(f.allow, ",") {
		if a = strings.TrimSpace(a); a != "" {
			req.Allowed = append(req.Allowed, a)
		}
	}
	return req, req.Validate()
}

// downForm asks how to put t down (opened with m).
func (m *Model) downForm() tea.Cmd {
	t := m.t
	f := &downFields{retry: "60"}
	if cur := t.Maintenance; cur != nil { // change a maintenance in place
		f.message, f.secret, f.allow = termtext.Line(cur.Message), termtext.Line(cur.Secret), termtext.Line(strings.Join(cur.Allowed, ", "))
		f.retry = ""
		if cur.Retry > 0 {
			f.retry = strconv.Itoa(cur.Retry)
		}
	}
	check := func(edit func(*downFields, string)) func(string) error {
		return func(s string) error {
			g := *f
			edit(&g, s)
			_, err := g.request()
			return err
		}
	}
	group := huh.NewGroup(
		huh.NewInput().Key("message").Title("Message").Placeholder("e.g. Back at 14:00").Value(&f.message).
			Validate(check(func(g *downFields, s string) { g.message = s })),
		huh.NewInput().Key("retry").Title("Retry-After (seconds)").Value(&f.retry).
			Validate(check(func(g *downFields, s string) { g.retry = s })),
		huh.NewInput().Key("secret").Title("Bypass secret").Description("visiting /SECRET lets a browser in; may be empty").
			Value(&f.secret).Validate(check(func(g *downFields, s string) { g.secret = s })),
		huh.NewInput().Key("allow").Title("Allowed IPs").Description("comma-separated addresses or CIDR ranges").
			Placeholder("e.g. 203.0.113.7, 10.0.0.0/8").Value(&f.allow).Validate(check(func(g *downFields, s string) { g.allow = s })),
		saveQuestion("Put it down? Visitors get 503 until it is brought up.", "Put down", &f.save),
	)
	title := "Maintenance: " + termtext.Line(t.Name)
	return common.Push(newFormScreen(m.c, title, &f.save, func() tea.Cmd { return m.putDown(t, f) }, group))
}

func (m *Model) putDown(t tenants.Tenant, f *downFields) tea.Cmd {
	req, err := f.request()
	if err != nil {
		return common.FlashError(err)
	}
	return m.c.Run(func(ctx context.Context) tea.Msg {
		if _, err := m.c.Service.Down(ctx, t, req); err != nil {
			return common.FlashMsg{Text: fmt.Sprintf("put tenant %s down: %v", termtext.Line(t.Name), err), Error: true}
		}
		return tea.BatchMsg{common.Flash("tenant " + termtext.Line(t.Name) + " is down for maintenance"), common.TenantsChanged()}
	})
}

// confirmUp asks before bringing t up (work may still be in progress).
func (m *Model) confirmUp() tea.Cmd {
	t := m.t
	if t.Maintenance == nil {
		return common.Flash("tenant " + termtext.Line(t.Name) + " is not in maintenance mode")
	}
	return common.Push(confirm.New(m.c, confirm.Options{
		Title: "Bring " + t.Name + " up?", Lines: []string{"Its visitors are served again at once."},
		Action: "Bring up", OnConfirm: m.bringUp(t),
	}))
}

func (m *Model) bringUp(t tenants.Tenant) tea.Cmd {
	return m.c.Run(func(ctx context.Context) tea.Msg {
		if _, err := m.c.Service.Up(ctx, t); err != nil {
			return common.FlashMsg{Text: fmt.Sprintf("bring tenant %s up: %v", termtext.Line(t.Name), err), Error: true}
		}
		return tea.BatchMsg{common.Flash("tenant " + termtext.Line(t.Name) + " is up"), common.TenantsChanged()}
	})
}

// maintenanceLine describes t's maintenance mode for the detail screen.
func maintenanceLine(mt *tenants.Maintenance) string {
	return termtext.Line(mt.Summary())
}
