package backups

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

type previewed struct{ p backup.Policy }

func typeInto(t *testing.T, p *policyForm, keys ...tea.KeyPressMsg) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	for _, k := range keys {
		_, cmd := p.Update(k)
		out = append(out, uitest.Settle(p, cmd)...)
	}
	return out
}

func TestCleanupKeyOpensThePolicyFormPrefilled(t *testing.T) {
	m := screen(t, false, 80, 24)
	m.c.Config.Backup.Retention = config.Retention{KeepLast: 3, KeepDaily: 7, OlderThan: config.Duration(30 * 24 * time.Hour)}
	msgs := uitest.Msgs(uitest.Press(m, "C"))
	require.Len(t, msgs, 1)
	form := msgs[0].(common.PushMsg).Screen.(*policyForm)
	require.Equal(t, policyFields{last: "3", daily: "7", weekly: "0", monthly: "0", olderThan: "30d"}, *form.f)
	require.True(t, form.Capturing(), "digits and q are typed, not global keys")
}

func TestPolicyFormPreviewsTheTypedPolicy(t *testing.T) {
	c := uitest.Context(t, false, 80, 22)
	tn := uitest.Tenants(1)[0]
	p := newPolicyForm(c, tn, func(pol backup.Policy) tea.Cmd { return func() tea.Msg { return previewed{pol} } })
	p.SetSize(80, 22)
	uitest.Settle(p, p.Init())
	require.Contains(t, uitest.Plain(p.View()), "Clean up backups of "+tn.Name)

	// every rule 0 and no age: asked again, with a reason
	keys := []tea.KeyPressMsg{}
	for range 5 {
		keys = append(keys, uitest.Key("backspace"), uitest.Key("enter"))
	}
	require.Empty(t, typeInto(t, p, keys...))
	require.Contains(t, uitest.Plain(p.View()), "set at least one rule")

	keys = append([]tea.KeyPressMsg{uitest.Key("backspace")}, uitest.Type("5")...)
	keys = append(keys, uitest.Key("enter"), uitest.Key("enter"), uitest.Key("enter"), uitest.Key("enter"))
	keys = append(append(keys, uitest.Type("30d")...), uitest.Key("enter"))
	msgs := typeInto(t, p, keys...)
	require.Equal(t, []tea.Msg{common.BackMsg{}, previewed{backup.Policy{Last: 5, Within: 30 * 24 * time.Hour}}}, msgs)
}

func TestPolicyParsing(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "0": 0, "30d": 30 * 24 * time.Hour, "36h": 36 * time.Hour} {
		got, err := parseAge(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"soon", "-1h", "0d"} {
		_, err := parseAge(bad)
		require.Error(t, err, bad)
	}
	_, err := parseCount("-1")
	require.Error(t, err)
	require.Equal(t, "36h0m0s", formatAge(36*time.Hour))
}
