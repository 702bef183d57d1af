package tenantops_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/tenantops"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

var ctrlT = tea.KeyPressMsg{Code: 't', Mod: tea.ModCtrl}

// confirmDelete opens the delete dialog of ts past its grace period,
// types what it asks for (after pressing extra keys), confirms, and runs
// the deletion to its end, returning its flash.
func confirmDelete(t *testing.T, c *common.Context, ts []tenants.Tenant, typed string, extra ...tea.KeyPressMsg) common.FlashMsg {
	t.Helper()
	now := time.Now()
	c.Now = func() time.Time { return now }
	dlg := uitest.Msgs(tenantops.ConfirmDelete(c, ts, nil))[0].(common.PushMsg).Screen
	dlg.Init()
	dlg.SetSize(80, 22)
	now = now.Add(time.Second)
	for _, k := range append(extra, uitest.Type(typed)...) {
		dlg.Update(k)
	}
	_, cmd := dlg.Update(uitest.Key("enter"))
	progress := uitest.Msgs(cmd)[1].(common.PushMsg).Screen
	for _, m := range driveConcurrently(progress, progress.Init()) {
		if f, ok := m.(common.FlashMsg); ok {
			return f
		}
	}
	t.Fatal("the deletion flashed nothing")
	return common.FlashMsg{}
}

// driveConcurrently is uitest.Drive with every command on its own
// goroutine, as Bubble Tea runs them: a final backup reports more steps
// than the progress channel holds, so its reader must run beside it.
func driveConcurrently(s common.Screen, cmd tea.Cmd) []tea.Msg {
	msgs := make(chan tea.Msg)
	running := 0
	start := func(c tea.Cmd) {
		if c != nil {
			running++
			go func() { msgs <- c() }()
		}
	}
	start(cmd)
	var out []tea.Msg
	for running > 0 {
		msg := <-msgs
		running--
		switch m := msg.(type) {
		case nil, spinner.TickMsg:
		case tea.BatchMsg:
			for _, c := range m {
				start(c)
			}
		default:
			if reflect.TypeOf(msg).PkgPath() == reflect.TypeFor[common.BackMsg]().PkgPath() {
				out = append(out, msg)
				continue
			}
			var c tea.Cmd
			s, c = s.Update(msg)
			start(c)
		}
	}
	return out
}

func TestDeleteWithFinalBackupFromDialog(t *testing.T) {
	c, ts := setup(t, 2)
	flash := confirmDelete(t, c, ts[:1], "One", ctrlT)
	require.Equal(t, "deleted tenant One and its database (its final backup is kept)", flash.Text)
	_, err := c.Service.Find(context.Background(), ts[0].ID)
	require.ErrorIs(t, err, tenants.ErrNotFound)
	bs, err := backup.Open(context.Background(), c.Service)
	require.NoError(t, err)
	list, err := bs.List(context.Background(), ts[0].ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, backup.KindFinal, list[0].Kind)
	require.NotNil(t, list[0].VerifiedAt)
}

// TestDeleteWithFailingFinalBackupKeepsTenant: a backup folder that
// cannot be made fails the final backup; the tenant and its database stay.
func TestDeleteWithFailingFinalBackupKeepsTenant(t *testing.T) {
	c, ts := setup(t, 1)
	blocker := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o600))
	c.Config.Backup.Dir = filepath.Join(blocker, "backups")
	c.Config.Backup.FinalOnDelete = true
	flash := confirmDelete(t, c, ts, "One")
	require.True(t, flash.Error)
	require.Contains(t, flash.Text, "nothing was deleted")
	require.Contains(t, flash.Text, "0 of 1 deleted")
	_, err := c.Service.Find(context.Background(), ts[0].ID)
	require.NoError(t, err, "the tenant remains")
	info, err := c.Service.DatabaseInfo(context.Background(), ts[0])
	require.NoError(t, err)
	require.True(t, info.Exists, "and so does its database")
}

func TestBulkDownAndUp(t *testing.T) {
	c, ts := setup(t, 3)
	now := time.Now()
	c.Now = func() time.Time { return now }
	form := uitest.Msgs(tenantops.Down(c, ts[:2]))[0].(common.PushMsg).Screen
	form.SetSize(80, 22)
	uitest.Settle(form, form.Init())
	require.Contains(t, uitest.Plain(form.View()), "Maintenance: 2 tenants")
	for _, k := range []string{"enter", "enter", "enter", "enter", "left", "enter"} { // the fields as they are, then Put down
		_, cmd := form.Update(uitest.Key(k))
		uitest.Settle(form, cmd) // the writes go on after Settle stops waiting
	}
	var all []tenants.Tenant
	require.Eventually(t, func() bool {
		var err error
		all, err = c.Service.List(context.Background(), tenants.ListOptions{})
		down := 0
		for _, tn := range all {
			if tn.Maintenance != nil && tn.Maintenance.Retry == 60 {
				down++
			}
		}
		return err == nil && down == 2
	}, 20*time.Second, 50*time.Millisecond, "the two tenants are put down")

	// Up asks about the tenants that are down, by count, and brings them up.
	dlg := uitest.Msgs(tenantops.ConfirmUp(c, all))[0].(common.PushMsg).Screen
	dlg.SetSize(80, 22)
	require.Contains(t, uitest.Plain(dlg.View()), "Bring 2 tenants up?")
	now = now.Add(time.Second)
	dlg.Update(uitest.Key("tab"))
	_, cmd := dlg.Update(uitest.Key("enter"))
	require.Contains(t, uitest.Msgs(cmd), tea.Msg(common.FlashMsg{Text: "2 tenants are up"}))
	all, err := c.Service.List(context.Background(), tenants.ListOptions{})
	require.NoError(t, err)
	for _, tn := range all {
		require.Nil(t, tn.Maintenance, tn.Name)
	}
	require.Equal(t, "none of the 3 tenants is in maintenance mode", uitest.Msgs(tenantops.ConfirmUp(c, all))[0].(common.FlashMsg).Text)
}
