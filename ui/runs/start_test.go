package runs

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func startTarget() Target {
	return Target{Selection: fleet.Selection{Refs: []string{"a", "b", "c"}}, What: "3 marked tenants"}
}

func TestStartFormOffersTheRegisteredOperations(t *testing.T) {
	c := uitest.Context(t, false, 80, 22)
	d := pushedForm(t, Start(c, nil, startTarget()))
	var names []string
	for _, o := range d.ops {
		names = append(names, o.name)
	}
	require.Subset(t, names, []string{"exec", "sql"})
	for _, n := range fleet.DefaultOperations().Names() {
		if n == fleet.MigrateName || n == fleet.SeedName {
			require.Contains(t, names, n, "migrate and seed are offered once fleet has them")
		}
	}
	for _, sz := range uitest.Sizes {
		d.SetSize(sz[0], sz[1]-2)
		uitest.Golden(t, "start_"+sizeName(sz), d.View())
	}
}

func pushedForm(t *testing.T, cmd tea.Cmd) *startForm {
	t.Helper()
	msgs := uitest.Msgs(cmd)
	require.Len(t, msgs, 1)
	return msgs[0].(common.PushMsg).Screen.(*startForm)
}

func typeInto(d *startForm, s string) {
	for _, k := range uitest.Type(s) {
		d.Update(k)
	}
}

func TestStartFormValidatesBeforePlanning(t *testing.T) {
	c := uitest.Context(t, false, 80, 22)
	d := pushedForm(t, Start(c, nil, startTarget()))
	d.SetSize(80, 22)
	d.Init() // the root does it when it pushes the form
	_, cmd := d.Update(uitest.Key("enter"))
	require.Nil(t, cmd)
	require.ErrorContains(t, d.err, "type the command")
	typeInto(d, `sh -c 'echo "unclosed`)
	d.Update(uitest.Key("enter"))
	require.ErrorContains(t, d.err, "unclosed")
	d.inputs[stopArg].SetValue("echo {id}")
	d.inputs[stopCanary].SetValue("x")
	d.Update(uitest.Key("enter"))
	require.ErrorContains(t, d.err, `canary "x"`)
	require.Contains(t, uitest.Plain(d.View()), `canary "x": give a number`)

	d.inputs[stopCanary].SetValue("2")
	_, cmd = d.Update(uitest.Key("enter"))
	require.NotNil(t, cmd, "a valid form plans")
	require.True(t, d.busy)
	require.Contains(t, uitest.Plain(d.View()), "planning (dry run)")
	reply := uitest.Msgs(cmd)[0].(planned)
	require.ErrorIs(t, reply.err, errNoDatabase, "the plan needs the database")
	d.Update(reply)
	require.False(t, d.busy)
	require.ErrorIs(t, d.err, errNoDatabase)
}

func TestStartFormSwitchesOperation(t *testing.T) {
	c := uitest.Context(t, false, 80, 22)
	d := pushedForm(t, Start(c, nil, startTarget()))
	d.SetSize(80, 22)
	d.Init()
	require.Contains(t, uitest.Plain(d.View()), "shift+tab operation", "in the command field ←/→ move the cursor: the hint says how to reach the operation")
	d.Update(uitest.Key("shift+tab")) // to the operation
	require.Equal(t, stopOp, d.focus)
	require.Contains(t, uitest.Plain(d.View()), "←/→ operation")
	d.Update(uitest.Key("right"))
	require.Equal(t, fleet.SQLName, d.current().name)
	require.Contains(t, uitest.Plain(d.View()), "SQL file")
	typeInto(d, "x") // not typed anywhere on the operation row
	require.Empty(t, d.inputs[stopArg].Value())
	d.Update(uitest.Key("tab"))
	typeInto(d, "/nonexistent/add.sql")
	d.Update(uitest.Key("enter"))
	require.ErrorContains(t, d.err, "read the SQL file")
	require.Equal(t, []tea.Msg{common.BackMsg{}}, uitest.Msgs(uitest.Press(d, "esc")), "esc closes the form")
}

func TestPlanIsConfirmedAndAStrayKeyNeverStarts(t *testing.T) {
	c := uitest.Context(t, false, 80, 22)
	d := pushedForm(t, Start(c, nil, startTarget()))
	op, err := fleet.NewExec([]string{"php", "artisan", "tenants:migrate", "--tenants={id}"}, 0)
	require.NoError(t, err)
	var items []fleet.PlanItem
	for i, tn := range uitest.Tenants(12) {
		tn.Server = []string{"central", "eu-west"}[i%3/2]
		items = append(items, fleet.PlanItem{Position: i, Tenant: tn, Action: op.Describe(tn)})
	}
	p := fleet.Plan{Operation: "exec", Items: items, PerServer: map[string]int{"central": 8, "eu-west": 4},
		Limits: fleet.Limits{Parallel: 4, PerServer: 2, Canary: 3}}
	_, cmd := d.Update(planned{form: d.id + 1, plan: p})
	require.Nil(t, cmd, "another form's plan")
	_, cmd = d.Update(planned{form: d.id, req: fleet.CreateRequest{Operation: op}, plan: p})
	msgs := uitest.Msgs(cmd)
	require.Len(t, msgs, 2)
	require.IsType(t, common.BackMsg{}, msgs[0], "the form gives way to the plan")
	dialog := msgs[1].(common.PushMsg).Screen
	for _, sz := range uitest.Sizes {
		dialog.SetSize(sz[0], sz[1]-2)
		uitest.Golden(t, "plan_"+sizeName(sz), dialog.View())
	}
	plain := uitest.Plain(dialog.View())
	require.Contains(t, plain, "Start exec on 12 tenants?")
	require.Contains(t, plain, "central 8 · eu-west 4")
	require.Contains(t, plain, "canary 3")
	for _, k := range []string{"enter", "tab", "enter"} {
		_, cmd := dialog.Update(uitest.Key(k))
		require.False(t, confirmed(cmd), "%q within the grace period", k)
	}
	c.Now = func() time.Time { return uitest.Now.Add(time.Second) }
	_, cmd = dialog.Update(uitest.Key("enter"))
	require.False(t, confirmed(cmd), "enter on Cancel")
	dialog.Update(uitest.Key("tab"))
	_, cmd = dialog.Update(uitest.Key("enter"))
	require.False(t, confirmed(cmd), "a dialog that answered Cancel answers nothing more")

	// The plan shown again: tab to Start, enter.
	_, cmd = d.Update(planned{form: d.id, req: fleet.CreateRequest{Operation: op}, plan: p})
	dialog = uitest.Msgs(cmd)[1].(common.PushMsg).Screen
	c.Now = func() time.Time { return uitest.Now.Add(2 * time.Second) }
	dialog.Update(uitest.Key("tab"))
	_, cmd = dialog.Update(uitest.Key("enter"))
	require.True(t, confirmed(cmd))
}

func TestMigratePlanShowsFindings(t *testing.T) {
	c := uitest.Context(t, false, 120, 38)
	d := pushedForm(t, Start(c, nil, startTarget()))
	m, err := fleet.LoadMigrations("")
	require.NoError(t, err)
	op, err := fleet.NewMigrate(m, fleet.Up, nil, 0)
	require.NoError(t, err)
	tn := uitest.Tenants(1)[0]
	check := &fleet.MigrateCheck{Selected: 60, NothingToDo: 58, Work: []tenants.Tenant{tn, tn}}
	check.Status.Summary = fleet.StatusSummary{Tenants: 60, Current: 58, Behind: 2, PendingTotal: 2, Drift: 1}
	p := fleet.Plan{Items: []fleet.PlanItem{{Tenant: tn, Action: "apply 1"}, {Tenant: tn, Action: "apply 1"}}, PerServer: map[string]int{"central": 2}, Limits: fleet.Limits{Parallel: 4, PerServer: 4}}
	_, cmd := d.Update(planned{form: d.id, req: fleet.CreateRequest{Operation: op}, plan: p, check: check})
	dialog := uitest.Msgs(cmd)[1].(common.PushMsg).Screen
	dialog.SetSize(120, 38)
	plain := uitest.Plain(dialog.View())
	require.Contains(t, plain, "Start migrate on 2 tenants?")
	require.Contains(t, plain, "2 of 60 behind")
	require.Contains(t, plain, "with drift")

	_, cmd = d.Update(planned{form: d.id, req: fleet.CreateRequest{Operation: op}, plan: fleet.Plan{}, check: &fleet.MigrateCheck{Selected: 3, NothingToDo: 3}})
	msgs := uitest.Msgs(cmd)
	require.Contains(t, msgs[1].(common.FlashMsg).Text, "nothing to migrate")
}

func TestStartIsRefusedReadOnly(t *testing.T) {
	c := uitest.Context(t, true, 80, 22)
	require.Contains(t, refused(t, Start(c, nil, startTarget())), "read-only")
}

func TestCommandLinesReadAsTheirWords(t *testing.T) {
	require.Equal(t, `exec sh -c 'sleep 1; echo {name}' '' 'it'\''s'`,
		opSummary("exec", `{"argv":["sh","-c","sleep 1; echo {name}","","it's"]}`))
	require.Equal(t, "exec php artisan --tenants={id}", opSummary("exec", `{"argv":["php","artisan","--tenants={id}"]}`))
}

func TestSplitWords(t *testing.T) {
	for in, want := range map[string][]string{
		`php artisan tenants:migrate --tenants={id} --force`: {"php", "artisan", "tenants:migrate", "--tenants={id}", "--force"},
		`sh -c 'echo "$TENANCY_TENANT_ID" > /tmp/x'`:         {"sh", "-c", `echo "$TENANCY_TENANT_ID" > /tmp/x`},
		`echo "a \"b\" c"  ''`:                               {"echo", `a "b" c`, ""},
	} {
		got, err := splitWords(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	_, err := splitWords("  ")
	require.Error(t, err)
}
