package detail

import (
	"encoding/json"
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/tenantops"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// pushed returns the screen cmd pushes (a form or dialog).
func pushed(t *testing.T, cmd tea.Cmd, w, h int) common.Screen {
	t.Helper()
	for _, msg := range uitest.Msgs(cmd) {
		if p, ok := msg.(common.PushMsg); ok {
			p.Screen.SetSize(w, h)
			uitest.Settle(p.Screen, p.Screen.Init())
			return p.Screen
		}
	}
	t.Fatalf("no screen pushed by %v", uitest.Msgs(cmd))
	return nil
}

// drive types keys into a pushed form, running huh's focus moves, and
// returns the messages meant for the root.
// open presses k on the detail screen and returns the screen it pushes,
// telling the detail screen it was pushed (as the root does).
func open(t *testing.T, m *Model, k string, w, h int) common.Screen {
	t.Helper()
	s := pushed(t, press(m, k), w, h)
	m.Update(common.PushedMsg{})
	return s
}

func drive(s common.Screen, keys ...string) []tea.Msg {
	var out []tea.Msg
	for _, k := range keys {
		_, cmd := s.Update(uitest.Key(k))
		out = append(out, uitest.Settle(s, cmd)...)
	}
	return out
}

func flashes(msgs []tea.Msg) []string {
	var out []string
	for _, m := range msgs {
		if f, ok := m.(common.FlashMsg); ok {
			out = append(out, f.Text)
		}
	}
	return out
}

func TestStrayEnterNeverSaves(t *testing.T) {
	// The test context has no service: a save would panic the test.
	for _, k := range []string{"e", "m"} {
		m := screen(t, false, 80, 22)
		form := open(t, m, k, 80, 22)
		require.True(t, form.Capturing())
		msgs := drive(form, "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter")
		require.Contains(t, msgs, tea.Msg(common.BackMsg{}), "%s: the form closes on the Cancel it starts on", k)
		require.Equal(t, []string{"cancelled: nothing was changed"}, flashes(msgs), k)

		form = open(t, m, k, 80, 22)
		msgs = drive(form, "esc")
		require.Equal(t, []string{"nothing was changed"}, flashes(msgs), "%s: esc cancels", k)
	}
}

func TestEditFormSavesOnlyWhatChanged(t *testing.T) {
	m := screen(t, false, 80, 22)
	form := open(t, m, "e", 80, 22)
	// name kept, homepage toggled to yes, settings kept, then Save
	msgs := drive(form, "enter", "y", "tab", "left")
	require.Empty(t, flashes(msgs))
	require.True(t, form.(*tenantops.Form).Saving(), "left chose Save")

	f := newEditFields(m.t)
	f.homepage = true
	req, err := f.request(m.t)
	require.NoError(t, err)
	require.Equal(t, tenants.EditRequest{HasHomepage: ptr(true)}, req, "only the homepage changes")

	tn := m.t
	tn.Name = "Acme\x1b[31m"
	tn.Settings = json.RawMessage(`{"theme":"dark","seats":25,"rtl":"\u202e"}`)
	f = newEditFields(tn)
	require.Equal(t, `Acme\e[31m`, f.name, "the name is shown escaped")
	require.NotContains(t, f.settings, "\u202e", "so are the settings")
	req, err = f.request(tn)
	require.NoError(t, err)
	require.True(t, req.Empty(), "values left as shown are left as stored, though shown escaped")

	f.settings = `{"seats": 30, "rtl": "\u202e", "locale": "fr"}`
	req, err = f.request(tn)
	require.NoError(t, err)
	require.Equal(t, []string{"theme"}, req.UnsetSettings)
	require.Equal(t, map[string]json.RawMessage{"seats": json.RawMessage(`30`), "locale": json.RawMessage(`"fr"`)}, req.SetSettings)
	f.settings = `[1]`
	_, err = f.request(tn)
	require.ErrorContains(t, err, "settings must be a JSON object")

	tn.Settings = json.RawMessage(`not json`)
	f = newEditFields(tn)
	require.False(t, f.settingsEditable, "settings that are not an object are left alone")
}

func TestDownFormValidates(t *testing.T) {
	m := screen(t, false, 80, 22)
	form := open(t, m, "m", 80, 22)
	drive(form, "enter")
	drive(form, "backspace", "backspace", "x", "enter")
	require.Contains(t, uitest.Plain(form.View()), "is not a number of seconds", "a bad retry is refused at the field")
}

func TestMaintenanceShownAndUpAsks(t *testing.T) {
	m := screen(t, false, 120, 200)
	require.Contains(t, uitest.Plain(m.vp.GetContent()), "maintenance    off")
	require.Equal(t, []string{"tenant " + m.t.Name + " is not in maintenance mode"}, flashes(uitest.Msgs(press(m, "M"))))
	m.Update(common.FlashMsg{}) // the root shows it; the guard lets keys through again

	tn := m.t
	tn.Maintenance = &tenants.Maintenance{Form: tenants.MaintenanceExcept, Retry: 60, Secret: "x", Allowed: []string{"10.0.0.0/8"}, Message: "Back at 5"}
	m.Update(tenantMsg{id: m.reqID, t: tn})
	plain := uitest.Plain(m.vp.GetContent())
	require.Contains(t, plain, "maintenance    ON (503), retry 60s, bypass secret set, allowed 10.0.0.0/8, except form")
	require.Contains(t, plain, "  message      Back at 5")
	dialog := open(t, m, "M", 80, 22)
	require.Contains(t, uitest.Plain(dialog.View()), "Bring "+m.t.Name+" up?")
}

func TestLifecycleKeysRefusedReadOnly(t *testing.T) {
	m := screen(t, true, 80, 22)
	for _, k := range []string{"e", "m", "M"} {
		require.Empty(t, uitest.Msgs(press(m, k)), "%s opens nothing", k)
		require.True(t, m.c.Keys.Refused(uitest.Key(k)), "%s: the root says why (read-only)", k)
	}
	require.False(t, m.c.Keys.Edit.Enabled(), "hidden from help")
}

func TestFormGoldenAndHostile(t *testing.T) {
	for _, size := range uitest.Sizes {
		w, h := size[0], size[1]-2
		m := screen(t, false, w, h)
		uitest.Golden(t, fmt.Sprintf("edit_%dx%d", size[0], size[1]), open(t, m, "e", w, h).View())
		uitest.Golden(t, fmt.Sprintf("down_%dx%d", size[0], size[1]), open(t, m, "m", w, h).View())

		hm := hostileScreen(t, w, h)
		tn := hm.t
		tn.Settings = json.RawMessage(`{"k":"` + "\\u001b[31m \u202e" + `"}`)
		tn.Maintenance = &tenants.Maintenance{Message: "down \x1b]0;title\a\u202e", Allowed: []string{"10.0.0.1\x1b[2J"}, Retry: 5}
		hm.Update(tenantMsg{id: hm.reqID, t: tn})
		for _, k := range []string{"e", "m"} {
			v := open(t, hm, k, w, h).View()
			uitest.RequireSafe(t, v)
			uitest.Golden(t, fmt.Sprintf("%s_hostile_%dx%d", map[string]string{"e": "edit", "m": "down"}[k], size[0], size[1]), v)
		}
		hm.vp.GotoTop()
		uitest.RequireSafe(t, hm.vp.GetContent())
		require.Contains(t, uitest.Plain(hm.vp.GetContent()), `message      down \e]0;title\a\u202e`)
		uitest.RequireSafe(t, open(t, hm, "M", w, h).View())
	}
}

func ptr[T any](v T) *T { return &v }
