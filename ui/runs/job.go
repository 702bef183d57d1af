package runs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// Job is a run this dashboard works: its progress reaches the run's view
// through a Bridge (the view re-arms the wait; once it is closed nobody
// reads and the runner is not slowed). The work is owned by the
// dashboard's context: quitting stops it, and the run records cancelled
// (resume it later, here or with `tenancy runs resume`).
type Job struct {
	fleet  *Fleet
	RunID  int64
	bridge *Bridge[fleet.Progress]
}

// progressMsg is a report from a run this dashboard works.
type progressMsg struct {
	run int64
	p   fleet.Progress
}

// workedMsg says this dashboard stopped working a run.
type workedMsg struct {
	run int64
	r   fleet.Run
	err error
}

// createdMsg says a run was recorded (started from the tenant list or
// as a retry); the screens reload their lists.
type createdMsg struct{ run fleet.Run }

func newJob(f *Fleet, id int64) *Job {
	return &Job{fleet: f, RunID: id, bridge: NewBridge[fleet.Progress]()}
}

// wait delivers the job's next report.
func (j *Job) wait(c *common.Context) tea.Cmd {
	id := j.RunID
	return j.bridge.Wait(c, func(p fleet.Progress) tea.Msg { return progressMsg{run: id, p: p} })
}

// work works (lift: continues after the canary) the job's run until it
// ends, then flashes the outcome wherever the user is.
func (j *Job) work(c *common.Context, lift bool) tea.Cmd {
	return c.Run(func(ctx context.Context) tea.Msg {
		defer j.bridge.Close()
		svc, err := j.fleet.Service(ctx)
		var r fleet.Run
		if err == nil {
			opts := fleet.WorkOptions{Abort: ctx, Report: j.bridge.Report}
			if lift {
				r, err = svc.Continue(ctx, j.RunID, opts)
			} else {
				r, err = svc.Work(ctx, j.RunID, opts)
			}
		}
		return tea.BatchMsg{
			func() tea.Msg { return workedMsg{run: j.RunID, r: r, err: err} },
			outcomeFlash(j.RunID, r, err),
		}
	})
}

// outcomeFlash is the footer line for a run this dashboard stopped working.
func outcomeFlash(id int64, r fleet.Run, err error) tea.Cmd {
	switch {
	case errors.Is(err, context.Canceled):
		return common.FlashError(fmt.Errorf("run %d stopped with the dashboard: resume it with `tenancy runs resume %d`", id, id))
	case err != nil:
		return common.FlashError(fmt.Errorf("run %d: %w", id, err))
	}
	text := fmt.Sprintf("run %d %s: %d done, %d failed of %d", id, r.State, r.Done, r.Failed, r.Total)
	switch r.State {
	case fleet.RunDone:
		return common.Flash(text)
	case fleet.RunPaused:
		return func() tea.Msg {
			return common.FlashMsg{Text: text + " (canary: look at its items, then n continues)", Warn: true}
		}
	}
	return common.FlashError(errors.New(text))
}

// adoptMsg hands a job to the run's view that asked for it.
type adoptMsg struct{ job *Job }

// launch works run id from this dashboard and opens its view, or, when
// asked from that view (inView), hands the view the job.
func launch(c *common.Context, f *Fleet, id int64, lift, inView bool) tea.Cmd {
	j := newJob(f, id)
	if inView {
		return tea.Batch(func() tea.Msg { return adoptMsg{job: j} }, j.work(c, lift))
	}
	return tea.Batch(common.Open(RunName, fmt.Sprint(id), j), j.work(c, lift))
}

// createAndWork records a run, then works it and opens its view.
func createAndWork(c *common.Context, f *Fleet, req fleet.CreateRequest) tea.Cmd {
	return c.Run(func(ctx context.Context) tea.Msg {
		svc, err := f.Service(ctx)
		if err != nil {
			return common.FlashMsg{Text: err.Error(), Error: true}
		}
		r, err := svc.Create(ctx, req)
		if err != nil {
			return common.FlashMsg{Text: "start the run: " + err.Error(), Error: true}
		}
		return tea.BatchMsg{func() tea.Msg { return createdMsg{run: r} }, launch(c, f, r.ID, false, false)}
	})
}

// retryFailed creates a run of the failed items of r (the same operation
// and limits, no canary) and works it.
func retryFailed(c *common.Context, f *Fleet, r fleet.Run) tea.Cmd {
	return c.Run(func(ctx context.Context) tea.Msg {
		svc, err := f.Service(ctx)
		if err != nil {
			return common.FlashMsg{Text: err.Error(), Error: true}
		}
		op, err := svc.Operations().Build(r.Operation, json.RawMessage(r.Args))
		if err != nil {
			return common.FlashMsg{Text: err.Error(), Error: true}
		}
		mf, _ := fleet.ParseMaxFailures(r.MaxFailures)
		req := fleet.CreateRequest{Operation: op, Selection: fleet.Selection{FailedOf: r.ID},
			Limits: fleet.Limits{Parallel: r.Parallel, PerServer: r.PerServer, MaxFailures: mf}}
		return tea.BatchMsg{createAndWork(c, f, req)}
	})
}

// cancelRun asks the run to stop (its runner, here or elsewhere, notices
// within its tick) or cancels it at once when nobody works it.
func cancelRun(c *common.Context, f *Fleet, id int64) tea.Cmd {
	return c.Run(func(ctx context.Context) tea.Msg {
		svc, err := f.Service(ctx)
		if err != nil {
			return common.FlashMsg{Text: err.Error(), Error: true}
		}
		r, alive, err := svc.Cancel(ctx, id)
		if err != nil {
			return common.FlashMsg{Text: err.Error(), Error: true}
		}
		text := fmt.Sprintf("run %d cancelled: %d done, %d cancelled", id, r.Done, r.Cancelled)
		if alive {
			text = fmt.Sprintf("run %d asked to stop: its running items finish, the rest are cancelled", id)
		}
		return tea.BatchMsg{func() tea.Msg { return createdMsg{run: r} }, common.Flash(text)}
	})
}
