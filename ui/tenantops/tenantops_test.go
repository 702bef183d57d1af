package tenantops_test

import (
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/keys"
	"github.com/tenancy-dev/tenancy/ui/styles"
	"github.com/tenancy-dev/tenancy/ui/tenantops"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func setup(t *testing.T, n int) (*common.Context, []tenants.Tenant) {
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	ctx := context.Background()
	var ts []tenants.Tenant
	for i := 0; i < n; i++ {
		tn, err := svc.Create(ctx, tenants.CreateRequest{Name: []string{"One", "Two", "Three"}[i]}, nil)
		require.NoError(t, err)
		ts = append(ts, tn)
	}
	km, err := keys.New(nil, false)
	require.NoError(t, err)
	c := common.NewContext(ctx, svc, env.Config, km, styles.New(true))
	t.Cleanup(c.Wait)
	return c, ts
}

func TestSetStatusBulk(t *testing.T) {
	c, ts := setup(t, 3)
	msgs := uitest.Msgs(tenantops.SetStatus(c, ts[:2], tenants.StatusBlocked))
	require.Contains(t, msgs, tea.Msg(common.FlashMsg{Text: "blocked 2 tenants"}))
	require.Contains(t, msgs, tea.Msg(common.TenantsChangedMsg{}))
	all, err := c.Service.List(context.Background(), tenants.ListOptions{Status: tenants.StatusBlocked})
	require.NoError(t, err)
	require.Len(t, all, 2)
}

func TestConfirmDeleteThenDelete(t *testing.T) {
	c, ts := setup(t, 1)
	now := time.Now()
	c.Now = func() time.Time { return now }
	msgs := uitest.Msgs(tenantops.ConfirmDelete(c, ts, nil))
	require.Len(t, msgs, 2, "the dialog at once, then the size")
	dlg := msgs[0].(common.PushMsg).Screen
	require.Implements(t, (*common.Dialog)(nil), dlg)
	dlg.Init()
	dlg.SetSize(120, 38)
	view := uitest.Plain(dlg.View())
	require.Contains(t, view, "Delete tenant One?")
	require.Contains(t, view, ts[0].Database)
	require.Contains(t, view, "reading size…", "the dialog opens before the size is read")
	dlg.Update(msgs[1])
	require.Regexp(t, `Size +\d+ KiB`, uitest.Plain(dlg.View()), "the database size is filled in")
	now = now.Add(time.Second)
	for _, k := range uitest.Type("One") {
		dlg.Update(k)
	}
	_, cmd := dlg.Update(uitest.Key("enter"))
	_, again := dlg.Update(uitest.Key("enter"))
	require.Nil(t, again, "a second enter before the dialog is gone deletes nothing more")
	msgs = uitest.Msgs(cmd)
	require.Len(t, msgs, 2, "back from the dialog, then the progress dialog")
	require.Equal(t, common.BackMsg{}, msgs[0])
	progress := msgs[1].(common.PushMsg).Screen
	progress.SetSize(120, 38)
	require.Contains(t, uitest.Plain(progress.View()), "Deleting tenant One")
	msgs = uitest.Drive(progress, progress.Init())
	require.Contains(t, msgs, tea.Msg(common.FlashMsg{Text: "deleted tenant One and its database"}))
	require.Contains(t, msgs, tea.Msg(common.BackMsg{}), "the progress dialog closes itself")
	_, err := c.Service.Find(context.Background(), ts[0].ID)
	require.ErrorIs(t, err, tenants.ErrNotFound)
}

func TestReadOnlyRefuses(t *testing.T) {
	c := uitest.Context(t, true, 80, 22)
	msgs := uitest.Msgs(tenantops.ConfirmDelete(c, uitest.Tenants(1), nil))
	require.True(t, msgs[0].(common.FlashMsg).Error)
	msgs = uitest.Msgs(tenantops.SetStatus(c, uitest.Tenants(1), tenants.StatusActive))
	require.True(t, msgs[0].(common.FlashMsg).Error)
}

func TestDeleteStopsBetweenTenants(t *testing.T) {
	c, ts := setup(t, 3)
	progress := uitest.Msgs(tenantops.Delete(c, ts, false, nil))[0].(common.PushMsg).Screen
	progress.Update(uitest.Key("esc")) // before the run starts: nothing is deleted
	msgs := uitest.Drive(progress, progress.Init())
	var flash common.FlashMsg
	for _, m := range msgs {
		if f, ok := m.(common.FlashMsg); ok {
			flash = f
		}
	}
	require.True(t, flash.Error)
	require.Contains(t, flash.Text, "stopped at your request (0 of 3 deleted")
	all, err := c.Service.List(context.Background(), tenants.ListOptions{})
	require.NoError(t, err)
	require.Len(t, all, 3)
}
