// Package tenantops holds the tenant actions several screens offer (the
// list and the detail): status changes, and deletion behind the typed
// confirmation dialog. Each returns a command; the work runs through
// Context.Run and ends in a flash message and a TenantsChanged reload.
package tenantops

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/dustin/go-humanize"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
)

// verbs name what setting a status does, for messages.
var verbs = map[tenants.Status]string{
	tenants.StatusActive: "activated", tenants.StatusInactive: "deactivated", tenants.StatusBlocked: "blocked",
}

// SetStatus sets every tenant's status, then flashes how many changed.
func SetStatus(c *common.Context, ts []tenants.Tenant, status tenants.Status) tea.Cmd {
	if c.ReadOnly {
		return common.FlashError(tenants.ErrReadOnly)
	}
	if len(ts) == 0 {
		return nil
	}
	id := "status-" + strconv.Itoa(c.NextID())
	work := c.Run(func(ctx context.Context) tea.Msg {
		done := 0
		for _, t := range ts {
			if t.Status == status {
				done++
				continue
			}
			if _, err := c.Service.SetStatus(ctx, t, status); err != nil {
				return tea.BatchMsg{common.EndTask(id), common.FlashError(fmt.Errorf("set tenant %s %s: %w (%d of %d done)", t.Name, status, err, done, len(ts))), common.TenantsChanged()}
			}
			done++
		}
		return tea.BatchMsg{common.EndTask(id), common.Flash(fmt.Sprintf("%s %s", verbs[status], describe(ts))), common.TenantsChanged()}
	})
	return tea.Batch(common.StartTask(id, "setting status"), work)
}

// ConfirmBlock asks before blocking (blocked tenants stop being served).
func ConfirmBlock(c *common.Context, ts []tenants.Tenant) tea.Cmd {
	if c.ReadOnly || len(ts) == 0 {
		return SetStatus(c, ts, tenants.StatusBlocked)
	}
	lines := []string{"Blocked tenants are refused by the resolver until activated again:"}
	lines = append(lines, list(ts, 8)...)
	return common.Push(confirm.New(c, confirm.Options{
		Title: "Block " + describe(ts) + "?", Lines: lines, Action: "Block", Danger: true,
		OnConfirm: SetStatus(c, ts, tenants.StatusBlocked),
	}))
}

// ConfirmDelete reads what would be dropped, then opens the typed
// confirmation: the tenant's name for one, the count for several. after
// runs once the deletion succeeded (the detail screen closes itself).
func ConfirmDelete(c *common.Context, ts []tenants.Tenant, after tea.Cmd) tea.Cmd {
	if c.ReadOnly {
		return common.FlashError(tenants.ErrReadOnly)
	}
	if len(ts) == 0 {
		return nil
	}
	return c.Run(func(ctx context.Context) tea.Msg {
		var lines []string
		var total int64
		sized := 0
		for i, t := range ts {
			if i < 20 { // reading sizes of a huge marked set would stall the dialog
				if info, err := c.Service.DatabaseInfo(ctx, t); err == nil && info.Exists {
					total += info.Bytes
					sized++
				}
			}
		}
		if len(ts) == 1 {
			t := ts[0]
			lines = append(lines, fmt.Sprintf("Tenant    [%d] %s (%s)", t.Index, t.Name, t.ID))
			db := fmt.Sprintf("Database  %s on %s", t.Database, t.Server)
			if sized == 1 {
				db += " (" + humanize.IBytes(uint64(total)) + ")"
			}
			lines = append(lines, db)
			if t.DBUser != "" {
				lines = append(lines, "User      "+t.DBUser)
			}
			lines = append(lines, "Domains   "+orDash(strings.Join(t.Domains, ", ")))
		} else {
			lines = append(lines, fmt.Sprintf("%d tenants, their databases (%s in the first %d), users and domains:", len(ts), humanize.IBytes(uint64(total)), sized))
			lines = append(lines, list(ts, 8)...)
		}
		lines = append(lines, "", "This cannot be undone.")
		require := ts[0].Name
		if len(ts) > 1 {
			require = strconv.Itoa(len(ts))
		}
		return common.PushMsg{Screen: confirm.New(c, confirm.Options{
			Title: "Delete " + describe(ts) + "?", Lines: lines, Require: require,
			Action: "Delete", Danger: true, OnConfirm: Delete(c, ts, after),
		})}
	})
}

// Delete deletes the tenants one by one (each is all-or-nothing in the
// service) and reports how far it got.
func Delete(c *common.Context, ts []tenants.Tenant, after tea.Cmd) tea.Cmd {
	id := "delete-" + strconv.Itoa(c.NextID())
	work := c.Run(func(ctx context.Context) tea.Msg {
		for i, t := range ts {
			if err := c.Service.Delete(ctx, t, tenants.DeleteOptions{}, nil); err != nil {
				if errors.Is(err, context.Canceled) {
					err = fmt.Errorf("cancelled")
				}
				return tea.BatchMsg{common.EndTask(id), common.TenantsChanged(),
					common.FlashError(fmt.Errorf("delete tenant %s: %w (%d of %d deleted; the failed one is left as it was)", t.Name, err, i, len(ts)))}
			}
		}
		return tea.BatchMsg{common.EndTask(id), common.TenantsChanged(), after,
			common.Flash("deleted " + describe(ts) + " and " + plural(len(ts), "its database", "their databases"))}
	})
	return tea.Batch(common.StartTask(id, "deleting "+describe(ts)), work)
}

func describe(ts []tenants.Tenant) string {
	if len(ts) == 1 {
		return "tenant " + ts[0].Name
	}
	return strconv.Itoa(len(ts)) + " tenants"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// list names up to n tenants, one a line.
func list(ts []tenants.Tenant, n int) []string {
	var out []string
	for i, t := range ts {
		if i == n {
			out = append(out, fmt.Sprintf("  … and %d more", len(ts)-n))
			break
		}
		out = append(out, fmt.Sprintf("  [%d] %s  %s", t.Index, t.Name, t.Database))
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
