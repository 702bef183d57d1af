package backups

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func TestRestoreStages(t *testing.T) {
	for _, tc := range []struct {
		p    backup.Progress
		want int
	}{
		{backup.Progress{Step: backup.StepVerify}, 0},
		{backup.Progress{Step: backup.StepLoad, Table: "schema"}, 1},
		{backup.Progress{Step: backup.StepLoad, Table: "data"}, 2},
		{backup.Progress{Step: backup.StepLoad, Table: "indexes of `tasks`"}, 3},
		{backup.Progress{Step: backup.StepLoad, Table: "objects"}, 4},
		{backup.Progress{Step: backup.StepSwap}, 5},
		{backup.Progress{Step: backup.StepFinish}, 6},
	} {
		require.Equal(t, tc.want, restoreStage(tc.p), "%+v", tc.p)
	}
}

// confirmedRestore opens the restore dialog on the newest backup and
// returns the message its Restore button sends.
func confirmedRestore(t *testing.T, m *Model) restoreMsg {
	t.Helper()
	msgs := uitest.Msgs(uitest.Press(m, "R"))
	require.Len(t, msgs, 1)
	m.Update(common.PushedMsg{})
	dlg := msgs[0].(common.PushMsg).Screen
	dlg.SetSize(120, 40)
	require.Contains(t, uitest.Plain(dlg.View()), "or esc stops it")
	return restoreMsg{ask: m.restoreAsk, b: m.list[len(m.list)-1]}
}

func TestRestoreProgressView(t *testing.T) {
	m := screen(t, false, 80, 24)
	ask := confirmedRestore(t, m)
	m.Update(restoreMsg{ask: ask.ask + 100, b: ask.b})
	require.Nil(t, m.job, "another screen's dialog starts nothing here")
	cmd := m.startRestore(ask.b, "") // what restoreMsg runs, without the service
	require.NotNil(t, cmd)
	require.NotNil(t, m.job.restore)
	for _, p := range []backup.Progress{
		{Step: backup.StepVerify, EstimateBytes: 8 << 20},
		{Step: backup.StepLoad, Table: "schema", Done: 12, Bytes: 40 << 10, EstimateBytes: 8 << 20, Elapsed: time.Second},
		{Step: backup.StepLoad, Table: "data", Done: 412, Bytes: 2 << 20, EstimateBytes: 8 << 20, Elapsed: 2 * time.Second},
	} {
		m.Update(progressMsg{job: m.job.id, p: p})
	}
	busy := []tea.Msg{common.FlashMsg{Text: "a restore of Acme Corp is running: wait for it, or esc cancels it", Error: true}}
	for _, k := range []string{"c", "R", "d", "C"} {
		require.Equal(t, busy, uitest.Msgs(uitest.Press(m, k)), "%s: one job at a time", k)
	}
	for _, size := range uitest.Sizes {
		m.SetSize(size[0], size[1])
		uitest.Golden(t, fmt.Sprintf("backups_restoring_%dx%d", size[0], size[1]), m.View())
	}
	require.Equal(t, "esc", m.ShortHelp()[0].Help().Key)
	require.Equal(t, "cancel restore", m.ShortHelp()[0].Help().Desc)

	m.Update(progressMsg{job: m.job.id, p: backup.Progress{Step: backup.StepSwap, Bytes: 8 << 20, EstimateBytes: 8 << 20}})
	msgs := uitest.Msgs(uitest.Press(m, "esc"))
	require.Len(t, msgs, 1)
	require.Contains(t, msgs[0].(common.FlashMsg).Text, "cannot be cancelled", "the swap is one step")
	require.NotNil(t, m.job)

	m.Update(restoredMsg{job: m.job.id, err: fmt.Errorf("restore into x: %w", context.Canceled)})
	require.Nil(t, m.job)
	require.True(t, m.outcomeError)
	require.Contains(t, m.outcome, "its database was left untouched")
	require.Contains(t, uitest.Plain(m.View()), "was left untouched")
}

func TestEscCancelsTheRestore(t *testing.T) {
	m := screen(t, false, 80, 24)
	ask := confirmedRestore(t, m)
	m.startRestore(ask.b, "")
	m.Update(progressMsg{job: m.job.id, p: backup.Progress{Step: backup.StepLoad, Table: "data"}})
	j := m.job
	cancelled := false
	j.cancel = func() { cancelled = true }
	require.Nil(t, uitest.Press(m, "esc"))
	require.True(t, cancelled, "esc cancels the restore")
	require.Same(t, j, m.job, "the view stays until the service answers")
	require.Contains(t, uitest.Plain(m.View()), "Restoring Acme Corp from backup 5")
}
