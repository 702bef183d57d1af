package cache

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// Screen is the registry name of the resolve dialog: a tenant's domains
// resolved as web requests would, with the tier that answered and how
// long it took (open it with the tenant as data).
const Screen = "resolve"

// answer is one domain's lookup.
type answer struct {
	domain string
	res    resolver.Result
	err    error
}

// lookup resolves each domain in turn (so a repeated domain shows the
// cache warming up).
func lookup(ctx context.Context, r *resolver.Resolver, domains []string) []answer {
	out := make([]answer, len(domains))
	for i, d := range domains {
		res, err := r.Lookup(ctx, d)
		out[i] = answer{domain: d, res: res, err: err}
	}
	return out
}

type answersMsg struct {
	id      int
	answers []answer
	err     error
}

// resolveDialog shows a tenant's domains resolved; r resolves again.
type resolveDialog struct {
	c       *common.Context
	s       *state
	t       tenants.Tenant
	id      int // the lookup in flight or shown
	answers []answer
	err     error
	rounds  int
	width   int
}

func (s *state) dialog(c *common.Context, _ string, data any) (common.Screen, error) {
	t, ok := data.(tenants.Tenant)
	if !ok {
		return nil, fmt.Errorf("the resolve dialog opens on a tenant: use :resolve DOMAIN")
	}
	return &resolveDialog{c: c, s: s, t: t}, nil
}

func (d *resolveDialog) IsDialog()        {}
func (d *resolveDialog) Title() string    { return "Resolve" }
func (d *resolveDialog) Capturing() bool  { return false }
func (d *resolveDialog) SetSize(w, _ int) { d.width = w }
func (d *resolveDialog) Init() tea.Cmd    { return d.run() }
func (d *resolveDialog) ShortHelp() []key.Binding {
	k := d.c.Keys
	again := k.Refresh
	again.SetHelp(again.Help().Key, "resolve again")
	return []key.Binding{k.Back, again}
}
func (d *resolveDialog) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

func (d *resolveDialog) run() tea.Cmd {
	if d.c.Service == nil {
		return nil
	}
	d.id = d.c.NextID()
	id, domains := d.id, d.t.Domains
	return d.c.Run(func(ctx context.Context) tea.Msg {
		r, err := d.s.resolver(ctx)
		if err != nil {
			return answersMsg{id: id, err: err}
		}
		return answersMsg{id: id, answers: lookup(ctx, r, domains)}
	})
}

func (d *resolveDialog) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case answersMsg:
		if msg.id == d.id {
			d.answers, d.err, d.id = msg.answers, msg.err, 0
			d.rounds++
		}
	case tea.KeyPressMsg:
		k := d.c.Keys
		switch {
		case key.Matches(msg, k.Refresh):
			if d.id == 0 {
				return d, d.run()
			}
		case key.Matches(msg, k.Back, k.Open, k.Quit):
			return d, common.Back()
		}
	}
	return d, nil
}

func (d *resolveDialog) View() string {
	st := d.c.Styles
	w := min(max(d.width-4, 30), 76)
	inner := w - 6
	var b strings.Builder
	b.WriteString(st.DialogTitle.Render(ansi.Truncate("Resolve the domains of "+termtext.Line(d.t.Name), inner, "…")) + "\n\n")
	switch {
	case len(d.t.Domains) == 0:
		b.WriteString(st.Subtle.Render("This tenant has no domains (+ adds one)."))
	case d.err != nil:
		b.WriteString(st.FlashError.Width(inner).Render(common.Message(d.err.Error())))
	case d.answers == nil:
		b.WriteString(st.Subtle.Render("resolving " + common.Plural(len(d.t.Domains), "domain") + "…"))
	default:
		b.WriteString(d.table(inner))
	}
	hint := "esc closes"
	if len(d.t.Domains) > 0 {
		hint = "r resolves again (the cache answers next) · " + hint
	}
	b.WriteString("\n\n" + st.Subtle.Render(ansi.Truncate(hint, inner, "…")))
	return st.Dialog.Width(w).Render(b.String())
}

// table is one line per domain: who owns it, the tier, the time. The
// domains and names are escaped (common.Cell), and measured so.
func (d *resolveDialog) table(inner int) string {
	st := d.c.Styles
	width, ownerWidth := len("DOMAIN"), len("unknown (404)")
	for _, a := range d.answers {
		width = max(width, lipgloss.Width(termtext.Line(a.domain)))
		ownerWidth = max(ownerWidth, lipgloss.Width(owner(a.res)))
	}
	width, ownerWidth = min(width, inner/2), min(ownerWidth, inner/3)
	row := func(domain, owner, tier, took string) string {
		return ansi.Truncate(fmt.Sprintf("%s  %s  %-8s %9s", common.Cell(domain, width),
			common.Cell(owner, ownerWidth), tier, took), inner, "…")
	}
	lines := []string{st.TableHeader.Render(row("DOMAIN", "TENANT", "TIER", "TIME"))}
	for _, a := range d.answers {
		switch {
		case a.err != nil:
			lines = append(lines, st.FlashError.Render(ansi.Truncate(termtext.Line(a.domain)+": "+common.Message(a.err.Error()), inner, "…")))
		default:
			lines = append(lines, row(a.domain, owner(a.res), string(a.res.Tier), took(a.res)))
		}
	}
	if d.rounds > 1 {
		lines = append(lines, "", st.Subtle.Render(fmt.Sprintf("round %d", d.rounds)))
	}
	return lipgloss.JoinVertical(lipgloss.Left, lines...)
}

// owner is who a lookup found: the tenant and its status (escaped), or
// a 404.
func owner(res resolver.Result) string {
	if !res.Found {
		return "unknown (404)"
	}
	return fmt.Sprintf("%s (%s)", termtext.Line(res.Tenant.Name), termtext.Line(string(res.Tenant.Status)))
}

// took is a lookup's time, in µs below a millisecond (the in-process
// tier's "<1µs" included), else to 10µs ("1.26ms").
func took(res resolver.Result) string {
	switch d := res.Duration; {
	case d < time.Microsecond:
		return "<1µs"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Round(time.Microsecond)/time.Microsecond)
	default:
		return d.Round(10 * time.Microsecond).String()
	}
}
