package backups

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func fixtureBackups(tenantID string) []backup.Backup {
	var out []backup.Backup
	for i := 0; i < 5; i++ {
		started := uitest.Now.Add(-time.Duration(5-i) * 24 * time.Hour)
		finished := started.Add(3 * time.Second)
		b := backup.Backup{ID: int64(i + 1), TenantID: tenantID, Kind: backup.KindFull, Compression: backup.CompressZstd,
			Size: int64(1<<20 + i*4096), Status: backup.StatusComplete, StartedAt: started, FinishedAt: &finished}
		if i == 1 {
			b.Kind, b.Compression = backup.KindStructure, backup.CompressGzip
		}
		if i == 2 {
			b.File, b.EncryptedTo = tenantID+"/3.sql.zst.age", backup.Recipients{fixedRecipient}
		}
		if i == 3 {
			b.Status, b.Error = backup.StatusFailed, "disk full"
		}
		if i == 4 {
			b.VerifiedAt = &finished
		}
		out = append(out, b)
	}
	return out
}

func screen(t *testing.T, readOnly bool, w, h int) *Model {
	t.Helper()
	tn := uitest.Tenants(3)[0]
	m := New(uitest.Context(t, readOnly, w, h), tn)
	m.SetSize(w, h)
	m.reqID = 1
	m.Update(listMsg{id: 1, t: tn, list: fixtureBackups(tn.ID)})
	return m
}

func TestListNewestFirstAndCursor(t *testing.T) {
	m := screen(t, false, 120, 40)
	b, ok := m.selected()
	require.True(t, ok)
	require.EqualValues(t, 5, b.ID, "newest first")
	uitest.Press(m, "j", "j")
	b, _ = m.selected()
	require.EqualValues(t, 3, b.ID)
	uitest.Press(m, "G")
	b, _ = m.selected()
	require.EqualValues(t, 1, b.ID)
	uitest.Press(m, "j")
	b, _ = m.selected()
	require.EqualValues(t, 1, b.ID, "the cursor stops at the end")
	uitest.Press(m, "g")
	b, _ = m.selected()
	require.EqualValues(t, 5, b.ID)
	require.Equal(t, []tea.Msg{common.BackMsg{}}, uitest.Msgs(uitest.Press(m, "esc")))
}

func TestKindAndCompressionCycle(t *testing.T) {
	m := screen(t, false, 80, 24)
	require.Equal(t, backup.KindFull, m.kind)
	uitest.Press(m, "t")
	require.Equal(t, backup.KindStructure, m.kind)
	uitest.Press(m, "t")
	require.Equal(t, backup.KindFull, m.kind)
	require.Equal(t, backup.CompressZstd, m.compression)
	uitest.Press(m, "z")
	require.Equal(t, backup.CompressGzip, m.compression)
	uitest.Press(m, "z", "z")
	require.Equal(t, backup.CompressZstd, m.compression)
}

func TestRestoreAndDeleteAskFirst(t *testing.T) {
	m := screen(t, false, 80, 24)
	msgs := uitest.Msgs(uitest.Press(m, "R"))
	require.Len(t, msgs, 1)
	push, ok := msgs[0].(common.PushMsg)
	require.True(t, ok, "restore opens a confirmation")
	view := uitest.Plain(push.Screen.View())
	require.Contains(t, view, "Restore Acme Corp")
	require.Contains(t, view, "Replaces")
	require.Nil(t, uitest.Press(m, "d"), "keys typed before the dialog is on screen do nothing")

	m.Update(common.PushedMsg{}) // the root pushed it
	msgs = uitest.Msgs(uitest.Press(m, "d"))
	require.Len(t, msgs, 1)
	_, ok = msgs[0].(common.PushMsg)
	require.True(t, ok, "delete opens a confirmation")
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	m := screen(t, true, 80, 24)
	require.Nil(t, uitest.Press(m, "c"), "the create key is disabled")
	require.Nil(t, uitest.Press(m, "R"))
	require.Nil(t, uitest.Press(m, "C"))
	require.Nil(t, m.job)
	for _, cmd := range []tea.Cmd{Background(m.c, []tenants.Tenant{m.t}), ConfirmMany(m.c, []tenants.Tenant{m.t}, nil)} {
		require.Equal(t, []tea.Msg{common.FlashMsg{Text: tenants.ErrReadOnly.Error(), Error: true}}, uitest.Msgs(cmd))
	}
}

func TestProgressView(t *testing.T) {
	m := screen(t, false, 80, 24)
	m.job = &job{id: 7, tables: map[string][2]int64{}}
	for _, p := range []backup.Progress{
		{Step: backup.StepData, Table: "users", TableDone: 200, TableTotal: 200, Done: 200, Total: 5200, Bytes: 2e6, Written: 5e5, Elapsed: time.Second},
		{Step: backup.StepData, Table: "tasks", TableDone: 1200, TableTotal: 2400, Done: 2600, Total: 5200, Bytes: 12e6, Written: 3e6, Elapsed: 4 * time.Second},
	} {
		m.Update(progressMsg{job: 7, p: p})
	}
	m.Update(progressMsg{job: 8, p: backup.Progress{Done: 1}}) // another run's report is ignored
	require.EqualValues(t, 2600, m.job.last.Done)
	require.Equal(t, []string{"users", "tasks"}, m.job.order)
	eta, ok := estimate(m.job.last)
	require.True(t, ok)
	require.Equal(t, 4*time.Second, eta)
	for _, size := range uitest.Sizes {
		m.SetSize(size[0], size[1])
		uitest.Golden(t, fmt.Sprintf("backups_running_%dx%d", size[0], size[1]), m.View())
	}
	m.Update(doneMsg{job: 7, err: fmt.Errorf("wrapped: %w", context.Canceled)})
	require.Nil(t, m.job)
	require.Contains(t, m.outcome, "nothing partial was kept")
	require.True(t, m.outcomeError)
}

func TestGoldenList(t *testing.T) {
	for _, size := range uitest.Sizes {
		m := screen(t, false, size[0], size[1])
		uitest.Press(m, "j")
		uitest.Golden(t, fmt.Sprintf("backups_list_%dx%d", size[0], size[1]), m.View())
	}
	m := screen(t, false, 80, 24)
	m.Update(listMsg{id: 1, t: m.t})
	uitest.Golden(t, "backups_empty_80x24", m.View())
}

func TestWorkSlotCountsRunningBackups(t *testing.T) {
	c := uitest.Context(t, false, 80, 24)
	require.Equal(t, []tea.Msg{common.SlotMsg{Slot: "work", Text: "1 backup running"}}, uitest.Msgs(workSlot(c, +1)))
	require.Equal(t, []tea.Msg{common.SlotMsg{Slot: "work", Text: "2 backups running"}}, uitest.Msgs(workSlot(c, +1)))
	uitest.Msgs(workSlot(c, -1))
	require.Equal(t, []tea.Msg{common.SlotMsg{Slot: "work", Text: ""}}, uitest.Msgs(workSlot(c, -1)))
}

func TestFailedOrRunningBackupRefusesRestoreAndVerify(t *testing.T) {
	m := screen(t, false, 80, 24)
	uitest.Press(m, "j") // backup 4, failed
	b, _ := m.selected()
	require.Equal(t, backup.StatusFailed, b.Status)
	for _, k := range []string{"R", "v"} {
		require.Equal(t, []tea.Msg{common.FlashMsg{Text: "backup 4 failed; there is nothing to restore", Error: true}},
			uitest.Msgs(uitest.Press(m, k)), "%s on a failed backup flashes at once, no dialog", k)
	}
	m.list[len(m.list)-1-m.cursor].Status = backup.StatusRunning
	require.Equal(t, []tea.Msg{common.FlashMsg{Text: "backup 4 is still running; there is nothing to restore yet", Error: true}},
		uitest.Msgs(uitest.Press(m, "R")))
}

func TestReadOnlyWithoutCatalogListsNothing(t *testing.T) {
	require.True(t, noCatalog(fmt.Errorf("list backups: %w", &mysql.MySQLError{Number: 1146, Message: "Table 'c.tenant_backups' doesn't exist"})))
	require.False(t, noCatalog(&mysql.MySQLError{Number: 1045}))
	m := screen(t, true, 80, 24)
	m.Update(listMsg{id: m.reqID, t: m.t})
	require.Contains(t, uitest.Plain(m.View()), "No backups yet.")
	require.NotContains(t, uitest.Plain(m.View()), "press c", "read-only cannot make one")
}
