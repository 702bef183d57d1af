package keys_test

import (
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/ui/keys"
	_ "github.com/tenancy-dev/tenancy/ui/uitest" // its -update flag, shared by `go test ./ui/... -update`
)

func TestOverrides(t *testing.T) {
	k, err := keys.New(map[string][]string{"delete": {"D", "delete"}, "quit": {}}, false)
	require.NoError(t, err)
	require.Equal(t, []string{"D", "delete"}, k.Delete.Keys())
	require.Equal(t, "D/delete", k.Delete.Help().Key)
	require.False(t, key.Matches(tea.KeyPressMsg{Code: 'd', Text: "d"}, k.Delete))
	require.True(t, key.Matches(tea.KeyPressMsg{Code: 'D', Text: "D"}, k.Delete))
	require.False(t, key.Matches(tea.KeyPressMsg{Code: 'q', Text: "q"}, k.Quit), "an empty list unbinds")
}

func TestUnknownActionIsNamed(t *testing.T) {
	_, err := keys.New(map[string][]string{"explode": {"e"}}, false)
	require.ErrorContains(t, err, "ui.keys: unknown action(s) explode")
	require.ErrorContains(t, err, "known: activate")
}

func TestReadOnlyDisablesWrites(t *testing.T) {
	k, err := keys.New(nil, true)
	require.NoError(t, err)
	for _, b := range []key.Binding{k.Create, k.Delete, k.Activate, k.Deactivate, k.Block, k.AddDomain, k.RemoveDomain} {
		require.False(t, b.Enabled(), b.Help().Desc)
	}
	require.True(t, k.Filter.Enabled())
}
