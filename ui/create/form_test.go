package create

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func TestFormErrorWrapsWhole(t *testing.T) {
	m := screen(t, 80, 22)
	keys := append(uitest.Type("Zed"), uitest.Key("enter"))
	keys = append(append(keys, uitest.Type("bad_domain!")...), uitest.Key("enter"))
	for _, k := range keys {
		_, cmd := m.Update(k)
		uitest.Settle(m, cmd)
	}
	v := m.View()
	require.LessOrEqual(t, lipgloss.Height(v), 22, "the view fits its size")
	require.Contains(t, strings.Join(strings.Fields(uitest.Plain(v)), " "),
		`domain "bad_domain!" is not a valid host name: each dot-separated part needs 1-63 letters, digits or inner hyphens`,
		"the error is wrapped, whole")
}

func TestKeysTypedAheadOfTheFocusGoToTheNextField(t *testing.T) {
	m := screen(t, 80, 22)
	for _, k := range uitest.Type("Zed") {
		_, cmd := m.Update(k)
		uitest.Settle(m, cmd)
	}
	_, next := m.Update(uitest.Key("enter")) // huh moves the focus when next runs
	for _, k := range uitest.Type("zed.localhost") {
		m.Update(k)
	}
	require.Equal(t, "Zed", m.f.name, "keys typed before the focus moved are held")
	uitest.Settle(m, next)
	require.Equal(t, "Zed", m.f.name)
	require.Equal(t, "zed.localhost", m.f.domains, "then typed into the field that has the focus")

	_, next = m.Update(uitest.Key("enter"))
	m.Update(uitest.Key("x"))
	uitest.Settle(m, next)
	require.Equal(t, "x", m.f.database)

	// a wrong value keeps the focus: nothing is held
	m = screen(t, 80, 22)
	_, _ = m.Update(uitest.Key("enter")) // the name is required
	m.Update(uitest.Key("Z"))
	require.Equal(t, "Z", m.f.name)
}
