package create

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// settle runs cmd and feeds its messages back, skipping commands that
// wait (cursor blinks).
func settle(m *Model, cmd tea.Cmd, depth int) {
	if cmd == nil || depth > 8 {
		return
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(30 * time.Millisecond):
		return
	}
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			settle(m, c, depth+1)
		}
		return
	case nil:
		return
	}
	_, next := m.Update(msg)
	settle(m, next, depth+1)
}

func TestFormErrorWrapsWhole(t *testing.T) {
	m := screen(t, 80, 22)
	keys := append(uitest.Type("Zed"), uitest.Key("enter"))
	keys = append(append(keys, uitest.Type("bad_domain!")...), uitest.Key("enter"))
	for _, k := range keys {
		_, cmd := m.Update(k)
		settle(m, cmd, 0)
	}
	v := m.View()
	require.LessOrEqual(t, lipgloss.Height(v), 22, "the view fits its size")
	require.Contains(t, strings.Join(strings.Fields(uitest.Plain(v)), " "),
		`domain "bad_domain!" is not a valid host name: each dot-separated part needs 1-63 letters, digits or inner hyphens`,
		"the error is wrapped, whole")
}
