package runs

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// slotEvery is how often the header's "runs" slot is refreshed.
const slotEvery = 5 * time.Second

// watchRuns keeps the header's "runs" slot saying how many runs are
// being worked right now, by any process (the CLI, the queue, the demo's
// background fill, this dashboard), so work in flight is seen from every
// screen. A failed read leaves the slot empty and tries again later.
func watchRuns(c *common.Context) tea.Cmd {
	if c.Service == nil {
		return nil
	}
	f := NewFleet(c)
	var next func(wait time.Duration) tea.Cmd
	next = func(wait time.Duration) tea.Cmd {
		return c.Run(func(ctx context.Context) tea.Msg {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
			n, err := runsInFlight(ctx, f)
			text := ""
			if err == nil && n > 0 {
				text = fmt.Sprintf("%s running (w)", common.Plural(n, "run"))
			}
			return tea.BatchMsg{
				func() tea.Msg { return common.SlotMsg{Slot: "runs", Text: text, Short: common.Plural(n, "run")} },
				next(slotEvery),
			}
		})
	}
	return next(0)
}

// runsInFlight counts the latest runs that a process works now.
func runsInFlight(ctx context.Context, f *Fleet) (int, error) {
	svc, err := f.Service(ctx)
	if err != nil {
		return 0, err
	}
	list, err := svc.List(ctx, 50)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range list {
		if r.State != fleet.RunRunning {
			continue
		}
		if alive, err := svc.Alive(ctx, r.ID); err == nil && alive {
			n++
		}
	}
	return n, nil
}
