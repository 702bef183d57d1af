package runs

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
)

// action is something done to a recorded run.
type action int

const (
	actCancel action = iota
	actResume
	actRetry
	actContinue
)

// runRow is a run with its live counts (a running run's counters are
// written when its working session ends) and whether a process works it.
type runRow struct {
	fleet.Run
	counts map[fleet.ItemState]int
	alive  bool
}

func (r runRow) count(s fleet.ItemState) int {
	if r.counts != nil {
		return r.counts[s]
	}
	switch s {
	case fleet.ItemDone:
		return r.Done
	case fleet.ItemFailed:
		return r.Failed
	case fleet.ItemSkipped:
		return r.Skipped
	case fleet.ItemCancelled:
		return r.Cancelled
	case fleet.ItemPending:
		return r.Total - r.Done - r.Failed - r.Skipped - r.Cancelled
	}
	return 0
}

// unfinished counts the items a resume would work.
func (r runRow) unfinished() int {
	return r.count(fleet.ItemPending) + r.count(fleet.ItemRunning) + r.count(fleet.ItemSkipped) + r.count(fleet.ItemCancelled)
}

// refusal says, as a sentence, why the action cannot be done to r now;
// nil when it can. here is true when this dashboard works the run
// (which only the run's view knows).
func refusal(c *common.Context, a action, r runRow, here bool) error {
	if c.ReadOnly {
		return tenants.ErrReadOnly
	}
	busy := r.alive || here
	switch a {
	case actCancel:
		if r.State == fleet.RunDone || r.State == fleet.RunCancelled {
			return fmt.Errorf("run %d is already %s: nothing to cancel", r.ID, r.State)
		}
	case actResume:
		switch {
		case r.State == fleet.RunDone:
			return fmt.Errorf("run %d is done: nothing to resume", r.ID)
		case r.CanaryPending && r.State == fleet.RunPaused:
			return fmt.Errorf("run %d is paused after its canary: n continues it", r.ID)
		case busy:
			return fmt.Errorf("run %d is being worked (on %s, pid %d): wait for it, or X cancels it", r.ID, r.Host, r.PID)
		case r.unfinished() == 0:
			return fmt.Errorf("run %d has nothing left to resume: its failed items stay failed (F retries them in a new run)", r.ID)
		}
	case actRetry:
		if r.count(fleet.ItemFailed) == 0 {
			return fmt.Errorf("run %d has no failed item to retry", r.ID)
		}
	case actContinue:
		switch {
		case !r.CanaryPending:
			return fmt.Errorf("run %d has no canary waiting (n continues a run paused after its canary)", r.ID)
		case busy:
			return fmt.Errorf("run %d's canary is still running: wait until it pauses", r.ID)
		}
	}
	return nil
}

// ask returns the confirmation of a on r, or a flash saying why not.
// Every action goes through the dialog (it starts on Cancel and ignores
// keys for its first 400 ms, so a stray key never confirms one). inView
// is true when the run's view asks: a resume or continue then feeds that
// view instead of opening another.
func ask(c *common.Context, f *Fleet, a action, r runRow, here, inView bool) tea.Cmd {
	if err := refusal(c, a, r, here); err != nil {
		return common.FlashError(err)
	}
	what := fmt.Sprintf("%s over %s: %d done, %d failed, %d not finished.",
		opSummary(r.Operation, r.Args), common.Plural(r.Total, "tenant"), r.count(fleet.ItemDone), r.count(fleet.ItemFailed), r.unfinished())
	o := confirm.Options{Lines: []string{what}}
	switch a {
	case actCancel:
		o.Title, o.Action, o.Danger = fmt.Sprintf("Cancel run %d?", r.ID), "Stop run", true
		o.Note = "Running items finish; the items not started are marked cancelled. u resumes it later."
		o.OnConfirm = cancelRun(c, f, r.ID)
	case actResume:
		o.Title, o.Action = fmt.Sprintf("Resume run %d?", r.ID), "Resume"
		o.Note = fmt.Sprintf("Works its %d unfinished items from this dashboard (an item its dead process left running runs again); done items never run again.", r.unfinished())
		o.OnConfirm = launch(c, f, r.ID, false, inView)
	case actRetry:
		n := r.count(fleet.ItemFailed)
		o.Title, o.Action = fmt.Sprintf("Retry the %s of run %d?", common.Plural(n, "failed item"), r.ID), "Retry"
		o.Note = "A new run of the same operation over those tenants, with the same limits, worked from this dashboard."
		o.OnConfirm = retryFailed(c, f, r.Run)
	case actContinue:
		o.Title, o.Action, o.Danger = fmt.Sprintf("Continue run %d past its canary?", r.ID), "Continue", r.count(fleet.ItemFailed) > 0
		o.Note = fmt.Sprintf("Its canary of %d ended; the other %s run now, from this dashboard.", r.Canary, common.Plural(r.unfinished(), "tenant"))
		if r.count(fleet.ItemFailed) > 0 {
			o.Note = fmt.Sprintf("%s of the canary failed. %s", common.Plural(r.count(fleet.ItemFailed), "item"), o.Note)
		}
		o.OnConfirm = launch(c, f, r.ID, true, inView)
	}
	return common.Push(confirm.New(c, o))
}
