package backups

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// backupCommand is `:backup REF...`: back up several tenants in the
// background ([backup] parallel_tenants at a time) while the user keeps
// browsing; the header counts them and the footer flashes the summary.
func backupCommand(c *common.Context, args []string) tea.Cmd {
	if len(args) == 0 {
		return common.FlashError(errors.New(":backup needs tenants: :backup REF... (ids, names, [#] indexes or 0,1,3)"))
	}
	n := len(args)
	run := c.Run(func(ctx context.Context) tea.Msg {
		msgs := tea.BatchMsg{workSlot(c, -n)}
		list, err := c.Service.FindMany(ctx, args)
		if err == nil {
			var bs *backup.Service
			if bs, err = backup.Open(ctx, c.Service); err == nil {
				return append(msgs, summarize(bs.CreateMany(ctx, list, backup.KindFull, "", nil)))
			}
		}
		return append(msgs, common.FlashError(err))
	})
	return tea.Batch(workSlot(c, +n), run)
}

// summarize flashes how many backups succeeded and the first failure.
func summarize(results []backup.Result) tea.Cmd {
	var failed []string
	for _, r := range results {
		if r.Err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", r.Tenant.Name, r.Err))
		}
	}
	if len(failed) == 0 {
		return common.Flash(fmt.Sprintf("backed up %d tenant(s)", len(results)))
	}
	return common.FlashError(fmt.Errorf("%d of %d backups failed, nothing partial was kept (%s)", len(failed), len(results), strings.Join(failed[:1], "")))
}
