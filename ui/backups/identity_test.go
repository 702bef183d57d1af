package backups

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"filippo.io/age"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/testdb"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// ageKey writes a new age identity to a file (as age-keygen does) and
// returns its path and recipient.
func ageKey(t *testing.T) (string, string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "key.txt")
	require.NoError(t, os.WriteFile(path, []byte("# created: now\n"+id.String()+"\n"), 0o600))
	return path, id.Recipient().String()
}

// fixedRecipient is a recipient for views (no key behind it is needed).
const fixedRecipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"

func TestIdentityFormViews(t *testing.T) {
	c := uitest.Context(t, false, 80, 24)
	b := fixtureBackups("acme")[4]
	b.File, b.EncryptedTo = "acme/acme_x_full.sql.zst.age", backup.Recipients{fixedRecipient}
	for _, what := range []string{"restore", "verify"} {
		f := newIdentityForm(c, b, what, what == "verify", nil)
		f.Init()
		if what == "restore" {
			f.err = fmt.Errorf("backup s3://b/acme/x.age is encrypted to %s: %w; give the identity file of one of them", fixedRecipient, backup.ErrWrongIdentity)
		}
		for _, size := range uitest.Sizes {
			f.SetSize(size[0], size[1])
			uitest.Golden(t, fmt.Sprintf("backups_identity_%s_%dx%d", what, size[0], size[1]), f.View())
			require.LessOrEqual(t, uitest.Lines(f.View()), size[1], "the dialog fits")
		}
	}
}

// answer types path into the identity form, presses enter and, when that
// checks the file, runs the check (real I/O) and hands the form its answer.
func answer(t *testing.T, f *identityForm, path string) []tea.Msg {
	t.Helper()
	f.input.SetValue(path)
	_, cmd := f.Update(uitest.Key("enter"))
	if f.checking == 0 {
		return uitest.Msgs(cmd)
	}
	msgs := uitest.Msgs(cmd)
	require.Len(t, msgs, 1)
	require.IsType(t, identityCheckedMsg{}, msgs[0])
	_, cmd = f.Update(msgs[0])
	return uitest.Msgs(cmd)
}

// requireUntouched checks that the tenant's notes table still holds n
// rows and that no scratch database was made.
func requireUntouched(t *testing.T, m *Model, env *testdb.Env, n int) {
	t.Helper()
	var got int
	require.NoError(t, env.Database(t, m.t.Database).Get(&got, "SELECT COUNT(*) FROM notes"))
	require.Equal(t, n, got)
	var scratch []string
	require.NoError(t, env.Server.Select(&scratch, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?", m.t.Database+"__restore_%"))
	require.Empty(t, scratch, "no scratch database is left")
}

// TestEncryptedRestoreAsksForTheIdentity restores a real encrypted backup
// from the screen with no [backup] identity_file: R asks for the file;
// an empty answer, a missing file and a stranger's key are refused in
// the form (naming the recipients) and nothing is written; the right key
// opens the typed-name dialog, which restores exactly. v offers the key
// given last, and an empty answer checks size and checksum only.
func TestEncryptedRestoreAsksForTheIdentity(t *testing.T) {
	m, env := live(t)
	keyPath, recipient := ageKey(t)
	strangerPath, _ := ageKey(t)
	m.c.Config.Backup.EncryptTo = []string{recipient}
	backedUpNotes(t, m, env)
	require.True(t, m.list[0].Encrypted(), m.list[0].File)

	msgs := uitest.Msgs(uitest.Press(m, "R"))
	require.Len(t, msgs, 1)
	f := msgs[0].(common.PushMsg).Screen.(*identityForm)
	m.Update(common.PushedMsg{})
	f.SetSize(80, 24)
	f.Init()
	require.Contains(t, uitest.Plain(f.View()), recipient)
	require.True(t, f.Capturing(), "q and ? are typed into the path")

	require.Empty(t, answer(t, f, "  "))
	require.ErrorIs(t, f.err, errNoIdentityFile)
	require.Empty(t, answer(t, f, keyPath+".missing"))
	require.ErrorContains(t, f.err, "read the identity file")
	require.Empty(t, answer(t, f, strangerPath))
	require.ErrorIs(t, f.err, backup.ErrWrongIdentity)
	require.Contains(t, strings.Join(strings.Fields(uitest.Plain(f.View())), ""), recipient, "the error names the recipients")
	requireUntouched(t, m, env, 0)

	msgs = answer(t, f, keyPath)
	require.Len(t, msgs, 2)
	require.Equal(t, common.BackMsg{}, msgs[0])
	dlg := msgs[1].(common.PushMsg).Screen.(*confirm.Model)
	m.Update(common.PushedMsg{})
	dlg.SetSize(120, 40)
	dlg.Init()
	require.Contains(t, uitest.Plain(dlg.View()), "Decrypts  with")
	require.Contains(t, uitest.Plain(dlg.View()), keyPath)
	now := m.c.Now
	m.c.Now = func() time.Time { return now().Add(confirm.Grace) } // the dialog's grace is over
	for _, k := range append(uitest.Type(m.t.Name), uitest.Key("enter")) {
		_, cmd := dlg.Update(k)
		msgs = uitest.Msgs(cmd)
	}
	m.c.Now = now
	require.Len(t, msgs, 2)
	require.Equal(t, keyPath, msgs[1].(restoreMsg).identity)
	feed(m, func() tea.Msg { return msgs[1] })
	require.False(t, m.outcomeError, m.outcome)
	require.Contains(t, m.outcome, "restored ui backups from backup")
	requireUntouched(t, m, env, 2)

	// v: the key given last is offered; emptied, size and checksum only.
	msgs = uitest.Msgs(uitest.Press(m, "v"))
	f = msgs[0].(common.PushMsg).Screen.(*identityForm)
	m.Update(common.PushedMsg{})
	require.Equal(t, keyPath, f.input.Value(), "the dashboard remembers the file given")
	msgs = answer(t, f, "")
	require.Equal(t, common.BackMsg{}, msgs[0])
	require.Contains(t, flashed(t, msgs), "match the catalog (encrypted")
	msgs = uitest.Msgs(uitest.Press(m, "v"))
	f = msgs[0].(common.PushMsg).Screen.(*identityForm)
	m.Update(common.PushedMsg{})
	msgs = answer(t, f, keyPath)
	require.Contains(t, flashed(t, msgs), "is sound")
}

// TestWrongConfiguredIdentityChangesNothing: with [backup] identity_file
// set, R goes straight to the dialog; a key that is none of the
// recipients' fails the restore naming them, and nothing is written.
func TestWrongConfiguredIdentityChangesNothing(t *testing.T) {
	m, env := live(t)
	_, recipient := ageKey(t)
	strangerPath, _ := ageKey(t)
	m.c.Config.Backup.EncryptTo = []string{recipient}
	backedUpNotes(t, m, env)
	m.c.Config.Backup.IdentityFile = strangerPath

	msgs := uitest.Msgs(uitest.Press(m, "R"))
	require.Len(t, msgs, 1)
	require.IsType(t, &confirm.Model{}, msgs[0].(common.PushMsg).Screen, "an identity is configured: no prompt")
	feed(m, func() tea.Msg { return restoreMsg{ask: m.restoreAsk, b: m.list[0]} })
	require.True(t, m.outcomeError)
	require.Contains(t, m.outcome, "left as it was")
	require.Contains(t, m.outcome, recipient)
	requireUntouched(t, m, env, 0)
}

// flashed is the text of the one flash among msgs.
func flashed(t *testing.T, msgs []tea.Msg) string {
	t.Helper()
	var texts []string
	for _, msg := range msgs {
		if f, ok := msg.(common.FlashMsg); ok {
			require.False(t, f.Error, f.Text)
			texts = append(texts, f.Text)
		}
	}
	require.Len(t, texts, 1)
	return texts[0]
}

// TestDashboardsKeepTheirOwnState: two dashboards of one process (two SSH
// sessions) count their own backups and remember their own identity file.
func TestDashboardsKeepTheirOwnState(t *testing.T) {
	one, two := uitest.Context(t, false, 80, 24), uitest.Context(t, false, 80, 24)
	slot := func(c *common.Context, delta int) string {
		msgs := uitest.Msgs(workSlot(c, delta))
		require.Len(t, msgs, 1)
		return msgs[0].(common.SlotMsg).Text
	}
	require.Equal(t, "1 backup running", slot(one, +1))
	require.Equal(t, "1 backup running", slot(two, +1), "the other dashboard's backup is not counted")
	require.Equal(t, "2 backups running", slot(one, +1))
	require.Equal(t, "", slot(two, -1))
	require.Equal(t, "1 backup running", slot(one, -1))

	b := fixtureBackups("acme")[4]
	b.File = "acme/x.sql.zst.age"
	common.Local[dashboard](one).identity = "/keys/one.txt"
	require.Equal(t, "/keys/one.txt", newIdentityForm(one, b, "restore", false, nil).input.Value())
	require.Empty(t, newIdentityForm(two, b, "restore", false, nil).input.Value())
}
