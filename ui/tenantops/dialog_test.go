package tenantops

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func TestDeleteDialogFitsSmallTerminals(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {80, 24}, {120, 40}} {
		w, h := size[0], size[1]-2
		c := uitest.Context(t, false, w, h)
		ts := uitest.Tenants(12)
		d := newDeleteDialog(c, ts, nil)
		d.Init()
		d.SetSize(w, h)
		require.Contains(t, uitest.Plain(d.View()), "reading size…")
		d.Update(sizesMsg{id: d.id + 1, sizes: sizes{total: 1 << 30, known: 12}})
		require.Contains(t, uitest.Plain(d.View()), "reading size…", "another dialog's sizes are ignored")
		d.Update(sizesMsg{id: d.id, sizes: sizes{total: 12 * 999424, known: 12}})
		view := d.View()
		require.LessOrEqual(t, lipgloss.Height(view), h, "%dx%d", w, h)
		require.LessOrEqual(t, lipgloss.Width(view), w, "%dx%d", w, h)
		plain := uitest.Plain(view)
		require.Contains(t, plain, "(11 MiB in total)")
		require.Contains(t, plain, "Type 12 to enable Delete")
		require.Contains(t, plain, "esc cancels", "the hint and the bottom border are kept")
		uitest.Golden(t, fmt.Sprintf("delete_bulk_%dx%d", size[0], size[1]), view)
	}
}

func TestDeleteDialogKeepsDatabaseWhole(t *testing.T) {
	for _, w := range []int{60, 80} {
		c := uitest.Context(t, false, w, 18)
		tn := uitest.Tenants(2)[1]
		d := newDeleteDialog(c, uitest.Tenants(2)[1:], nil)
		d.SetSize(w, 18)
		d.Update(sizesMsg{id: d.id, sizes: sizes{total: 999424, known: 1}})
		plain := uitest.Plain(d.View())
		require.Contains(t, plain, tn.Database, "width %d", w)
		require.Regexp(t, `Size +976 KiB`, plain)
		require.LessOrEqual(t, lipgloss.Height(d.View()), 18)
		if w == 80 {
			uitest.Golden(t, "delete_one_80x20", d.View())
		}
	}
}

func TestSizeText(t *testing.T) {
	require.Equal(t, "976 KiB in total", sizeText(sizes{total: 999424, known: 2}, 2))
	require.Equal(t, "976 KiB for the 20 measured of 30", sizeText(sizes{total: 999424, known: 20}, 30))
	require.Equal(t, "976 KiB", sizeText(sizes{total: 999424, known: 1}, 1))
	require.Contains(t, sizeText(sizes{}, 1), "missing")
}

func TestDeleteDialogFinalBackupCheckbox(t *testing.T) {
	c := uitest.Context(t, false, 80, 22)
	c.Config.Backup.FinalOnDelete = true
	d := newDeleteDialog(c, uitest.Tenants(1), nil)
	d.SetSize(80, 22)
	require.Contains(t, uitest.Plain(d.View()), "[x] final backup first (ctrl+t)", "on by default with final_on_delete")
	require.True(t, d.final)
	d.Update(tea.KeyPressMsg{Code: 't', Mod: tea.ModCtrl})
	require.Contains(t, uitest.Plain(d.View()), "[ ] final backup first (ctrl+t)")
	require.False(t, d.final)
	require.Regexp(t, `│  > +│`, uitest.Plain(d.View()), "ctrl+t is not typed into the name")

	c.Config.Backup.FinalOnDelete = false
	d = newDeleteDialog(c, uitest.Tenants(1), nil)
	require.False(t, d.final)
	require.Contains(t, uitest.Plain(d.View()), "[ ] final backup first")
}

func TestDownFieldsRequest(t *testing.T) {
	f := &downFields{message: "Back soon", retry: "90", secret: "let-me-in", allow: "10.0.0.0/8, 203.0.113.7"}
	req, err := f.request()
	require.NoError(t, err)
	require.Equal(t, tenants.DownRequest{Message: "Back soon", Retry: 90, Secret: "let-me-in", Allowed: []string{"10.0.0.0/8", "203.0.113.7"}}, req)
	for _, bad := range []downFields{{retry: "soon"}, {retry: "-1"}, {secret: "a/b"}, {allow: "example.com"}} {
		_, err := bad.request()
		require.Error(t, err, "%+v", bad)
	}
}
