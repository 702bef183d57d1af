package backups

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	humanize "github.com/dustin/go-humanize"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// restoreMsg is the confirmed restore dialog asking this screen (ask
// tells it from other backups screens on the stack) to start.
type restoreMsg struct {
	ask      int
	b        backup.Backup
	identity string // the identity file that decrypts b ("": as configured)
}

type restoredMsg struct {
	job int
	res backup.RestoreResult
	err error
}

// startRestore runs the restore as a job (see launch), shown by
// restoreView; a footer task shows it on other screens.
func (m *Model) startRestore(b backup.Backup, identity string) tea.Cmd {
	if m.job != nil {
		return common.FlashError(m.busy())
	}
	t := m.t
	task := fmt.Sprintf("restore-%d", m.c.NextID())
	run := m.launch(&b, func(ctx context.Context, report func(backup.Progress), id int) (tea.Msg, string, bool) {
		var res backup.RestoreResult
		bs, err := backup.Open(ctx, m.c.Service)
		if err == nil {
			err = useIdentity(bs, identity)
		}
		if err == nil {
			res, err = bs.Restore(ctx, backup.RestoreRequest{Backup: b, Target: t}, report)
		}
		text, isErr := restoreOutcome(t, b, res, err)
		return restoredMsg{job: id, res: res, err: err}, text, isErr
	}, func() tea.Cmd { return common.EndTask(task) })
	return tea.Batch(common.StartTask(task, fmt.Sprintf("restoring backup %d into %s", b.ID, termtext.Line(t.Database))), run)
}

// restoreOutcome is the line that reports a finished restore (the name
// escaped; the screen and the footer escape the error's text).
func restoreOutcome(t tenants.Tenant, b backup.Backup, res backup.RestoreResult, err error) (string, bool) {
	t.Name = termtext.Line(t.Name)
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Sprintf("restore of %s cancelled: its database was left untouched, the scratch copy dropped", t.Name), true
	case err != nil:
		return fmt.Sprintf("restore of %s failed, its database was left as it was: %v", t.Name, err), true
	}
	return fmt.Sprintf("restored %s from backup %d: %s statements, %s of SQL in %s", t.Name, b.ID,
		humanize.Comma(res.Statements), humanize.IBytes(uint64(res.Bytes)), res.Elapsed.Round(100*time.Millisecond)), false
}

// restoreSteps are the restore's stages as the service reports them
// (Step, and Table naming the part of the load).
var restoreSteps = []string{"verify", "schema", "data", "indexes", "objects", "swap"}

// restoreStage is the index in restoreSteps of a report.
func restoreStage(p backup.Progress) int {
	switch {
	case p.Step == backup.StepVerify || p.Step == "":
		return 0
	case p.Step == backup.StepLoad && p.Table == "data":
		return 2
	case p.Step == backup.StepLoad && strings.HasPrefix(p.Table, "indexes"):
		return 3
	case p.Step == backup.StepLoad && p.Table == "objects":
		return 4
	case p.Step == backup.StepLoad:
		return 1
	case p.Step == backup.StepSwap:
		return 5
	}
	return len(restoreSteps)
}

// swapping is true once the restore swaps the tables in: one step that
// puts the database back itself if it fails, so esc no longer cancels.
func (j *job) swapping() bool { return j.restore != nil && restoreStage(j.last) >= 5 }

// restoreView is the running restore: the stages, the SQL read against
// the file's size, statements, rates, ETA, elapsed. The restore service
// reports no per-table counts, so there are no table bars.
func (m *Model) restoreView() string {
	st := m.c.Styles
	p, b := m.job.last, m.job.restore
	stage := restoreStage(p)
	var out strings.Builder
	what := restoreSteps[min(stage, len(restoreSteps)-1)]
	if p.Table != "" && strings.HasPrefix(p.Table, "indexes") {
		what = termtext.Line(p.Table) // "indexes of `tasks`": a table of the tenant's
	}
	out.WriteString(st.StepRun.Render(truncate(fmt.Sprintf("Restoring %s from backup %d: %s", termtext.Line(m.t.Name), b.ID, what), m.width)) + "\n")
	steps := make([]string, len(restoreSteps))
	for i, s := range restoreSteps {
		switch {
		case i < stage:
			steps[i] = st.StepDone.Render("✓ " + s)
		case i == stage:
			steps[i] = st.StepRun.Render("● " + s)
		default:
			steps[i] = st.Subtle.Render("· " + s)
		}
	}
	out.WriteString(strings.Join(steps, "  ") + "\n")
	out.WriteString(fmt.Sprintf("overall %s  %s/%s of SQL", bar(p.Bytes, p.EstimateBytes),
		humanize.IBytes(uint64(p.Bytes)), humanize.IBytes(uint64(p.EstimateBytes))) + "\n")
	line := humanize.Comma(p.Done) + " statements"
	if secs := p.Elapsed.Seconds(); secs > 0 {
		line += fmt.Sprintf(" (%.0f/s)  %.1f MB/s", float64(p.Done)/secs, float64(p.Bytes)/secs/1e6)
	}
	if eta, ok := remaining(p.Bytes, p.EstimateBytes, p.Elapsed); ok {
		line += "  ETA " + eta.String()
	}
	line += "  elapsed " + p.Elapsed.Round(time.Second).String()
	out.WriteString(st.Subtle.Render(truncate(line, m.width)) + "\n")
	note := "esc cancels: the database is left untouched, the scratch copy dropped"
	if m.job.swapping() {
		note = "swapping the restored tables in: one step, it can no longer be cancelled"
	}
	out.WriteString(st.Subtle.Render(truncate(note, m.width)))
	return out.String()
}
