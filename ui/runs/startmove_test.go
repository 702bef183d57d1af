package runs

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/lifecycle"
	"github.com/tenancy-dev/tenancy/sandbox"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/keys"
	"github.com/tenancy-dev/tenancy/ui/styles"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// moveServers are the [[servers]] of the move tests' config (central is
// the central DSN's).
var moveServers = []string{"eu-west", "us-east"}

// moveContext is a screen context whose config names moveServers, for a
// principal of role (none: the CLI's, who may do everything).
func moveContext(t *testing.T, role access.Role, w, h int) *common.Context {
	t.Helper()
	base := uitest.Context(t, false, w, h)
	for _, s := range moveServers {
		base.Config.Servers = append(base.Config.Servers, config.Server{Name: s, DSN: base.Config.Central.DSN})
	}
	if role == "" {
		return base
	}
	ctx := access.WithPrincipal(context.Background(), access.Principal{User: "ops", Role: role, Via: "ssh"})
	c := common.NewContext(ctx, nil, base.Config, base.Keys, base.Styles)
	c.Now, c.Width, c.Height = base.Now, w, h
	return c
}

// toMove puts the form on the move operation.
func toMove(t *testing.T, d *startForm) {
	t.Helper()
	d.Update(uitest.Key("shift+tab"))
	for range d.ops {
		if d.current().name == lifecycle.MoveOpName {
			return
		}
		d.Update(uitest.Key("right"))
	}
	t.Fatalf("move is not offered: %v", d.ops)
}

// flat is a dialog's plain text without its border, its lines joined
// with a space: what it says, however it wrapped.
func flat(view string) string {
	var out []string
	for _, l := range strings.Split(uitest.Plain(view), "\n") {
		if l = strings.Trim(l, "│╭╮╰╯─ "); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, " ")
}

func opNames(d *startForm) []string {
	var out []string
	for _, o := range d.ops {
		out = append(out, o.name)
	}
	return out
}

func TestStartFormOffersMoveToTheConfiguredServers(t *testing.T) {
	c := moveContext(t, "", 80, 22)
	d := pushedForm(t, Start(c, nil, startTarget()))
	d.SetSize(80, 22)
	d.Init()
	require.Equal(t, []string{"exec", "sql", "migrate", "seed", "move"}, opNames(d))
	toMove(t, d)
	d.Update(uitest.Key("tab"))
	require.Equal(t, stopArg, d.focus, "move has an argument: its target")
	require.True(t, d.choosing())
	require.Equal(t, "eu-west", d.arg(), "the first server that is not central")
	plain := uitest.Plain(d.View())
	require.Contains(t, plain, "to server")
	require.Contains(t, plain, " central   eu-west   us-east ")
	require.Contains(t, flat(d.View()), "each tenant: copy, freeze its writes briefly, verify, switch; the source stays read-only for 24 h")
	require.Contains(t, plain, "←/→ to server")
	for _, sz := range uitest.Sizes {
		d.SetSize(sz[0], sz[1]-2)
		uitest.Golden(t, "start_move_"+sizeName(sz), d.View())
	}

	d.Update(uitest.Key("right"))
	require.Equal(t, "us-east", d.arg())
	d.Update(uitest.Key("right"))
	require.Equal(t, "central", d.arg(), "the choices go round")
	d.Update(uitest.Key("left"))
	require.Equal(t, "us-east", d.arg())
	typeInto(d, "e")
	require.Equal(t, "eu-west", d.arg(), "a letter goes to the next server that starts with it")
	typeInto(d, "x")
	require.Equal(t, "eu-west", d.arg(), "nor typed anywhere")
	require.Empty(t, d.inputs[stopArg].Value())
}

func TestMoveIsOfferedOnlyWhereItCanRun(t *testing.T) {
	for _, tc := range []struct {
		name   string
		c      *common.Context
		offers bool
	}{
		{"no principal (the local dashboard)", moveContext(t, "", 80, 22), true},
		{"operator", moveContext(t, access.Operator, 80, 22), true},
		{"admin", moveContext(t, access.Admin, 80, 22), true},
		{"viewer", moveContext(t, access.Viewer, 80, 22), false},
		{"one server: nowhere to move to", uitest.Context(t, false, 80, 22), false},
	} {
		_, ok := moveChoice(tc.c)
		require.Equal(t, tc.offers, ok, tc.name)
		names := opNames(newStartForm(tc.c, NewFleet(tc.c), startTarget()))
		require.Equal(t, tc.offers, strings.Contains(strings.Join(names, " "), "move"), tc.name)
	}
	readOnly := moveContext(t, "", 80, 22)
	readOnly.ReadOnly = true
	_, ok := moveChoice(readOnly)
	require.False(t, ok, "read-only")
	require.Contains(t, refused(t, Start(readOnly, nil, startTarget())), "read-only")
}

func TestMoveToAnUnknownServerIsRefused(t *testing.T) {
	c := moveContext(t, "", 80, 22)
	_, err := build(c, lifecycle.MoveOpName, "ap-south", fleet.Limits{})
	require.EqualError(t, err, `server "ap-south" is not configured: the tenants can move to central, eu-west, us-east`)
	_, err = build(c, lifecycle.MoveOpName, " ", fleet.Limits{})
	require.EqualError(t, err, "choose the server the tenants move to (known: central, eu-west, us-east)")

	// A server the config no longer has (the form's choices are the
	// config's when it opened) is refused in the form.
	d := pushedForm(t, Start(c, nil, startTarget()))
	d.SetSize(80, 22)
	d.Init()
	toMove(t, d)
	c.Config.Servers = c.Config.Servers[:1]
	d.Update(uitest.Key("tab"))
	d.Update(uitest.Key("right"))
	require.Equal(t, "us-east", d.arg())
	_, cmd := d.Update(uitest.Key("enter"))
	require.Nil(t, cmd, "nothing is planned")
	require.EqualError(t, d.err, `server "us-east" is not configured: the tenants can move to central, eu-west`)
	require.Contains(t, flat(d.View()), `server "us-east" is not configured: the tenants can move to central, eu-west`)
}

func TestBuiltMoveHasTheTargetAndTheLimitPerServer(t *testing.T) {
	for _, tc := range []struct {
		parallel, perServer string
		want                int
	}{
		{"6", "2", 2},
		{"3", "", 3},  // unset: parallel
		{"", "", 4},   // fleet.DefaultParallel
		{"3", "9", 3}, // more than parallel: parallel
	} {
		c := moveContext(t, access.Operator, 80, 22)
		d := pushedForm(t, Start(c, nil, startTarget()))
		d.SetSize(80, 22)
		d.Init()
		toMove(t, d)
		d.Update(uitest.Key("tab"))
		d.Update(uitest.Key("right"))
		d.inputs[stopParallel].SetValue(tc.parallel)
		d.inputs[stopPerServer].SetValue(tc.perServer)
		req, err := d.request()
		require.NoError(t, err)
		op, ok := req.Operation.(*lifecycle.MoveOp)
		require.True(t, ok, "a move operation, got %T", req.Operation)
		require.Equal(t, "us-east", op.To)
		require.Empty(t, op.Targets)
		require.Equal(t, tc.want, op.PerServer, "parallel %q, per server %q", tc.parallel, tc.perServer)
		require.Zero(t, op.KeepSource, "the default keep (lifecycle.DefaultKeepSource)")
		require.Equal(t, startTarget().Selection, req.Selection)

		_, cmd := d.Update(uitest.Key("enter"))
		require.NotNil(t, cmd, "the form plans it")
		reply := uitest.Msgs(cmd)[0].(planned)
		require.ErrorIs(t, reply.err, errNoDatabase)
	}
}

// movePlan is the plan of a move of tenants to eu-west as planMoves
// makes it: moved ones described by moveAction, one already there.
func movePlan(t *testing.T, list []tenants.Tenant) (*lifecycle.MoveOp, planned) {
	t.Helper()
	op, err := lifecycle.NewMoveOp("eu-west", nil, 0, 2, 0)
	require.NoError(t, err)
	p := planned{req: fleet.CreateRequest{Operation: op}, moves: &moveTotals{},
		plan: fleet.Plan{Operation: "move", PerServer: map[string]int{}, Limits: fleet.Limits{Parallel: 4, PerServer: 2}}}
	for i, tn := range list {
		action := moveAction(lifecycle.MovePlan{Tables: 3 + i, Bytes: int64(i+1) << 20, Copy: time.Duration(i+1) * 400 * time.Millisecond, Freeze: 300*time.Millisecond + time.Duration(i)*10*time.Millisecond})
		switch i {
		case 1:
			tn.Server = "eu-west"
			action = "nothing: already on eu-west"
			p.moves.others++
		case 3:
			action = "refused: database " + tn.Database + " already exists on eu-west"
			p.moves.others++
			p.moves.held++
			p.moves.heldFirst = fmt.Sprintf("%s (%s): %s", tn.Name, tn.Server, action)
		default:
			p.moves.moves++
			p.moves.bytes += int64(i+1) << 20
			p.moves.freeze = 300*time.Millisecond + time.Duration(i)*10*time.Millisecond
		}
		p.plan.Items = append(p.plan.Items, fleet.PlanItem{Position: i, Tenant: tn, Action: action})
		p.plan.PerServer[tn.Server]++
	}
	return op, p
}

func TestMovePlanShowsEachTenantsMove(t *testing.T) {
	c := moveContext(t, "", 80, 22)
	d := pushedForm(t, Start(c, nil, startTarget()))
	_, p := movePlan(t, uitest.Tenants(5))
	p.form = d.id
	_, cmd := d.Update(p)
	dialog := uitest.Msgs(cmd)[1].(common.PushMsg).Screen
	for _, sz := range uitest.Sizes {
		dialog.SetSize(sz[0], sz[1]-2)
		uitest.Golden(t, "plan_move_"+sizeName(sz), dialog.View())
		plain := flat(dialog.View())
		require.Contains(t, plain, "Move 5 tenants to eu-west?")
		require.Contains(t, plain, "move to eu-west · 3 marked tenants")
		require.Contains(t, plain, "2 per server (a move counts on its source and its target)")
		require.Contains(t, plain, "3 of 5 to move, 9.0 MiB in all; each one's writes frozen ~300ms at most;")
		require.Contains(t, plain, "Needs a look: Umbrella Corp (central): refused: database tenant_daa66d13-1111-4222-8333-000000000003 already exists on eu-")
		require.Contains(t, plain, "read-only for 24 h")
		require.Contains(t, plain, "Acme Corp (central): 1.0 MiB, 3 tables: ~400ms, frozen ~300ms")
		require.Contains(t, plain, "(eu-west): nothing: already on eu-west")
	}

	_, nothing := movePlan(t, uitest.Tenants(2)[1:])
	nothing.form = d.id
	nothing.moves = &moveTotals{others: 1}
	_, cmd = d.Update(nothing)
	dialog = uitest.Msgs(cmd)[1].(common.PushMsg).Screen
	dialog.SetSize(80, 22)
	require.Contains(t, uitest.Plain(dialog.View()), "Nothing to move")
}

func TestHostileMovePlanKeepsItsLines(t *testing.T) {
	hostile := uitest.HostileTenants()
	for _, sz := range uitest.Sizes {
		w, h := sz[0], sz[1]-2
		c := moveContext(t, "", w, h)
		d := pushedForm(t, Start(c, nil, Target{Selection: fleet.Selection{Refs: []string{hostile[3].ID}}, What: hostile[3].Name}))
		_, p := movePlan(t, hostile)
		p.form = d.id
		p.plan.Items[2].Action = "refused: database " + hostile[2].Database + " already exists on eu-west"
		_, cmd := d.Update(p)
		dialog := uitest.Msgs(cmd)[1].(common.PushMsg).Screen
		dialog.SetSize(w, h)
		view := dialog.View()
		uitest.RequireSafe(t, view)
		require.LessOrEqual(t, uitest.Lines(view), h)
		plain := uitest.Plain(view)
		for _, l := range strings.Split(plain, "\n") {
			require.True(t, strings.HasPrefix(l, "│") || strings.HasPrefix(l, "╭") || strings.HasPrefix(l, "╰"), "a line broken out of the dialog: %q", l)
			require.LessOrEqual(t, len([]rune(l)), min(w, 72), "a line wider than the dialog: %q", l)
		}
		require.Contains(t, plain, uitest.Shown(hostile[0].Name)[:8])

		// A server name (from the config) with controls is shown escaped.
		c.Config.Servers = append(c.Config.Servers, config.Server{Name: "ap\x1b[2J\u202e" + uitest.Long, DSN: c.Config.Central.DSN})
		form := pushedForm(t, Start(c, nil, startTarget()))
		form.SetSize(w, h)
		form.Init()
		toMove(t, form)
		form.Update(uitest.Key("tab"))
		form.Update(uitest.Key("left"))
		form.Update(uitest.Key("left")) // round to the last
		uitest.RequireSafe(t, form.View())
		require.Contains(t, uitest.Plain(form.View()), `ap\e[2J\u202e`)
		require.Contains(t, uitest.Plain(form.View()), "of 4 →", "too many to list: the chosen one and where it is")
	}
}

func TestMoveHintFitsTheForm(t *testing.T) {
	c := moveContext(t, "", 80, 22)
	mv, ok := moveChoice(c)
	require.True(t, ok)
	got := hintLines(mv.hint, 59)
	require.Equal(t, 2, strings.Count(got, "\n")+1, got)
	long := hintLines(strings.Repeat("word ", 40), 20)
	require.Equal(t, 2, strings.Count(long, "\n")+1)
	require.True(t, strings.HasSuffix(long, "…"), long)
	require.Equal(t, "24 h", keepText(lifecycle.DefaultKeepSource))
	require.Equal(t, "1h30m0s", keepText(90*time.Minute))
}

// liveMoveFleet is a test central database with tenants named names on
// central (each database holding a small table), the servers given
// added to its config, and the screens' context on it.
func liveMoveFleet(t *testing.T, servers map[string]string, names ...string) (*common.Context, *fleet.Service, []tenants.Tenant) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the test MariaDB")
	}
	env := testdb.NewCentral(t)
	for _, name := range slices.Sorted(maps.Keys(servers)) {
		env.Config.Servers = append(env.Config.Servers, config.Server{Name: name, DSN: servers[name]})
	}
	svc := env.Service(t)
	ctx := context.Background()
	var list []tenants.Tenant
	for _, name := range names {
		tn, err := svc.Create(ctx, tenants.CreateRequest{Name: name, NoMigrate: true, Server: config.CentralServerName}, nil)
		require.NoError(t, err)
		db := tenants.QuoteIdent(tn.Database)
		env.Exec(t, "CREATE TABLE "+db+".t (id INT PRIMARY KEY, v VARCHAR(50))",
			"INSERT INTO "+db+".t SELECT seq, CONCAT('v', seq) FROM "+db+".seq_1_to_500")
		list = append(list, tn)
	}
	km, err := keys.New(nil, false)
	require.NoError(t, err)
	c := common.NewContext(ctx, svc, env.Config, km, styles.New(true))
	fs, err := NewFleet(c).Service(ctx)
	require.NoError(t, err)
	return c, fs, list
}

// planMoveFromForm opens the start dialog on list, chooses move to the
// server to, plans it for real and returns the plan's confirmation.
func planMoveFromForm(t *testing.T, c *common.Context, list []tenants.Tenant, to string) (*startForm, common.Screen) {
	t.Helper()
	var refs []string
	for _, tn := range list {
		refs = append(refs, tn.ID)
	}
	d := pushedForm(t, Start(c, nil, Target{Selection: fleet.Selection{Refs: refs, Order: fleet.OrderIndex}, What: common.Plural(len(refs), "marked tenant")}))
	d.SetSize(80, 22)
	d.Init()
	toMove(t, d)
	d.Update(uitest.Key("tab"))
	for range d.current().choices {
		if d.arg() == to {
			break
		}
		d.Update(uitest.Key("right"))
	}
	require.Equal(t, to, d.arg())
	d.inputs[stopPerServer].SetValue("1")
	_, cmd := d.Update(uitest.Key("enter"))
	require.NotNil(t, cmd)
	msgs := uitest.Msgs(cmd) // the dry run, against the database
	require.Len(t, msgs, 1)
	reply := msgs[0].(planned)
	require.NoError(t, reply.err)
	_, cmd = d.Update(reply)
	msgs = uitest.Msgs(cmd)
	require.Len(t, msgs, 2, "the form gives way to the plan")
	dialog := msgs[1].(common.PushMsg).Screen
	dialog.SetSize(80, 22)
	return d, dialog
}

// startFromDialog confirms the plan's dialog after its grace period and
// works the run it records to its end (synchronously); it returns the run.
func startFromDialog(t *testing.T, c *common.Context, fs *fleet.Service, dialog common.Screen) fleet.Run {
	t.Helper()
	c.Now = func() time.Time { return time.Now().Add(time.Second) }
	defer func() { c.Now = time.Now }()
	dialog.Update(uitest.Key("tab"))
	_, cmd := dialog.Update(uitest.Key("enter"))
	var created fleet.Run
	for _, m := range uitest.Msgs(cmd) {
		switch m := m.(type) {
		case createdMsg:
			created = m.run
		case common.FlashMsg:
			require.False(t, m.Error && created.ID == 0, "the run was not started: %s", m.Text)
		}
	}
	require.NotZero(t, created.ID, "a run was recorded")
	r, err := fs.Get(context.Background(), created.ID)
	require.NoError(t, err)
	return r
}

// TestLiveMoveToTheSameServerIsRefusedInThePlan: a second [[servers]]
// name for the test server ("twin") is a target lifecycle refuses (the
// tenant's database already exists there): the dialog's real dry run
// shows the refusal on each tenant and that nothing would move, and the
// run started anyway fails each item with it, moving nothing.
func TestLiveMoveToTheSameServerIsRefusedInThePlan(t *testing.T) {
	c, fs, list := liveMoveFleet(t, map[string]string{"twin": testdb.DSN()}, "ui move a", "ui move b")
	_, dialog := planMoveFromForm(t, c, list, "twin")
	plain := flat(dialog.View())
	require.Contains(t, plain, "Move 2 tenants to twin?")
	require.Regexp(t, `Nothing to move\. Needs a look: ui move [ab] \(central\): refused: database tnt_\S+ already exists on twin \(and 1 more, below\)`, plain,
		"the first refusal is shown whole")
	for _, tn := range list {
		require.Contains(t, plain, tn.Name+" (central): refused: database "+tn.Database[:20])
	}

	r := startFromDialog(t, c, fs, dialog)
	require.Equal(t, fleet.RunFailed, r.State)
	require.Equal(t, 1, r.PerServer)
	require.JSONEq(t, `"twin"`, jsonField(t, r.Args, "to"))
	require.JSONEq(t, `1`, jsonField(t, r.Args, "per_server"), "the move's slots take the run's limit per server")
	items, err := fs.Items(context.Background(), r.ID)
	require.NoError(t, err)
	require.Len(t, items, 2)
	for _, it := range items {
		require.Equal(t, fleet.ItemFailed, it.State)
		require.Contains(t, it.Error, "not moved to twin: database "+it.Database+" already exists on twin")
		got, err := c.Service.Get(context.Background(), it.TenantID)
		require.NoError(t, err)
		require.Equal(t, config.CentralServerName, got.Server, "nothing moved")
	}
}

// TestLiveMoveRunFromTheDialog moves two tenants to a second MariaDB
// server started for the test, from the dialog: the plan shows each
// one's size and freeze, the run is done, each item says what it copied
// and the registry points at the second server.
func TestLiveMoveRunFromTheDialog(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the test MariaDB and a second server")
	}
	srv, err := sandbox.StartServer(context.Background(), t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() })
	c, fs, list := liveMoveFleet(t, map[string]string{"second": srv.DSN}, "ui move c", "ui move d")
	_, dialog := planMoveFromForm(t, c, list, "second")
	view := dialog.View()
	uitest.RequireSafe(t, view)
	plain := flat(view)
	require.Contains(t, plain, "Move 2 tenants to second?")
	require.Contains(t, plain, "2 of 2 to move,")
	require.Contains(t, plain, "1 per server (a move counts on its source and its target)")
	for _, tn := range list {
		require.Regexp(t, regexp.QuoteMeta(tn.Name)+` \(central\): [0-9.]+ [KM]iB, 1 table: ~[0-9.]+m?s, frozen ~[0-9.]+m?s`, plain)
	}

	r := startFromDialog(t, c, fs, dialog)
	require.Equal(t, fleet.RunDone, r.State, r.Error)
	items, err := fs.Items(context.Background(), r.ID)
	require.NoError(t, err)
	require.Len(t, items, 2)
	for _, it := range items {
		require.Equal(t, fleet.ItemDone, it.State, it.Error)
		require.Contains(t, it.Result.Summary, "moved central -> second")
		got, err := c.Service.Get(context.Background(), it.TenantID)
		require.NoError(t, err)
		require.Equal(t, "second", got.Server, "the registry points at the target")
	}
}

// jsonField is one field of a recorded JSON object, as JSON.
func jsonField(t *testing.T, obj, field string) string {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(obj), &m))
	return string(m[field])
}

func TestMoveRunsReadAsWhereTheyGo(t *testing.T) {
	op, err := lifecycle.NewMoveOp("eu", nil, 0, 2, 0)
	require.NoError(t, err)
	require.Equal(t, "move to eu", opSummary("move", argsJSON(op)))
	rebalance, err := lifecycle.NewMoveOp("", map[string]string{"a": "eu", "b": "second", "c": "eu"}, 0, 2, 0)
	require.NoError(t, err)
	require.Equal(t, "move to eu, second", opSummary("move", argsJSON(rebalance)))
	require.Equal(t, "move", opSummary("move", `{"scope":"x"}`))
	require.Equal(t, "migrate up to 5", opSummary("migrate", `{"direction":"up","to":5}`), "migrate's to is a version")
	require.Equal(t, "migrate down", opSummary("migrate", `{"direction":"down"}`))
}
