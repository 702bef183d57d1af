package tenantops

import (
	"fmt"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/stretchr/testify/require"

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
