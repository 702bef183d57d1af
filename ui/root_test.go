package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
	"github.com/tenancy-dev/tenancy/ui/tenantlist"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func root(t *testing.T, readOnly bool, w, h int) *Model {
	t.Helper()
	c := uitest.Context(t, readOnly, w, h)
	m, err := New(c, NewRegistry(), Home)
	require.NoError(t, err)
	m.Init()
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.stack[0].(*tenantlist.Model).SetTenants(uitest.Tenants(30))
	m.Update(common.TenantCountMsg{N: 30})
	return m
}

func press(m *Model, ks ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range ks {
		_, cmd = m.Update(uitest.Key(k))
	}
	return cmd
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestGlobalKeys(t *testing.T) {
	m := root(t, false, 80, 24)
	press(m, "?")
	require.True(t, m.showHelp)
	help := uitest.Plain(m.Render())
	require.Contains(t, help, "m maintenance on", "the screen's keys come first")
	require.Contains(t, help, "j/k pgdn/pgup scroll", "the commands below scroll into view")
	press(m, "pgdown", "pgdown")
	help = uitest.Plain(m.Render())
	require.Contains(t, help, ":goto REF")
	require.Contains(t, help, ":resolve DOMAIN", "the last command is reached")
	require.True(t, m.showHelp, "scrolling keeps the help open")
	press(m, "enter")
	require.False(t, m.showHelp, "any key but the scroll keys closes the help")
	require.True(t, isQuit(press(m, "q")))
	require.True(t, isQuit(press(m, "ctrl+c")))
}

func TestCapturingScreenGetsGlobalKeys(t *testing.T) {
	m := root(t, false, 80, 24)
	press(m, "/", "q", "?", ":")
	require.False(t, m.palette.active)
	require.False(t, m.showHelp)
	require.Contains(t, uitest.Plain(m.Render()), "/q?:")
	require.True(t, isQuit(press(m, "ctrl+c")), "ctrl+c always quits")
}

func TestPalette(t *testing.T) {
	m := root(t, false, 80, 24)
	press(m, ":")
	require.True(t, m.palette.active)
	for _, k := range uitest.Type("qui") {
		m.Update(k)
	}
	press(m, "tab")
	require.Equal(t, "quit ", m.palette.input.Value())
	require.Equal(t, []tea.Msg{common.QuitMsg{}}, uitest.Msgs(press(m, "enter")))
	require.False(t, m.palette.active)

	press(m, ":")
	for _, k := range uitest.Type("explode") {
		m.Update(k)
	}
	msgs := uitest.Msgs(press(m, "enter"))
	require.True(t, msgs[0].(common.FlashMsg).Error)
	require.Contains(t, msgs[0].(common.FlashMsg).Text, "unknown command :explode")

	press(m, ":")
	for _, k := range uitest.Type("goto") {
		m.Update(k)
	}
	msgs = uitest.Msgs(press(m, "enter"))
	require.Contains(t, msgs[0].(common.FlashMsg).Text, "name a tenant")
	press(m, ":", "esc")
	require.False(t, m.palette.active)
}

func TestReadOnly(t *testing.T) {
	m := root(t, true, 120, 40)
	view := uitest.Plain(m.Render())
	require.Contains(t, view, "READ-ONLY")
	require.NotContains(t, view, "c create")
	for _, c := range m.reg.Commands(true) {
		require.False(t, c.Write, ":%s", c.Name)
	}
	refused, _ := m.palette.run("create")
	msgs := uitest.Msgs(refused)
	require.Contains(t, msgs[0].(common.FlashMsg).Text, "read-only")
	_, cmd := m.Update(common.OpenMsg{Name: "create"})
	require.Contains(t, uitest.Msgs(cmd)[0].(common.FlashMsg).Text, "read-only")
	require.Len(t, m.stack, 1)
	for _, k := range []string{"a", "x", "b", "c", "d", "space"} {
		msgs := uitest.Msgs(press(m, k))
		require.Equal(t, []tea.Msg{common.FlashMsg{Text: "read-only: writes are disabled (--read-only)", Error: true}}, msgs, "key %s", k)
		m.Update(msgs[0])
	}
	press(m, "?")
	help := uitest.Plain(m.Render())
	require.NotContains(t, help, "mark", "no bulk-write hints in read-only")
	require.Contains(t, help, "✗ read-only: writes are disabled (--read-only) (×6)", "a repeated message is counted")
}

func TestStackAndFlash(t *testing.T) {
	m := root(t, false, 80, 24)
	tn := uitest.Tenants(3)[2]
	m.Update(common.OpenMsg{Name: "detail", Arg: tn.ID, Data: tn})
	require.Len(t, m.stack, 2)
	require.Contains(t, uitest.Plain(m.Render()), "tenancy › Tenants › Initech")
	m.Update(common.BackMsg{})
	m.Update(common.BackMsg{})
	require.Len(t, m.stack, 1, "the home screen is never popped")
	m.Update(common.FlashMsg{Text: "deleted tenant Globex"})
	require.Contains(t, uitest.Plain(m.Render()), "✓ deleted tenant Globex")
	long := "refresh tenants: dial tcp 127.0.0.1:3306: connect: connection refused, and this sentence goes on past the width"
	m.Update(common.FlashMsg{Text: long, Error: true})
	require.Contains(t, uitest.Plain(m.Render()), "…", "the footer cuts a long message")
	press(m, "?")
	require.Contains(t, strings.Join(strings.Fields(uitest.Plain(m.Render())), " "), "connection refused, and this sentence goes on past the width", "the help shows it whole")
	press(m, "esc")
	m.Update(flashExpiredMsg{id: m.footer.flashID})
	require.NotContains(t, uitest.Plain(m.Render()), "deleted tenant Globex")
	m.Update(common.TaskMsg{ID: "x", Text: "loading tenants"})
	require.Contains(t, uitest.Plain(m.Render()), "loading tenants")
	m.Update(common.TaskMsg{ID: "x", Done: true})
	require.NotContains(t, uitest.Plain(m.Render()), "loading tenants")
	m.Update(common.FlashMsg{Text: "acme.test → Acme (blocked)", Warn: true})
	require.Contains(t, uitest.Plain(m.Render()), "⚠ acme.test → Acme (blocked)", "a warning is not a ✓")
	m.Update(common.SlotMsg{Slot: "cache", Text: "cache 98% hit"})
	require.Contains(t, uitest.Plain(m.Render()), "cache 98% hit")
}

func TestDialogTakesNoGlobalKeys(t *testing.T) {
	m := root(t, false, 80, 24)
	m.Update(common.PushMsg{Screen: confirm.New(m.c, confirm.Options{Title: "Block?", Action: "Block"})})
	require.False(t, isQuit(press(m, "q")), "q does not quit from behind a dialog")
	press(m, ":", "?")
	require.False(t, m.palette.active)
	require.False(t, m.showHelp)
	require.Len(t, m.stack, 2)
}

func TestRegistryRejectsDuplicates(t *testing.T) {
	r := NewRegistry()
	require.Panics(t, func() { r.Screen(tenantlist.Name, nil) })
	require.Panics(t, func() { r.Command(common.Command{Name: "quit"}) })
}

func TestResizeRelayouts(t *testing.T) {
	m := root(t, false, 120, 40)
	require.Contains(t, uitest.Plain(m.Render()), "DATABASE")
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	view := uitest.Plain(m.Render())
	require.NotContains(t, view, "DATABASE")
	lines := strings.Split(view, "\n")
	require.Len(t, lines, 20)
	for _, l := range lines {
		require.LessOrEqual(t, len([]rune(l)), 60)
	}
}

func TestGoldenScreens(t *testing.T) {
	for _, size := range uitest.Sizes {
		w, h := size[0], size[1]
		m := root(t, false, w, h)
		press(m, "j", "j")
		uitest.Golden(t, fmt.Sprintf("root_%dx%d", w, h), m.Render())
		tn := uitest.Tenants(3)[2]
		m.Update(common.PushMsg{Screen: confirm.New(m.c, confirm.Options{
			Title: "Delete tenant " + tn.Name + "?", Lines: []string{"Database  " + tn.Database + " on central"},
			Require: tn.Name, Action: "Delete", Danger: true})})
		uitest.Golden(t, fmt.Sprintf("root_dialog_%dx%d", w, h), m.Render())
		m.Update(common.BackMsg{})
		press(m, ":")
		uitest.Golden(t, fmt.Sprintf("root_palette_%dx%d", w, h), m.Render())
		press(m, "esc", "?")
		uitest.Golden(t, fmt.Sprintf("root_help_%dx%d", w, h), m.Render())
	}
}

func TestHeaderDropsLeastImportantFirst(t *testing.T) {
	m := root(t, true, 120, 40)
	m.Update(common.SlotMsg{Slot: "cache", Text: "redis ✓ 120µs", Short: "redis ✓"})
	m.Update(common.SlotMsg{Slot: "work", Text: "backing up 3 tenants"})
	wide := uitest.Plain(m.header.view(120, []string{"Tenants"}))
	for _, want := range []string{"redis ✓ 120µs", "central 127.0.0.1:3306/central", "backing up 3 tenants", "30 tenants", "READ-ONLY"} {
		require.Contains(t, wide, want)
	}
	at80 := uitest.Plain(m.header.view(80, []string{"Tenants"}))
	require.Contains(t, at80, "READ-ONLY")
	require.Contains(t, at80, "127.0.0.1:3306/central", "the central server stays at 80 columns")
	require.Contains(t, at80, "redis ✓", "the cache state, compact")
	require.NotContains(t, at80, "30 tenants", "the count goes before them")

	m.c.Config.Central.DSN = "root@unix(/home/admin/.local/state/tenancy/demo/mysql.sock)/tenancy_demo"
	m.header = newHeader(m.c)
	m.Update(common.SlotMsg{Slot: "cache", Text: "redis ✓ 120µs", Short: "redis ✓"})
	m.Update(common.SlotMsg{Slot: "work", Text: "backing up 3 tenants"})
	detail80 := uitest.Plain(m.header.view(80, []string{"Tenants", "Wayne Enterprises"}))
	require.Contains(t, detail80, "READ-ONLY")
	require.Contains(t, detail80, "…/mysql.sock/tenancy_demo", "the central server, shortened")
	require.Contains(t, detail80, "redis ✓")
	require.NotContains(t, detail80, "backing up", "work in progress goes before the cache")
	require.Contains(t, detail80, "tenancy › Tenants › Wayne", "the breadcrumb is cut, not dropped")
	at60 := uitest.Plain(m.header.view(60, []string{"Tenants", "Wayne Enterprises"}))
	require.Contains(t, at60, "…/mysql.sock/tenancy_demo  READ-ONLY", "the cache goes before the central server")
	for _, w := range []int{20, 40, 60, 70, 80, 120} {
		v := uitest.Plain(m.header.view(w, []string{"Tenants", "Acme Corp"}))
		require.LessOrEqual(t, len([]rune(v)), w)
		require.Contains(t, v, "READ-ONLY", "width %d", w)
	}
}

func lastLine(s string) string {
	lines := strings.Split(uitest.Plain(s), "\n")
	return lines[len(lines)-1]
}

func TestFooterHelpFitsWhole(t *testing.T) {
	for _, w := range []int{60, 80, 120} {
		m := root(t, false, w, 24)
		tn := uitest.Tenants(3)[2]
		m.Update(common.OpenMsg{Name: "detail", Arg: tn.ID, Data: tn})
		foot := lastLine(m.Render())
		require.True(t, strings.HasSuffix(foot, "? help • q quit"), "width %d: %q", w, foot)
		require.NotContains(t, foot, "…")
		require.LessOrEqual(t, len([]rune(foot)), w)
		for _, item := range strings.Split(foot, " • ") {
			require.Contains(t, []string{"esc back", "+ add domain", "- remove domain", "d delete", "a activate",
				"x deactivate", "b block", "B backups", "o resolve domains", "e edit", "m maintenance on", "M maintenance off",
				"? help", "q quit"}, item, "width %d: whole items only", w)
		}
	}
}

func TestHelpAtSixtyColumns(t *testing.T) {
	m := root(t, false, 60, 20)
	long := "domain \"bad_domain!\" is not a valid host name: each dot-separated part needs 1-63 letters, digits or inner hyphens"
	m.Update(common.FlashMsg{Text: long, Error: true})
	foot := lastLine(m.Render())
	require.True(t, strings.HasSuffix(foot, "…  ? more"), foot)
	press(m, "?")
	view := uitest.Plain(m.Render())
	require.Contains(t, strings.Join(strings.Fields(view), " "), long, "the help shows the message whole")
	require.Contains(t, view, "0-9 enter go to [#]")
	lines := strings.Split(view, "\n")
	require.Contains(t, lines[len(lines)-2], "j/k pgdn/pgup scroll", "the help says it scrolls")
	require.Equal(t, 1, strings.Count(view, "close"), "one way to say how to close it")
	press(m, "pgdown")
	require.True(t, m.showHelp, "pgdown scrolls the help")
	view = uitest.Plain(m.Render())
	require.Contains(t, view, "ctrl+c quit", "the global column wraps instead of being cut")
	press(m, "pgdown", "pgdown")
	require.Contains(t, uitest.Plain(m.Render()), ":resolve DOMAIN")
	press(m, "x")
	require.False(t, m.showHelp)
}

func TestPaletteDialogHoldsKeys(t *testing.T) {
	m := root(t, false, 80, 24)
	press(m, ":")
	for _, k := range uitest.Type("delete Globex") {
		m.Update(k)
	}
	require.NotNil(t, press(m, "enter"), "the lookup, then the dialog")
	require.Nil(t, press(m, "enter"), "enter typed before the dialog opens does nothing")
	require.Nil(t, press(m, "q"), "nor does q")
	require.Len(t, m.stack, 1)
	m.Update(common.FlashMsg{Text: "no tenant Globex", Error: true})
	require.NotNil(t, press(m, "enter"), "a failed lookup gives the keys back")
}

// busyScreen is a screen that owns running work.
type busyScreen struct{ common.Screen }

func (busyScreen) Busy() bool { return true }

func TestPaletteScreenReplacesScreensAboveHome(t *testing.T) {
	m := root(t, false, 80, 24)
	list := uitest.Tenants(3)
	m.Update(common.OpenMsg{Name: "detail", Arg: list[0].ID, Data: list[0]})
	cmd, _ := m.palette.run("backups " + list[1].ID)
	m.Update(uitest.Msgs(cmd)[0])
	require.Len(t, m.stack, 2, "the palette's screen replaces the detail, as k9s does")
	header := strings.SplitN(uitest.Plain(m.Render()), "\n", 2)[0]
	require.Contains(t, header, "tenancy › Tenants › Backups of "+list[1].ID[:8])

	m.Update(common.OpenMsg{Name: "detail", Arg: list[0].ID, Data: list[0]})
	require.Len(t, m.stack, 3, "screens opened by screens stack up")
	m.Update(common.PushMsg{Screen: busyScreen{m.top()}})
	m.Update(uitest.Msgs(cmd)[0])
	require.Len(t, m.stack, 5, "a busy screen is not popped: the palette's screen goes on top")
	header = strings.SplitN(uitest.Plain(m.Render()), "\n", 2)[0]
	require.Contains(t, header, "tenancy › Tenants › … › Backups of", "a long breadcrumb keeps home and the top screen")
}

func TestDetailFooterShowsStatusKeysAt80(t *testing.T) {
	m := root(t, false, 80, 24)
	tn := uitest.Tenants(3)[0]
	m.Update(common.OpenMsg{Name: "detail", Arg: tn.ID, Data: tn})
	foot := lastLine(m.Render())
	for _, want := range []string{"B backups", "a activate", "x deactivate", "b block"} {
		require.Contains(t, foot, want)
	}
	press(m, "?")
	require.Equal(t, 1, strings.Count(uitest.Plain(m.Render()), "close"), "one way to say how to close the help")
}

func TestPaletteMarksHiddenCommands(t *testing.T) {
	m := root(t, false, 80, 24)
	press(m, ":")
	all := len(m.palette.matches())
	require.Greater(t, all, maxSuggestions, "the registry has more commands than the box shows")
	require.Contains(t, uitest.Plain(m.palette.suggestions(80)), fmt.Sprintf("↓ %d more: type to narrow", all-maxSuggestions))
	for _, k := range uitest.Type("qui") {
		m.Update(k)
	}
	require.NotContains(t, uitest.Plain(m.palette.suggestions(80)), "more", "nothing hidden, no marker")
}
