package tenantlist

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func TestBackupsKeyOpensTheScreenOrBacksUpTheMarked(t *testing.T) {
	m := newList(t, 12, false, 80, 22)
	msgs := uitest.Msgs(press(m, "j", "B"))
	require.Len(t, msgs, 1)
	open := msgs[0].(common.OpenMsg)
	require.Equal(t, "backups", open.Name)
	require.Equal(t, "Globex", open.Data.(tenants.Tenant).Name, "nothing marked: the cursor's tenant")

	press(m, "k", "space", "space")
	msgs = uitest.Msgs(press(m, "B"))
	require.Len(t, msgs, 1)
	push, ok := msgs[0].(common.PushMsg)
	require.True(t, ok, "marked tenants: a confirmation first")
	view := uitest.Plain(push.Screen.View())
	require.Contains(t, view, "Back up 2 tenants")
	require.Contains(t, view, "full backup, zstd")
	require.Contains(t, view, "Acme Corp")
	require.Contains(t, view, "Globex")
	require.Nil(t, press(m, "enter"), "keys typed ahead of the dialog do nothing")
	require.Len(t, m.marks, 2, "marks stay until the backups start")
}

func TestBackupsKeyInReadOnlyOnlyOpensTheScreen(t *testing.T) {
	m := newList(t, 12, true, 80, 22)
	require.Nil(t, press(m, "space"), "marks are disabled in read-only mode")
	msgs := uitest.Msgs(press(m, "B"))
	require.Len(t, msgs, 1)
	require.Equal(t, "backups", msgs[0].(common.OpenMsg).Name)
}
