package runs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/lifecycle"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
)

// Target is what a run started from the tenants table works on: the
// selection recorded with the run, and how the dialogs name it.
type Target struct {
	Selection fleet.Selection
	// What names the tenants ("3 marked tenants", `tenants matching "acme"`).
	What string
}

// Start opens the dialog that starts a run on target: the operation and
// its argument, the limits, then a confirmation showing the dry run's
// plan (tenants per server, what runs on each, migrate's findings).
func Start(c *common.Context, f *Fleet, target Target) tea.Cmd {
	if c.ReadOnly {
		return common.FlashError(tenants.ErrReadOnly)
	}
	if f == nil {
		f = NewFleet(c)
	}
	return common.Push(newStartForm(c, f, target))
}

// opChoice is an operation the dialog can start.
type opChoice struct {
	name string
	// arg labels the operation's argument ("" takes none).
	arg, hint string
	// choices, when set, are the argument's only values (chosen with
	// ←/→ instead of typed).
	choices []string
}

// startOps are the operations offered, in order, among those the fleet
// package registers (and, for move, that this dashboard may start).
func startOps(c *common.Context, ops *fleet.Operations) []opChoice {
	all := []opChoice{
		{name: fleet.ExecName, arg: "command", hint: "run once per tenant, no shell; {id} {database} {server} {domain} {name} are replaced"},
		{name: fleet.SQLName, arg: "SQL file", hint: "statement by statement in each tenant database"},
		{name: fleet.MigrateName, hint: "migrate up to the latest version ([tenancy] migrations_dir, else the built-in schema)"},
		{name: fleet.SeedName, hint: "load the seed ([tenancy] seed_file, else the built-in seed)"},
	}
	if mv, ok := moveChoice(c); ok {
		all = append(all, mv)
	}
	names := ops.Names()
	return slices.DeleteFunc(all, func(o opChoice) bool { return !slices.Contains(names, o.name) })
}

// build makes the operation from what was typed; limits are the run's
// (a move applies the limit per server to both ends of each move).
func build(c *common.Context, op string, arg string, limits fleet.Limits) (fleet.Operation, error) {
	switch op {
	case lifecycle.MoveOpName:
		return buildMove(c, arg, limits)
	case fleet.ExecName:
		argv, err := splitWords(arg)
		if err != nil {
			return nil, err
		}
		return fleet.NewExec(argv, 0)
	case fleet.SQLName:
		if strings.TrimSpace(arg) == "" {
			return nil, errors.New("name the SQL file to run")
		}
		b, err := os.ReadFile(strings.TrimSpace(arg))
		if err != nil {
			return nil, fmt.Errorf("read the SQL file: %w", err)
		}
		return fleet.NewSQL(strings.TrimSpace(arg), string(b), false, 0)
	case fleet.MigrateName:
		m, err := fleet.LoadMigrations(c.Config.Tenancy.MigrationsDir)
		if err != nil {
			return nil, err
		}
		return fleet.NewMigrate(m, fleet.Up, nil, 0)
	case fleet.SeedName:
		return fleet.NewSeed(c.Config.Tenancy.SeedFile, false, 0)
	}
	return nil, fmt.Errorf("operation %s cannot be started from the dashboard", op)
}

// splitWords splits a command line into words like a shell would split
// plain words, single and double quotes (no variables, globs or escapes
// but \" inside double quotes): the command runs without a shell.
func splitWords(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in, quote := false, rune(0)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == '"' && r == '\\' && i+1 < len(rs) && rs[i+1] == '"':
			cur.WriteRune('"')
			i++
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("the command has an unclosed %c quote", quote)
	}
	if in {
		out = append(out, cur.String())
	}
	if len(out) == 0 {
		return nil, errors.New("type the command to run for each tenant")
	}
	return out, nil
}

// planned is the dry run of a run to start.
type planned struct {
	form  int
	req   fleet.CreateRequest
	plan  fleet.Plan
	check *fleet.MigrateCheck
	// moves sums up a move run's plan (nil for other operations).
	moves *moveTotals
	err   error
}

// plan runs the dry run of req (nothing is recorded).
func plan(c *common.Context, f *Fleet, form int, req fleet.CreateRequest) tea.Cmd {
	return c.Run(func(ctx context.Context) tea.Msg {
		svc, err := f.Service(ctx)
		if err != nil {
			return planned{form: form, err: err}
		}
		if op, ok := req.Operation.(*lifecycle.MoveOp); ok {
			p, totals, err := planMoves(ctx, c, svc, op, req)
			return planned{form: form, req: req, plan: p, moves: &totals, err: err}
		}
		if req.Operation.Name() == fleet.MigrateName {
			p, check, err := svc.PlanMigrate(ctx, req)
			return planned{form: form, req: req, plan: p, check: &check, err: err}
		}
		p, err := svc.Plan(ctx, req)
		return planned{form: form, req: req, plan: p, err: err}
	})
}

// planDialog is the confirmation that shows the plan; its action records
// the run and works it from this dashboard.
func planDialog(c *common.Context, f *Fleet, target Target, p planned) tea.Cmd {
	op := p.req.Operation
	l := p.plan.Limits
	servers := make([]string, 0, len(p.plan.PerServer))
	for _, s := range slices.Sorted(maps.Keys(p.plan.PerServer)) {
		servers = append(servers, fmt.Sprintf("%s %d", s, p.plan.PerServer[s]))
	}
	limits := fmt.Sprintf("parallel %d, %d per server", l.Parallel, l.PerServer)
	if l.Canary > 0 {
		limits += fmt.Sprintf(", canary %d (then the run pauses until n on :runs)", l.Canary)
	}
	o := confirm.Options{
		Title: fmt.Sprintf("Start %s on %s?", op.Name(), common.Plural(len(p.plan.Items), "tenant")),
		Lines: []string{
			opSummary(op.Name(), argsJSON(op)) + " · " + target.What,
			"per server: " + strings.Join(servers, " · ") + " · " + limits,
		},
		Action: "Start run", Danger: true,
		Note: "Dry run: nothing has changed yet. The run is recorded, then worked from this dashboard (quitting stops it; u on :runs resumes it).",
	}
	if mv, ok := op.(*lifecycle.MoveOp); ok && p.moves != nil {
		moveLines(&o, mv, p)
	}
	if ch := p.check; ch != nil {
		s := ch.Status.Summary
		o.Lines = append(o.Lines, fmt.Sprintf("findings: %d of %d behind (%d migrations pending), %d current, %d with drift, %d not migrated, %d unreadable; the run holds only the %d with work",
			s.Behind, ch.Selected, s.PendingTotal, s.Current, s.Drift, s.NotMigrated, s.Unreadable, len(ch.Work)))
	}
	for _, it := range p.plan.Items {
		o.Items = append(o.Items, fmt.Sprintf("%s (%s): %s", it.Tenant.Name, it.Tenant.Server, it.Action))
	}
	req := p.req
	if op.Name() == fleet.MigrateName {
		o.OnConfirm = createMigrateAndWork(c, f, req)
	} else {
		o.OnConfirm = createAndWork(c, f, req)
	}
	return common.Push(confirm.New(c, o))
}

func createMigrateAndWork(c *common.Context, f *Fleet, req fleet.CreateRequest) tea.Cmd {
	return c.Run(func(ctx context.Context) tea.Msg {
		svc, err := f.Service(ctx)
		if err != nil {
			return common.FlashMsg{Text: err.Error(), Error: true}
		}
		r, _, err := svc.CreateMigrate(ctx, req)
		switch {
		case err != nil:
			return common.FlashMsg{Text: "start the migration: " + err.Error(), Error: true}
		case r.ID == 0:
			return common.FlashMsg{Text: "every selected tenant is current: nothing to migrate", Warn: true}
		}
		return tea.BatchMsg{func() tea.Msg { return createdMsg{run: r} }, launch(c, f, r.ID, false, false)}
	})
}

func argsJSON(op fleet.Operation) string {
	b, _ := json.Marshal(op.Args())
	return string(b)
}

func parseLimit(label, s string, def int) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s %q: give a number, 0 or more", label, s)
	}
	return n, nil
}
