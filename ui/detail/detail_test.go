package detail

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func info(t tenants.Tenant) tenants.DatabaseInfo {
	return tenants.DatabaseInfo{Server: t.Server, Name: t.Database, Exists: true, Charset: "utf8mb4",
		Collation: "utf8mb4_unicode_ci", Bytes: 950272, Rows: 5200, ReadAt: uitest.Now,
		Tables: []tenants.TableInfo{
			{Name: "activity_log", Engine: "InnoDB", Rows: 2000, DataBytes: 327680, IndexBytes: 49152},
			{Name: "projects", Engine: "InnoDB", Rows: 600, DataBytes: 98304, IndexBytes: 16384},
			{Name: "tasks", Engine: "InnoDB", Rows: 2400, DataBytes: 196608, IndexBytes: 65536},
			{Name: "users", Engine: "InnoDB", Rows: 200, DataBytes: 49152, IndexBytes: 16384},
		}}
}

func screen(t *testing.T, readOnly bool, w, h int) *Model {
	t.Helper()
	tn := uitest.Tenants(6)[5] // has a db user and a password in data
	m := New(uitest.Context(t, readOnly, w, h), tn)
	m.SetSize(w, h)
	m.reqID = 1
	m.Update(infoMsg{id: 1, info: info(tn)})
	return m
}

func press(m *Model, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = m.Update(uitest.Key(k))
	}
	return cmd
}

func TestPasswordIsRedacted(t *testing.T) {
	m := screen(t, false, 120, 200)
	require.Equal(t, "tuser0005", m.Tenant().DBUser)
	view := uitest.Plain(m.vp.GetContent())
	require.NotContains(t, view, "s3cr3t")
	require.Contains(t, view, `"tenancy_db_password": "••••••••"`)
	require.Contains(t, view, `"seats": 25`, "data JSON is pretty-printed")
	require.Contains(t, view, "928 KiB")
	require.Contains(t, view, "5,200")
}

func TestKeys(t *testing.T) {
	m := screen(t, false, 80, 22)
	require.Equal(t, []tea.Msg{common.BackMsg{}}, uitest.Msgs(press(m, "esc")))
	press(m, "G")
	require.True(t, m.vp.AtBottom())
	press(m, "g")
	require.True(t, m.vp.AtTop())
	press(m, "+")
	require.True(t, m.Capturing())
	require.Contains(t, uitest.Plain(m.View()), "add domain:")
	press(m, "esc")
	require.False(t, m.Capturing())
	press(m, "-")
	require.Contains(t, uitest.Plain(m.View()), "remove domain:  t5.localhost  [www.t5.localhost]", "remove offers the domains, the last chosen")
	press(m, "esc")
	require.NotNil(t, press(m, "d"), "delete asks through the dialog")
}

func helpText(m *Model) string {
	var parts []string
	for _, b := range m.ShortHelp() {
		parts = append(parts, b.Help().Key+" "+b.Help().Desc)
	}
	return strings.Join(parts, " • ")
}

func TestDomainPrompts(t *testing.T) {
	m := screen(t, false, 80, 22)
	press(m, "-")
	require.Equal(t, "←/→ choose • enter remove • esc cancel", helpText(m))
	press(m, "s", "h", "o", "p")
	require.Contains(t, uitest.Plain(m.View()), "[www.t5.localhost]", "typing does not edit the choice")
	press(m, "left")
	require.Contains(t, uitest.Plain(m.View()), "[t5.localhost]")
	press(m, "tab")
	require.Contains(t, uitest.Plain(m.View()), "[www.t5.localhost]")
	press(m, "esc")

	press(m, "+")
	require.Equal(t, "enter confirm • esc cancel", helpText(m))
	for _, k := range uitest.Type("Bad_Domain!") {
		m.Update(k)
	}
	msgs := uitest.Msgs(press(m, "enter"))
	require.Len(t, msgs, 1)
	flash := msgs[0].(common.FlashMsg)
	require.True(t, flash.Error)
	require.True(t, strings.HasPrefix(flash.Text, `domain "bad_domain!" is not a valid host name`), flash.Text)
	require.False(t, m.Capturing())
}

func TestReadOnlyHasNoActions(t *testing.T) {
	m := screen(t, true, 80, 22)
	for _, k := range []string{"a", "x", "b", "d", "+", "-"} {
		require.Nil(t, press(m, k), "key %s in read-only mode", k)
		require.False(t, m.Capturing())
	}
}

func TestStaleRepliesIgnored(t *testing.T) {
	m := screen(t, false, 80, 22)
	m.Update(infoMsg{id: 99, err: fmt.Errorf("boom")})
	require.NoError(t, m.infoErr)
}

func TestGoldenViews(t *testing.T) {
	for _, size := range uitest.Sizes {
		m := screen(t, false, size[0], size[1]-2)
		uitest.Golden(t, fmt.Sprintf("detail_%dx%d", size[0], size[1]), m.View())
	}
}

func TestResolveKeyOpensTheDialog(t *testing.T) {
	for _, readOnly := range []bool{false, true} {
		m := screen(t, readOnly, 80, 22)
		msgs := uitest.Msgs(press(m, "o"))
		require.Len(t, msgs, 1)
		open := msgs[0].(common.OpenMsg)
		require.Equal(t, "resolve", open.Name, "read-only %v: resolving is a read", readOnly)
		require.Equal(t, m.t.ID, open.Data.(tenants.Tenant).ID)
		require.Nil(t, press(m, "d"), "keys typed ahead of the dialog do nothing")
	}
	m := screen(t, false, 80, 22)
	m.t.Domains = nil
	msgs := uitest.Msgs(press(m, "o"))
	require.Equal(t, []tea.Msg{common.FlashMsg{Text: "tenant Stark Industries has no domain to resolve (+ adds one)", Error: true}}, msgs)
}
