package tenantops

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func TestHostileDeleteDialog(t *testing.T) {
	for _, size := range uitest.Sizes {
		w, h := size[0], size[1]-2
		c := uitest.Context(t, false, w, h)
		now := uitest.Now
		c.Now = func() time.Time { return now }
		tn := uitest.HostileTenant()
		tn.Domains = tn.Domains[:3]
		d := newDeleteDialog(c, []tenants.Tenant{tn}, nil)
		d.Init()
		d.SetSize(w, h)
		d.Update(sizesMsg{id: d.id, sizes: sizes{total: 999424, known: 1}})
		view := d.View()
		uitest.RequireSafe(t, view)
		require.LessOrEqual(t, lipgloss.Height(view), h)
		plain := uitest.Plain(view)
		flat := unwrapped(plain)
		for _, s := range []string{"Delete tenant " + tn.Name + "?", tn.ID, tn.Database, tn.Server, tn.DBUser} {
			require.Contains(t, flat, uitest.Shown(s))
		}
		require.Contains(t, flat, `d0.line\nbreak, d1.carriage\rreturn, d2.red \e[31mred`)
		uitest.Golden(t, fmt.Sprintf("delete_hostile_%dx%d", size[0], size[1]), view)

		now = now.Add(time.Second)
		for _, k := range uitest.Type(uitest.Shown(tn.Name)) {
			d.Update(k)
		}
		require.True(t, d.Enabled(), "the name typed as shown confirms: %q", uitest.Shown(tn.Name))
	}
}

// unwrapped is a dialog's text without its border, its lines joined
// with spaces (a wrapped line breaks at a space).
func unwrapped(plain string) string {
	var words []string
	for _, l := range strings.Split(plain, "\n") {
		words = append(words, strings.Fields(strings.Trim(l, "│╭╮╰╯─ "))...)
	}
	return strings.Join(words, " ")
}

func TestHostileBulkDeleteDialog(t *testing.T) {
	w, h := 80, 22
	c := uitest.Context(t, false, w, h)
	ts := uitest.HostileTenants()[:6]
	d := newDeleteDialog(c, ts, nil)
	d.SetSize(w, h)
	view := d.View()
	uitest.RequireSafe(t, view)
	require.LessOrEqual(t, lipgloss.Height(view), h)
	plain := uitest.Plain(view)
	require.Contains(t, plain, `[0] line\nbreak  tenant_red \e[31mred`)
	require.Contains(t, plain, `[4] title \e]0;title\a  tenant_c1 \x9b31m del\x7f`)
	uitest.Golden(t, "delete_hostile_bulk_80x24", view)
}

func TestHostileDeletingView(t *testing.T) {
	for _, size := range uitest.Sizes {
		c := uitest.Context(t, false, size[0], size[1]-2)
		ts := uitest.HostileTenants()[:3]
		d := newDeleting(c, ts, false, nil)
		d.SetSize(size[0], size[1]-2)
		d.Update(deleteEvent{id: d.id, index: 0, p: tenants.Progress{Step: tenants.StepDropDatabase, State: tenants.StepStarted,
			Message: "drop database " + ts[0].Database + " on central\nnow"}})
		view := d.View()
		uitest.RequireSafe(t, view)
		plain := uitest.Plain(view)
		require.Contains(t, plain, `1 of 3: line\nbreak`)
		require.Contains(t, plain, `drop database tenant_red \e[31mred on central now`)
		uitest.Golden(t, fmt.Sprintf("deleting_hostile_%dx%d", size[0], size[1]), view)
	}
	one := uitest.HostileTenants()[4:5]
	require.Equal(t, `tenant title \e]0;title\a`, describe(one))
	d := newDeleting(uitest.Context(t, false, 80, 22), one, false, nil)
	d.SetSize(80, 22)
	require.Contains(t, uitest.Plain(d.View()), `Deleting tenant title \e]0;title\a`)
	require.True(t, termtext.Safe(describe(uitest.HostileTenants())))
}
