package ui

import (
	"errors"
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

// hostileRoot is the dashboard over the hostile tenants with one of them
// open (its name is the breadcrumb), a flash of an error that quotes it,
// a task and header slots that name it.
func hostileRoot(t *testing.T, w, h int) *Model {
	t.Helper()
	m := root(t, false, w, h)
	m.stack[0].(*tenantlist.Model).SetTenants(append(uitest.HostileTenants(), uitest.Tenants(60)[len(uitest.Hostile):]...))
	tn := uitest.HostileTenant()
	m.Update(common.OpenMsg{Name: "detail", Arg: tn.ID, Data: tn})
	m.Update(common.FlashMsg{Text: "delete tenant " + tn.Name + ": " + uitest.Hostile[1] + "\n" + uitest.Hostile[13], Error: true})
	m.Update(common.TaskMsg{ID: "restore-1", Text: "restoring into " + tn.Database})
	m.Update(common.SlotMsg{Slot: "cache", Text: "cache ✗ dial " + uitest.Hostile[5], Short: "cache ✗ " + uitest.Hostile[12]})
	m.Update(common.SlotMsg{Slot: "work", Text: uitest.Hostile[4]})
	return m
}

func TestHostileTextIsEscapedEverywhere(t *testing.T) {
	for _, size := range uitest.Sizes {
		w, h := size[0], size[1]
		m := hostileRoot(t, w, h)
		view := m.Render()
		uitest.RequireSafe(t, view)
		uitest.RequireLines(t, view, h)
		lines := strings.Split(uitest.Plain(view), "\n")
		require.Contains(t, lines[0], `tenancy › Tenants › Acme l`, "the breadcrumb")
		require.Contains(t, lines[h-1], `✗ delete tenant Acme line breakred \e`, "the flash: its text on one line")
		require.Contains(t, lines[h-1], `restoring into tenant_\e[2J _db`, "the task, one line")
		uitest.Golden(t, fmt.Sprintf("root_hostile_%dx%d", w, h), view)

		m.Update(common.BackMsg{})
		view = m.Render()
		uitest.RequireSafe(t, view)
		uitest.RequireLines(t, view, h)
		require.Contains(t, uitest.Plain(view), `title \e]0;title\a`, "the work slot")

		press(m, "?")
		view = m.Render()
		uitest.RequireSafe(t, view)
		uitest.RequireLines(t, view, h)
		help := strings.Join(strings.Fields(uitest.Plain(view)), " ")
		require.Contains(t, help, `✗ delete tenant Acme line breakred \e[31mredtitle \e]0;title\aclip \e]52;c;aGk=\artl \u202ecod.exe: carriage\rreturn iso \u2066x\u2069`,
			"the last messages, whole and escaped")
		uitest.Golden(t, fmt.Sprintf("root_hostile_help_%dx%d", w, h), view)
		press(m, "esc")
	}
}

func TestHostileHelpTitleAndDialog(t *testing.T) {
	m := hostileRoot(t, 80, 24)
	press(m, "?")
	require.Contains(t, uitest.Plain(m.Render()), "\n"+`Acme line\nbreakred \e[31mredtitle \e]0;title\aclip \e]52;c;aGk=\artl \u202ecod.`, "the help's title")
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
	require.Contains(t, uitest.Plain(m.Render()), `Acme line\nbreakred \e[31mredtitle \e]0;title\aclip \e]52;c;aGk=\artl \u202ecod.exe — keys`)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	press(m, "esc")

	m.Update(common.PushMsg{Screen: confirm.New(m.c, confirm.Options{Title: "Block tenant " + uitest.Hostile[5] + "?",
		Items: []string{uitest.Hostile[2], uitest.Hostile[12]}, Action: "Block", Danger: true})})
	view := m.Render()
	uitest.RequireSafe(t, view)
	uitest.RequireLines(t, view, 24)
	require.Contains(t, uitest.Plain(view), `Block tenant clip \e]52;c;aGk=\a?`)
	uitest.Golden(t, "root_hostile_dialog_80x24", view)
}

func TestHostilePalette(t *testing.T) {
	m := hostileRoot(t, 80, 24)
	press(m, ":")
	for _, k := range uitest.Type("goto \u202eacme") {
		m.Update(k)
	}
	view := m.Render()
	uitest.RequireSafe(t, view)
	uitest.RequireLines(t, view, 24)
	require.Contains(t, uitest.Plain(view), `:goto \u202eacme`, "a pasted bidi control shows escaped")
	press(m, "esc")

	press(m, ":")
	for _, k := range uitest.Type("\u202eexplode") {
		m.Update(k)
	}
	for _, msg := range uitest.Msgs(press(m, "enter")) {
		m.Update(msg)
	}
	view = m.Render()
	uitest.RequireSafe(t, view)
	require.Contains(t, uitest.Plain(view), `unknown command :\u202eexplode`)

	m.Update(common.FlashMsg{Text: errors.New("list tenants: \x1b[2J").Error(), Error: true})
	require.Contains(t, uitest.Plain(m.Render()), `✗ list tenants: \e[2J`)
}

// rawTitle is a screen whose title is a tenant's name as stored: the
// header and the help escape titles whatever a screen returns.
type rawTitle struct {
	*tenantlist.Model
	title string
}

func (r rawTitle) Title() string { return r.title }

func TestHostileTitlesAreEscapedByTheRoot(t *testing.T) {
	m := root(t, false, 120, 40)
	m.Update(common.PushMsg{Screen: rawTitle{tenantlist.New(m.c), uitest.Hostile[5] + uitest.Hostile[0]}})
	view := m.Render()
	uitest.RequireSafe(t, view)
	uitest.RequireLines(t, view, 40)
	require.Contains(t, strings.Split(uitest.Plain(view), "\n")[0], `tenancy › Tenants › clip \e]52;c;aGk=\aline\nbreak`)
	press(m, "?")
	view = m.Render()
	uitest.RequireSafe(t, view)
	uitest.RequireLines(t, view, 40)
	require.Contains(t, uitest.Plain(view), "\n"+`clip \e]52;c;aGk=\aline\nbreak — keys`)
}
