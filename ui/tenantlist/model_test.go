package tenantlist

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func newList(t *testing.T, n int, readOnly bool, w, h int) *Model {
	t.Helper()
	c := uitest.Context(t, readOnly, w, h)
	m := New(c)
	m.SetSize(w, h)
	m.SetTenants(uitest.Tenants(n))
	return m
}

func press(m *Model, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = m.Update(uitest.Key(k))
	}
	return cmd
}

func typeText(m *Model, s string) {
	for _, k := range uitest.Type(s) {
		m.Update(k)
	}
}

func cursorName(t *testing.T, m *Model) string {
	t.Helper()
	tn, ok := m.Cursor()
	require.True(t, ok)
	return tn.Name
}

func TestNavigation(t *testing.T) {
	m := newList(t, 100, false, 80, 22)
	tests := []struct {
		keys []string
		want int // cursor index
	}{
		{[]string{"j", "j", "down"}, 3},
		{[]string{"k"}, 2},
		{[]string{"G"}, 99},
		{[]string{"g"}, 0},
		{[]string{"pgdown"}, 20},
		{[]string{"pgup"}, 0},
		{[]string{"up"}, 0},
		{[]string{"end"}, 99},
	}
	for _, tc := range tests {
		press(m, tc.keys...)
		require.Equal(t, tc.want, m.cursor, "after %v", tc.keys)
		require.True(t, m.cursor >= m.offset && m.cursor < m.offset+m.pageSize(), "cursor visible after %v", tc.keys)
	}
}

func TestFilterAsYouType(t *testing.T) {
	m := newList(t, 50, false, 80, 22)
	press(m, "/")
	require.True(t, m.Capturing())
	typeText(m, "globex")
	require.Equal(t, 5, m.Shown(), "Globex, Globex 1..4")
	typeText(m, " 3")
	require.Equal(t, 1, m.Shown())
	require.Equal(t, "Globex 3", cursorName(t, m))
	press(m, "enter")
	require.False(t, m.Capturing(), "enter keeps the filter and leaves the field")
	require.Equal(t, 1, m.Shown())
	press(m, "esc")
	require.Equal(t, 50, m.Shown(), "esc clears the filter")
	require.Equal(t, "Globex 3", cursorName(t, m), "cursor stays on the tenant")

	press(m, "/")
	typeText(m, "T7.LOCALHOST")
	require.Equal(t, 1, m.Shown(), "domains match case-insensitively")
	press(m, "esc")
	require.False(t, m.Capturing())
	require.Equal(t, 50, m.Shown())
	press(m, "/")
	typeText(m, "nothing-like-this")
	require.Contains(t, uitest.Plain(m.View()), "No tenant matches")
}

func TestSortCyclesAndKeepsCursor(t *testing.T) {
	m := newList(t, 12, false, 120, 38)
	press(m, "j", "j", "j") // [3] Umbrella Corp
	require.Equal(t, "Umbrella Corp", cursorName(t, m))
	press(m, "s") // name
	require.Equal(t, tenants.SortName, tenants.SortKeys[m.sortIdx])
	require.Equal(t, "Umbrella Corp", cursorName(t, m))
	require.Equal(t, "Acme Corp", m.rows.at(0).Name)
	press(m, "S")
	require.True(t, m.desc)
	require.Equal(t, "Wonka Industries", m.rows.at(0).Name)
	require.Equal(t, "Umbrella Corp", cursorName(t, m))
	require.Contains(t, uitest.Plain(m.View()), "NAME↓")
}

func TestMarksAndBulkSelection(t *testing.T) {
	m := newList(t, 12, false, 120, 38)
	press(m, "space", "space", "j", "space")
	require.Equal(t, 3, len(m.marks))
	sel := m.selection()
	require.Len(t, sel, 3)
	require.Equal(t, []string{"Acme Corp", "Globex", "Umbrella Corp"}, []string{sel[0].Name, sel[1].Name, sel[2].Name})
	press(m, "esc")
	require.Empty(t, m.marks, "esc clears the marks")
	require.Len(t, m.selection(), 1, "without marks the cursor row is the selection")
}

func TestJumpByNumber(t *testing.T) {
	m := newList(t, 200, false, 80, 22)
	press(m, "1", "4", "2")
	require.Contains(t, uitest.Plain(m.View()), "go to [142]")
	require.Nil(t, press(m, "enter"))
	require.Equal(t, 142, m.rows.at(m.cursor).Index)
	press(m, "9", "9", "9", "enter")
	msgs := uitest.Msgs(nil)
	require.Empty(t, msgs)
	require.Equal(t, 142, m.rows.at(m.cursor).Index, "a missing row leaves the cursor")
	press(m, "5", "backspace", "esc")
	require.Empty(t, m.jump)
}

func TestEnterOpensDetail(t *testing.T) {
	m := newList(t, 12, false, 80, 22)
	msgs := uitest.Msgs(press(m, "j", "enter"))
	require.Len(t, msgs, 1)
	open := msgs[0].(common.OpenMsg)
	require.Equal(t, "detail", open.Name)
	require.Equal(t, "Globex", open.Data.(tenants.Tenant).Name)
	msgs = uitest.Msgs(press(m, "c"))
	require.Equal(t, common.OpenMsg{Name: "create"}, msgs[0])
}

func TestReadOnlyDisablesWrites(t *testing.T) {
	m := newList(t, 12, true, 80, 22)
	for _, k := range []string{"c", "d", "a", "x", "b"} {
		require.Nil(t, press(m, k), "key %s must do nothing in read-only mode", k)
	}
	for _, b := range m.ShortHelp() {
		if b.Help().Desc == "create" || b.Help().Desc == "delete" {
			require.False(t, b.Enabled(), "%s is hidden from help", b.Help().Desc)
		}
	}
}

func TestRefreshKeepsCursorOnTenant(t *testing.T) {
	m := newList(t, 30, false, 80, 22)
	press(m, "j", "j", "j", "j", "j") // [5]
	id := m.rows.at(m.cursor).ID
	ts := uitest.Tenants(30)
	ts = append(ts[:1], ts[2:]...) // [1] deleted elsewhere
	m.loadID = 7
	m.Update(loadedMsg{id: 7, ts: ts})
	require.Equal(t, id, m.rows.at(m.cursor).ID)
	require.Equal(t, 4, m.cursor)
	// A stale listing is ignored.
	m.Update(loadedMsg{id: 3, ts: uitest.Tenants(2)})
	require.Equal(t, 29, len(m.rows.ts))
	// A failed refresh keeps the table and flashes.
	m.loadID = 9
	_, cmd := m.Update(loadedMsg{id: 9, err: fmt.Errorf("connection refused")})
	msgs := uitest.Msgs(cmd)
	require.True(t, msgs[0].(common.FlashMsg).Error)
	require.Equal(t, 29, len(m.rows.ts))
}

func TestNarrowWidthsDropColumns(t *testing.T) {
	nat := measure(uitest.Tenants(20))
	wide := fitColumns(200, nat)
	for c := colID(0); c < numCols; c++ {
		require.NotZero(t, wide[c], "column %s at 200 columns", titles[c])
	}
	require.Equal(t, nat[colTenantID], wide[colTenantID], "full id when wide")
	narrow := fitColumns(60, nat)
	require.Zero(t, narrow[colDatabase])
	require.Zero(t, narrow[colServer])
	require.NotZero(t, narrow[colName])
	require.NotZero(t, narrow[colStatus])
	for _, w := range []int{40, 60, 80, 100, 120, 160} {
		l := fitColumns(w, nat)
		total := gutter
		n := 0
		for _, cw := range l {
			if cw > 0 {
				total += cw
				n++
			}
		}
		total += gap * (n - 1)
		require.LessOrEqual(t, total, w, "layout at %d", w)
	}
}

func TestGoldenViews(t *testing.T) {
	for _, size := range uitest.Sizes {
		w, h := size[0], size[1]-2
		m := newList(t, 60, false, w, h)
		press(m, "j", "j", "space", "j")
		uitest.Golden(t, fmt.Sprintf("tenants_%dx%d", size[0], size[1]), m.View())
		press(m, "/")
		typeText(m, "corp")
		uitest.Golden(t, fmt.Sprintf("tenants_filtered_%dx%d", size[0], size[1]), m.View())
	}
	empty := New(uitest.Context(t, false, 80, 22))
	empty.SetSize(80, 22)
	empty.SetTenants(nil)
	uitest.Golden(t, "tenants_empty_80x24", empty.View())
}
