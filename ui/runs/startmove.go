package runs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	humanize "github.com/dustin/go-humanize"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/lifecycle"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
)

// The start dialog's move: the selected tenants move to a configured
// server as one run (lifecycle.MoveOp, as `tenancy tenants move --to S`
// with a selection makes it).

// moveChoice is the move operation as the dialog offers it: its argument
// is chosen among the configured servers. It is offered only to a
// dashboard that may write, to a role that may move tenants, with a
// server to move to.
func moveChoice(c *common.Context) (opChoice, bool) {
	servers := serverNames(c)
	if c.ReadOnly || len(servers) < 2 || !access.Allowed(c.Ctx(), access.TenantMove) {
		return opChoice{}, false
	}
	return opChoice{
		name: lifecycle.MoveOpName, arg: "to server", choices: servers,
		hint: fmt.Sprintf("each tenant: copy, freeze its writes briefly, verify, switch; the source stays read-only for %s",
			keepText(lifecycle.DefaultKeepSource)),
	}, true
}

// serverNames are the servers a tenant may move to: central and the
// [[servers]] names.
func serverNames(c *common.Context) []string {
	var out []string
	for _, s := range c.Config.AllServers() {
		out = append(out, s.Name)
	}
	return out
}

// defaultChoice is the server first offered: the first that is not
// central (the demo's and most fleets' tenants start there).
func defaultChoice(choices []string) int {
	return max(slices.IndexFunc(choices, func(s string) bool { return s != config.CentralServerName }), 0)
}

// buildMove makes the move to server to; the move's slots per server
// take the run's limit per server, as the engine applies it.
func buildMove(c *common.Context, to string, limits fleet.Limits) (fleet.Operation, error) {
	to = strings.TrimSpace(to)
	known := serverNames(c)
	switch {
	case to == "":
		return nil, fmt.Errorf("choose the server the tenants move to (known: %s)", strings.Join(known, ", "))
	case !slices.Contains(known, to):
		return nil, fmt.Errorf("server %q is not configured: the tenants can move to %s", to, strings.Join(known, ", "))
	}
	return lifecycle.NewMoveOp(to, nil, 0, limits.WithDefaults().PerServer, 0)
}

// moveTotals sums up the tenants of a move run's plan that would move.
type moveTotals struct {
	moves int
	bytes int64
	// freeze is the longest expected freeze of one tenant.
	freeze time.Duration
	// others are already on the target, resumed or refused (their lines
	// say which).
	others int
	// held are the others not on the target (refused, or an unfinished
	// move the run would resume); heldFirst is the first one's line,
	// shown whole (the plan's lines are cut to the dialog's width, often
	// in the database name, before the reason).
	held      int
	heldFirst string
}

// planMoves is a move run's dry run: the engine's plan, and each
// tenant's move planned (lifecycle.Service.Plan: size, tables, expected
// time and freeze) in a line that fits the confirmation; a tenant whose
// plan has problems (already there, an unfinished move, refused) gets the
// operation's own description, which says what the run would do with it.
func planMoves(ctx context.Context, c *common.Context, svc *fleet.Service, op *lifecycle.MoveOp, req fleet.CreateRequest) (fleet.Plan, moveTotals, error) {
	var totals moveTotals
	p, err := svc.Plan(ctx, req) // the operation has no service yet: each line only names the ends
	if err != nil {
		return p, totals, err
	}
	ls, err := lifecycle.OpenFromConfig(ctx, c.Service)
	if err != nil {
		return p, totals, err
	}
	op.WithService(ls)
	for i := range p.Items {
		it := &p.Items[i]
		mp, err := ls.Plan(ctx, it.Tenant, op.To)
		if err != nil || len(mp.Problems) > 0 {
			it.Action = op.Describe(it.Tenant)
			totals.others++
			if it.Tenant.Server != op.To {
				if totals.held++; totals.held == 1 {
					totals.heldFirst = fmt.Sprintf("%s (%s): %s", it.Tenant.Name, it.Tenant.Server, it.Action)
				}
			}
			continue
		}
		it.Action = moveAction(mp)
		totals.moves++
		totals.bytes += mp.Bytes
		totals.freeze = max(totals.freeze, mp.Freeze)
	}
	return p, totals, nil
}

// moveAction is a move's plan in the few words a confirmation's line
// holds after the tenant's name and server: the target is the run's.
func moveAction(mp lifecycle.MovePlan) string {
	return fmt.Sprintf("%s, %s: ~%s, frozen ~%s", humanize.IBytes(uint64(max(mp.Bytes, 0))),
		common.Plural(mp.Tables, "table"), short(mp.Copy.Round(100*time.Millisecond)), short(mp.Freeze.Round(100*time.Millisecond)))
}

// moveLines says in the confirmation where the tenants go, how the limit
// per server counts them, what the moves cost (the sizes, the longest
// freeze), how long the sources stay, and why the first tenant held back
// is not moved.
func moveLines(o *confirm.Options, op *lifecycle.MoveOp, p planned) {
	t := p.moves
	o.Title = fmt.Sprintf("Move %s to %s?", common.Plural(len(p.plan.Items), "tenant"), op.To)
	o.Lines[1] += " (a move counts on its source and its target)"
	keep := op.KeepSource
	if keep == 0 {
		keep = lifecycle.DefaultKeepSource
	}
	what := "Nothing to move."
	if t.moves > 0 {
		what = fmt.Sprintf("%d of %d to move, %s in all; each one's writes frozen ~%s at most; the sources stay read-only for %s (a later cleanup drops them).",
			t.moves, t.moves+t.others, humanize.IBytes(uint64(max(t.bytes, 0))), short(t.freeze.Round(100*time.Millisecond)), keepText(keep))
	}
	o.Lines = append(o.Lines, what)
	if t.held > 0 {
		held := "Needs a look: " + t.heldFirst
		if t.held > 1 {
			held += fmt.Sprintf(" (and %d more, below)", t.held-1)
		}
		o.Lines = append(o.Lines, held)
	}
}

// keepText is a keep-source time in hours when it is whole ones.
func keepText(d time.Duration) string {
	if d > 0 && d%time.Hour == 0 {
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return d.String()
}
