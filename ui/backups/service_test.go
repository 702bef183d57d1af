package backups

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/keys"
	"github.com/tenancy-dev/tenancy/ui/styles"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// live opens the screen on a real tenant of the test server.
func live(t *testing.T) (*Model, *testdb.Env) {
	t.Helper()
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	tn, err := svc.Create(context.Background(), tenants.CreateRequest{Name: "ui backups"}, nil)
	require.NoError(t, err)
	km, err := keys.New(nil, false)
	require.NoError(t, err)
	c := common.NewContext(context.Background(), svc, env.Config, km, styles.New(true))
	m := New(c, tn)
	m.SetSize(120, 40)
	feed(m, m.Init())
	return m, env
}

// feed runs cmd synchronously and hands its messages to the screen.
func feed(m *Model, cmd tea.Cmd) []tea.Msg {
	msgs := uitest.Msgs(cmd)
	for _, msg := range msgs {
		_, next := m.Update(msg)
		if next != nil {
			feed(m, next)
		}
	}
	return msgs
}

func TestBackupFromTheScreen(t *testing.T) {
	m, _ := live(t)
	require.Empty(t, m.list)
	msgs := feed(m, uitest.Press(m, "c"))
	require.Contains(t, msgs, tea.Msg(common.SlotMsg{Slot: "work", Text: "1 backup(s) running"}))
	require.Contains(t, msgs, tea.Msg(common.SlotMsg{Slot: "work", Text: ""}))
	require.Nil(t, m.job)
	require.False(t, m.outcomeError, m.outcome)
	require.Len(t, m.list, 1)
	require.Equal(t, backup.StatusComplete, m.list[0].Status)

	msgs = feed(m, uitest.Press(m, "v"))
	var flashed []string
	for _, msg := range msgs {
		if f, ok := msg.(common.FlashMsg); ok {
			require.False(t, f.Error, f.Text)
			flashed = append(flashed, f.Text)
		}
	}
	require.NotEmpty(t, flashed)
	require.Contains(t, flashed[0], "is sound")
	require.NotNil(t, m.list[0].VerifiedAt)
}

func TestCancelledBackupKeepsNothing(t *testing.T) {
	m, env := live(t)
	cmd := uitest.Press(m, "c")
	require.NotNil(t, m.job)
	uitest.Press(m, "esc") // cancels the run before it reads anything
	feed(m, cmd)
	require.True(t, m.outcomeError)
	require.Contains(t, m.outcome, "nothing partial was kept")
	entries, err := os.ReadDir(filepath.Join(env.Config.Backup.Dir, m.t.ID))
	if err == nil {
		require.Empty(t, entries)
	}
	for _, b := range m.list {
		require.NotEqual(t, backup.StatusComplete, b.Status)
	}
}

func TestBackupCommandRunsInTheBackground(t *testing.T) {
	m, _ := live(t)
	msgs := uitest.Msgs(backupCommand(m.c, []string{m.t.ID}))
	require.Equal(t, common.SlotMsg{Slot: "work", Text: "1 backup(s) running"}, msgs[0])
	require.Contains(t, msgs, tea.Msg(common.SlotMsg{Slot: "work", Text: ""}))
	require.Contains(t, msgs, tea.Msg(common.FlashMsg{Text: "backed up 1 tenant(s)"}))
	feed(m, m.reload())
	require.Len(t, m.list, 1)

	msgs = uitest.Msgs(backupCommand(m.c, []string{"no-such-tenant"}))
	last := msgs[len(msgs)-1].(common.FlashMsg)
	require.True(t, last.Error)
	require.Contains(t, last.Text, "nothing matches")
}
