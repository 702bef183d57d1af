package confirm

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

type confirmed struct{}

func dialog(t *testing.T, require string) (*Model, *time.Time) {
	c := uitest.Context(t, false, 80, 22)
	now := uitest.Now
	c.Now = func() time.Time { return now }
	m := New(c, Options{Title: "Delete tenant Acme Corp?", Lines: []string{"Database  tenant_acme on central (1.2 MiB)"},
		Require: require, Action: "Delete", Danger: true, OnConfirm: func() tea.Msg { return confirmed{} }})
	m.Init()
	m.SetSize(80, 22)
	return m, &now
}

func send(m *Model, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = m.Update(uitest.Key(k))
	}
	return cmd
}

func TestGraceSwallowsKeys(t *testing.T) {
	m, now := dialog(t, "")
	require.Nil(t, send(m, "tab", "enter"), "keys within the grace period are ignored")
	require.False(t, m.OnAction())
	*now = now.Add(Grace)
	send(m, "tab")
	require.True(t, m.OnAction())
}

func TestDefaultIsCancel(t *testing.T) {
	m, now := dialog(t, "")
	*now = now.Add(time.Second)
	require.Equal(t, []tea.Msg{common.BackMsg{}}, uitest.Msgs(send(m, "enter")))
}

func TestTypedNameEnablesAction(t *testing.T) {
	m, now := dialog(t, "Acme Corp")
	*now = now.Add(time.Second)
	require.True(t, m.Capturing())
	for _, k := range uitest.Type("Acme Cor") {
		m.Update(k)
	}
	require.False(t, m.Enabled())
	require.Nil(t, send(m, "enter"), "enter does nothing while the name is wrong")
	require.Contains(t, m.View(), "the name does not match")
	require.True(t, m.Capturing(), "the dialog stays, on the field")
	send(m, "tab", "tab") // to Delete
	require.True(t, m.OnAction())
	require.Nil(t, send(m, "enter"), "a disabled Delete does nothing")
	send(m, "tab") // back to the field
	m.Update(uitest.Key("p"))
	require.True(t, m.Enabled())
	require.NotContains(t, m.View(), "the name does not match", "typing clears the complaint")
	require.Equal(t, []tea.Msg{common.BackMsg{}, confirmed{}}, uitest.Msgs(send(m, "enter")),
		"one enter on the field confirms a matching name")
}

func TestTypedNameTabEnterOnCancelCloses(t *testing.T) {
	m, now := dialog(t, "Acme Corp")
	*now = now.Add(time.Second)
	for _, k := range uitest.Type("Acme Corp") {
		m.Update(k)
	}
	require.Equal(t, []tea.Msg{common.BackMsg{}}, uitest.Msgs(send(m, "tab", "enter")))
}

func TestTypedNameEnterWithinGraceIgnored(t *testing.T) {
	m, _ := dialog(t, "Acme Corp")
	require.Nil(t, send(m, "enter"))
	require.NotContains(t, m.View(), "the name does not match")
}

func TestEscCancels(t *testing.T) {
	m, now := dialog(t, "Acme Corp")
	*now = now.Add(time.Second)
	require.Equal(t, []tea.Msg{common.BackMsg{}}, uitest.Msgs(send(m, "esc")))
}

func TestGoldenViews(t *testing.T) {
	for _, size := range uitest.Sizes {
		m, _ := dialog(t, "Acme Corp")
		m.SetSize(size[0], size[1]-2)
		uitest.Golden(t, fmt.Sprintf("delete_%dx%d", size[0], size[1]), m.View())
	}
}

// TestAnswersOnce: once the dialog has answered, keys that reach it before
// it is gone (a second enter typed quickly, a key auto-repeating) answer
// nothing: the action is never confirmed twice.
func TestAnswersOnce(t *testing.T) {
	m, now := dialog(t, "Acme Corp")
	*now = now.Add(time.Second)
	for _, k := range uitest.Type("Acme Corp") {
		m.Update(k)
	}
	require.Equal(t, []tea.Msg{common.BackMsg{}, confirmed{}}, uitest.Msgs(send(m, "enter")))
	require.Nil(t, send(m, "enter"), "a second enter confirms nothing")
	require.Nil(t, send(m, "esc"), "nor does any other key")

	m, now = dialog(t, "")
	*now = now.Add(time.Second)
	require.Equal(t, []tea.Msg{common.BackMsg{}}, uitest.Msgs(send(m, "enter")))
	require.Nil(t, send(m, "tab", "enter"), "after Cancel, tab and enter cannot reach the action")
}
