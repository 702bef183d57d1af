package tenantops

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
)

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

// Down asks how to put the tenants down for maintenance, then does; the
// form ends on a question that names how many. One tenant already down
// has its settings filled in (Down changes them in place).
func Down(c *common.Context, ts []tenants.Tenant) tea.Cmd {
	if c.ReadOnly {
		return common.FlashError(tenants.ErrReadOnly)
	}
	if len(ts) == 0 {
		return nil
	}
	f := &downFields{retry: "60"}
	if cur := ts[0].Maintenance; len(ts) == 1 && cur != nil {
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
	question := "Put it down? Visitors get 503 until it is brought up."
	if len(ts) > 1 {
		question = fmt.Sprintf("Put %d tenants down? Their visitors get 503 until they are brought up.", len(ts))
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
		SaveQuestion(question, "Put down", &f.save),
	)
	return common.Push(NewForm(c, "Maintenance: "+names(ts), &f.save, func() tea.Cmd { return putDown(c, ts, f) }, group))
}

func putDown(c *common.Context, ts []tenants.Tenant, f *downFields) tea.Cmd {
	req, err := f.request()
	if err != nil {
		return common.FlashError(err)
	}
	return forEach(c, ts, "putting tenants down", func(ctx context.Context, t tenants.Tenant) (string, error) {
		if req.Form == "" && len(ts) > 1 { // one form for every tenant, as the CLI writes
			form, err := c.Service.MaintenanceFormInUse(ctx)
			if err != nil {
				return "put tenants down", err
			}
			req.Form = form
		}
		_, err := c.Service.Down(ctx, t, req)
		return "put tenant " + termtext.Line(t.Name) + " down", err
	}, done(ts, "down for maintenance"))
}

// ConfirmUp asks before bringing the tenants that are down up (work may
// still be in progress); the others are left alone.
func ConfirmUp(c *common.Context, ts []tenants.Tenant) tea.Cmd {
	if c.ReadOnly {
		return common.FlashError(tenants.ErrReadOnly)
	}
	var down []tenants.Tenant
	for _, t := range ts {
		if t.Maintenance != nil {
			down = append(down, t)
		}
	}
	switch {
	case len(ts) == 0:
		return nil
	case len(ts) == 1 && len(down) == 0:
		return common.Flash("tenant " + termtext.Line(ts[0].Name) + " is not in maintenance mode")
	case len(down) == 0:
		return common.Flash(fmt.Sprintf("none of the %d tenants is in maintenance mode", len(ts)))
	}
	o := confirm.Options{
		Title: "Bring " + names(down) + " up?", Lines: []string{"Its visitors are served again at once."},
		Action: "Bring up", OnConfirm: bringUp(c, down),
	}
	if len(down) > 1 {
		o.Lines, o.Items = []string{"Their visitors are served again at once:"}, list(down)
	}
	return common.Push(confirm.New(c, o))
}

func bringUp(c *common.Context, ts []tenants.Tenant) tea.Cmd {
	return forEach(c, ts, "bringing tenants up", func(ctx context.Context, t tenants.Tenant) (string, error) {
		_, err := c.Service.Up(ctx, t)
		return "bring tenant " + termtext.Line(t.Name) + " up", err
	}, done(ts, "up"))
}

// names is one tenant's name (escaped) or how many tenants there are.
func names(ts []tenants.Tenant) string {
	if len(ts) == 1 {
		return termtext.Line(ts[0].Name)
	}
	return strconv.Itoa(len(ts)) + " tenants"
}

// done says the tenants are now in state ("tenant X is up", "3 tenants are up").
func done(ts []tenants.Tenant, state string) string {
	return describe(ts) + plural(len(ts), " is ", " are ") + state
}
