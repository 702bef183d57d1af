package backups

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// screenOf is the backups screen of tn with the fixture catalogue.
func screenOf(t *testing.T, tn tenants.Tenant, w, h int) *Model {
	t.Helper()
	m := New(uitest.Context(t, false, w, h), tn)
	m.SetSize(w, h)
	m.reqID = 1
	m.Update(listMsg{id: 1, t: tn, list: fixtureBackups(tn.ID)})
	return m
}

// backingUp plays a backup's reports, one per table.
func backingUp(m *Model, tables []string) {
	m.job = &job{id: 7, tables: map[string][2]int64{}}
	for i, name := range tables {
		m.Update(progressMsg{job: 7, p: backup.Progress{Step: backup.StepData, Table: name, TableDone: 100, TableTotal: int64(100 * (i + 1)),
			Done: int64(100 * (i + 1)), Total: 5200, Bytes: 2e6, Written: 5e5, Elapsed: time.Second}})
	}
}

func TestHostileListIsEscaped(t *testing.T) {
	for _, size := range uitest.Sizes {
		w, h := size[0], size[1]-2
		tn := uitest.HostileTenants()[3] // its database holds a window title
		m := screenOf(t, tn, w, h)
		view := m.View()
		uitest.RequireSafe(t, view)
		uitest.RequireLines(t, view, uitest.Lines(screenOf(t, uitest.Tenants(4)[3], w, h).View()))
		require.Equal(t, "Backups of "+uitest.Shown(tn.Name), m.Title())
		require.Contains(t, uitest.Plain(view), `Backups of clear \e[2Jscreen  tenant_clip \e]52;c;aGk=\a on central`)
		uitest.Golden(t, fmt.Sprintf("backups_hostile_list_%dx%d", size[0], size[1]), view)

		m.list[0].Status = "failed\x1b]0;x\a" // the catalog is a table of the central database
		view = m.View()
		uitest.RequireSafe(t, view)
		require.Contains(t, uitest.Plain(view), `failed\e]0;x\a -`)
	}
}

func TestHostileProgressIsEscaped(t *testing.T) {
	for _, size := range uitest.Sizes {
		w, h := size[0], size[1]-2
		tn := uitest.HostileTenants()[4]
		m := screenOf(t, tn, w, h)
		backingUp(m, uitest.Hostile[:maxTableBars])
		view := m.View()
		uitest.RequireSafe(t, view)
		ordinary := screenOf(t, uitest.Tenants(5)[4], w, h)
		backingUp(ordinary, strings.Fields("users tasks projects comments files tags roles teams"))
		uitest.RequireLines(t, view, uitest.Lines(ordinary.View()))
		plain := uitest.Plain(view)
		require.Contains(t, plain, `Backing up title \e]0;title\a: data`)
		for _, table := range uitest.Hostile[:maxTableBars] {
			cell := common.Cell(table, 20)
			require.Contains(t, plain, "\n  "+cell+" [", "table %q", table)
		}
		uitest.Golden(t, fmt.Sprintf("backups_hostile_running_%dx%d", size[0], size[1]), view)

		m.Update(doneMsg{job: 7, err: fmt.Errorf("dump table %s:\n%s", uitest.Hostile[5], uitest.Hostile[12])})
		view = m.View()
		uitest.RequireSafe(t, view)
		require.Contains(t, uitest.Plain(view), `backup of title \e]0;title\a failed, nothing partial was kept: dump table clip `)
		require.Contains(t, common.Message(m.outcome), `dump table clip \e]52;c;aGk=\a: rtl \u202ecod.exe`)
	}
}

func TestHostileRestoreIsEscaped(t *testing.T) {
	for _, size := range uitest.Sizes {
		w, h := size[0], size[1]-2
		tn := uitest.HostileTenants()[5]
		m := screenOf(t, tn, w, h)
		b := m.list[len(m.list)-1]
		m.startRestore(b, "")
		m.Update(progressMsg{job: m.job.id, p: backup.Progress{Step: backup.StepLoad, Table: "indexes of `" + uitest.Hostile[2] + "`",
			Done: 412, Bytes: 6 << 20, EstimateBytes: 8 << 20, Elapsed: 2 * time.Second}})
		view := m.View()
		uitest.RequireSafe(t, view)
		require.Contains(t, uitest.Plain(view), "Restoring clip \\e]52;c;aGk=\\a from backup 5: indexes of `red \\e[31mred`")
		uitest.Golden(t, fmt.Sprintf("backups_hostile_restoring_%dx%d", size[0], size[1]), view)

		m.Update(restoredMsg{job: m.job.id, err: fmt.Errorf("load %s: %s", uitest.Hostile[3], uitest.Hostile[6])})
		view = m.View()
		uitest.RequireSafe(t, view)
		require.Contains(t, uitest.Plain(view), `restore of clip \e]52;c;aGk=\a failed, its database was left as it was: load cl`)
		require.Contains(t, common.Message(m.outcome), `load clear \e[2Jscreen: c1 \x9b31m del\x7f`)
	}
	text, isErr := restoreOutcome(uitest.HostileTenants()[0], backup.Backup{ID: 3}, backup.RestoreResult{}, nil)
	require.False(t, isErr)
	require.True(t, strings.HasPrefix(text, `restored line\nbreak from backup 3`), text)
	text, _ = outcome(uitest.HostileTenants()[0], backup.Backup{ID: 3}, nil)
	require.True(t, strings.HasPrefix(text, `backed up line\nbreak: backup 3`), text)
}

func TestHostileLoadErrorIsEscaped(t *testing.T) {
	m := NewRef(uitest.Context(t, false, 80, 22), uitest.Hostile[4])
	m.SetSize(80, 22)
	require.Equal(t, `Backups of title \e]0;title\a`, m.Title())
	m.reqID = 2
	m.Update(listMsg{id: 2, err: fmt.Errorf("find %s: %s", uitest.Hostile[4], uitest.Hostile[13])})
	view := m.View()
	uitest.RequireSafe(t, view)
	require.Contains(t, uitest.Plain(view), `find title \e]0;title\a: iso \u2066x\u2069`)
}

func TestHostileDialogsAndMessages(t *testing.T) {
	tn := uitest.HostileTenant()
	m := screenOf(t, tn, 80, 22)
	msgs := uitest.Msgs(uitest.Press(m, "R"))
	require.Len(t, msgs, 1)
	dlg := msgs[0].(common.PushMsg).Screen.(*confirm.Model)
	dlg.SetSize(80, 22)
	view := dlg.View()
	uitest.RequireSafe(t, view)
	flat := strings.Join(strings.Fields(uitest.Plain(view)), " ")
	require.Contains(t, flat, `tenant_\e[2J\n_db on central\e[31m`)
	uitest.Golden(t, "backups_hostile_restore_dialog_80x24", view)
	m.Update(common.PushedMsg{})

	form := newPolicyForm(m.c, tn, nil)
	form.SetSize(80, 22)
	view = form.View()
	uitest.RequireSafe(t, view)
	require.Contains(t, strings.Join(strings.Fields(uitest.Plain(view)), " "), "Clean up backups of Acme line\\nbreakred \\e[31mred")

	m.job = &job{id: 9}
	for _, msg := range uitest.Msgs(uitest.Press(m, "c")) {
		require.True(t, termtext.Safe(msg.(common.FlashMsg).Text), "the busy message")
	}
	m.job = nil
	flash := uitest.Msgs(confirmCleanup(m, nil, backup.Policy{}))
	require.Len(t, flash, 1)
	require.Contains(t, flash[0].(common.FlashMsg).Text, uitest.Shown(tn.Name))

	sum := uitest.Msgs(summarize([]backup.Result{{Tenant: uitest.HostileTenants()[2], Err: fmt.Errorf("boom")}}))
	require.Contains(t, sum[0].(common.FlashMsg).Text, `(red \e[31mred: boom)`)

	many := uitest.Msgs(ConfirmMany(m.c, uitest.HostileTenants()[:4], nil))
	d := many[0].(common.PushMsg).Screen
	d.SetSize(80, 22)
	view = d.View()
	uitest.RequireSafe(t, view)
	require.Contains(t, uitest.Plain(view), `carriage\rreturn  (tenant_clear \e[2Jscreen on central)`)
}
