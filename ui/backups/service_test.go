package backups

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/jmoiron/sqlx"
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

// feed runs cmd synchronously and hands its messages to the screen,
// then the commands those return; it returns every message.
func feed(m *Model, cmd tea.Cmd) []tea.Msg {
	msgs := uitest.Msgs(cmd)
	all := msgs
	for _, msg := range msgs {
		_, next := m.Update(msg)
		if next != nil {
			all = append(all, feed(m, next)...)
		}
	}
	return all
}

func TestBackupFromTheScreen(t *testing.T) {
	m, _ := live(t)
	require.Empty(t, m.list)
	msgs := feed(m, uitest.Press(m, "c"))
	require.Contains(t, msgs, tea.Msg(common.SlotMsg{Slot: "work", Text: "1 backup running"}))
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
	require.Equal(t, common.SlotMsg{Slot: "work", Text: "1 backup running"}, msgs[0])
	require.Contains(t, msgs, tea.Msg(common.SlotMsg{Slot: "work", Text: ""}))
	require.Contains(t, msgs, tea.Msg(common.FlashMsg{Text: "backed up 1 tenant"}))
	feed(m, m.reload())
	require.Len(t, m.list, 1)

	msgs = uitest.Msgs(backupCommand(m.c, []string{"no-such-tenant"}))
	last := msgs[len(msgs)-1].(common.FlashMsg)
	require.True(t, last.Error)
	require.Contains(t, last.Text, "nothing matches")
}

// backedUpNotes gives the tenant a notes table of two rows, backs it up
// from the screen, then empties the table (a restore brings them back).
func backedUpNotes(t *testing.T, m *Model, env *testdb.Env) *sqlx.DB {
	t.Helper()
	db := env.Database(t, m.t.Database)
	_, err := db.Exec("CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)")
	require.NoError(t, err)
	_, err = db.Exec("INSERT INTO notes VALUES (1, 'kept'), (2, 'also kept')")
	require.NoError(t, err)
	feed(m, uitest.Press(m, "c"))
	require.False(t, m.outcomeError, m.outcome)
	require.Len(t, m.list, 1)
	_, err = db.Exec("DELETE FROM notes")
	require.NoError(t, err)
	return db
}

func TestRestoreFromTheScreen(t *testing.T) {
	m, env := live(t)
	db := backedUpNotes(t, m, env)

	ask := confirmedRestore(t, m)
	msgs := feed(m, func() tea.Msg { return ask })
	var steps []string
	for _, msg := range msgs {
		if p, ok := msg.(progressMsg); ok {
			steps = append(steps, p.p.Step)
		}
	}
	require.Contains(t, steps, backup.StepVerify, "the view gets the service's reports")
	require.Nil(t, m.job)
	require.False(t, m.outcomeError, m.outcome)
	require.Contains(t, m.outcome, "restored ui backups from backup")
	var n int
	require.NoError(t, db.Get(&n, "SELECT COUNT(*) FROM notes"))
	require.Equal(t, 2, n, "the rows are back")
}

func TestCancelledRestoreLeavesTheDatabase(t *testing.T) {
	m, env := live(t)
	db := env.Database(t, m.t.Database)
	_, err := db.Exec("CREATE TABLE notes (id INT PRIMARY KEY)")
	require.NoError(t, err)
	feed(m, uitest.Press(m, "c"))
	_, err = db.Exec("INSERT INTO notes VALUES (7)")
	require.NoError(t, err)

	ask := confirmedRestore(t, m)
	cmd := m.startRestore(ask.b, "")
	uitest.Press(m, "esc") // cancels before the service starts
	feed(m, cmd)
	require.True(t, m.outcomeError)
	require.Contains(t, m.outcome, "cancelled: its database was left untouched")
	var n int
	require.NoError(t, db.Get(&n, "SELECT COUNT(*) FROM notes WHERE id = 7"))
	require.Equal(t, 1, n, "the row written after the backup is still there")
	var scratch []string
	require.NoError(t, env.Server.Select(&scratch, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?", m.t.Database+"__restore_%"))
	require.Empty(t, scratch, "no scratch database is left")
}
