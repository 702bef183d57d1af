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
	require.Contains(t, uitest.Plain(m.Render()), ":goto REF")
	press(m, "j")
	require.False(t, m.showHelp, "any key closes the help")
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
	for _, k := range uitest.Type("qu") {
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
	m.palette.run("create")
	msgs := uitest.Msgs(m.palette.run("create"))
	require.Contains(t, msgs[0].(common.FlashMsg).Text, "read-only")
	_, cmd := m.Update(common.OpenMsg{Name: "create"})
	require.Contains(t, uitest.Msgs(cmd)[0].(common.FlashMsg).Text, "read-only")
	require.Len(t, m.stack, 1)
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
	m.Update(flashExpiredMsg{id: m.footer.flashID})
	require.NotContains(t, uitest.Plain(m.Render()), "deleted tenant Globex")
	m.Update(common.TaskMsg{ID: "x", Text: "loading tenants"})
	require.Contains(t, uitest.Plain(m.Render()), "loading tenants")
	m.Update(common.TaskMsg{ID: "x", Done: true})
	require.NotContains(t, uitest.Plain(m.Render()), "loading tenants")
	m.Update(common.SlotMsg{Slot: "cache", Text: "cache 98% hit"})
	require.Contains(t, uitest.Plain(m.Render()), "cache 98% hit")
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
	}
}
