package backups

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
)

// backupCommand is `:backup REF...`: back up several tenants in the
// background (see Background).
func backupCommand(c *common.Context, args []string) tea.Cmd {
	if len(args) == 0 {
		return common.FlashError(errors.New(":backup needs tenants: :backup REF... (ids, names, [#] indexes or 0,1,3)"))
	}
	return c.Run(func(ctx context.Context) tea.Msg {
		list, err := c.Service.FindMany(ctx, args)
		if err != nil {
			return common.FlashMsg{Text: err.Error(), Error: true}
		}
		return tea.BatchMsg{Background(c, list)}
	})
}

// defaults are the kind and compression of background backups: a full
// backup with [backup] compression.
func defaults(c *common.Context) (kind, compression string) {
	compression = c.Config.Backup.Compression
	if compression == "" {
		compression = backup.CompressZstd
	}
	return backup.KindFull, compression
}

// Background backs up tenants ([backup] parallel_tenants at a time) while
// the user keeps browsing: the header counts them and the footer flashes
// the summary. Backups write files and catalog rows, so read-only mode
// refuses them.
func Background(c *common.Context, list []tenants.Tenant) tea.Cmd {
	if c.ReadOnly {
		return common.FlashError(tenants.ErrReadOnly)
	}
	n := len(list)
	if n == 0 {
		return nil
	}
	kind, compression := defaults(c)
	run := c.Run(func(ctx context.Context) tea.Msg {
		bs, err := backup.Open(ctx, c.Service)
		if err != nil {
			return tea.BatchMsg{workSlot(c, -n), common.FlashError(err)}
		}
		return tea.BatchMsg{workSlot(c, -n), summarize(bs.CreateMany(ctx, list, kind, compression, nil))}
	})
	return tea.Batch(workSlot(c, +n), run)
}

// ConfirmMany asks before backing up several tenants (the marked ones of
// the tenants table) with the default kind and compression; then runs
// Background and done. The dialog escapes the names.
func ConfirmMany(c *common.Context, list []tenants.Tenant, done tea.Cmd) tea.Cmd {
	if c.ReadOnly {
		return common.FlashError(tenants.ErrReadOnly)
	}
	kind, compression := defaults(c)
	items := make([]string, len(list))
	for i, t := range list {
		items[i] = fmt.Sprintf("%s  (%s on %s)", t.Name, t.Database, t.Server)
	}
	return common.Push(confirm.New(c, confirm.Options{
		Title: "Back up " + common.Plural(len(list), "tenant"),
		Lines: []string{fmt.Sprintf("A %s backup, %s, of each, %d at a time, in the background: the header counts them.",
			kind, compression, max(c.Config.Backup.ParallelTenants, 1)),
			"For another kind or compression, open one tenant's backups (B with nothing marked)."},
		Items: items, Action: "Back up", OnConfirm: tea.Batch(Background(c, list), done),
	}))
}

// summarize flashes how many backups succeeded and the first failure.
func summarize(results []backup.Result) tea.Cmd {
	var failed []string
	for _, r := range results {
		if r.Err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", termtext.Line(r.Tenant.Name), r.Err))
		}
	}
	if len(failed) == 0 {
		return common.Flash("backed up " + common.Plural(len(results), "tenant"))
	}
	return common.FlashError(fmt.Errorf("%d of %d backups failed, nothing partial was kept (%s)", len(failed), len(results), strings.Join(failed[:1], "")))
}
