// Package tenantops holds the tenant actions several screens offer (the
// list and the detail): status changes, and deletion behind the typed
// confirmation dialog. Each returns a command; the work runs through
// Context.Run and ends in a flash message and a TenantsChanged reload.
package tenantops

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/dustin/go-humanize"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
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
	return forEach(c, ts, "setting status", func(ctx context.Context, t tenants.Tenant) (string, error) {
		if t.Status == status {
			return "", nil
		}
		_, err := c.Service.SetStatus(ctx, t, status)
		return fmt.Sprintf("set tenant %s %s", termtext.Line(t.Name), status), err
	}, verbs[status]+" "+describe(ts))
}

// forEach does one change to each tenant in turn as a task, stopping at
// the first failure, which it flashes with what it was doing (do's text)
// and how many were done; else it flashes ok. The tenants are reloaded
// either way.
func forEach(c *common.Context, ts []tenants.Tenant, task string, do func(context.Context, tenants.Tenant) (string, error), ok string) tea.Cmd {
	if len(ts) == 0 {
		return nil
	}
	id := "bulk-" + strconv.Itoa(c.NextID())
	work := c.Run(func(ctx context.Context) tea.Msg {
		for i, t := range ts {
			if what, err := do(ctx, t); err != nil {
				if len(ts) > 1 {
					err = fmt.Errorf("%w (%d of %d done)", err, i, len(ts))
				}
				return tea.BatchMsg{common.EndTask(id), common.FlashError(fmt.Errorf("%s: %w", what, err)), common.TenantsChanged()}
			}
		}
		return tea.BatchMsg{common.EndTask(id), common.Flash(ok), common.TenantsChanged()}
	})
	return tea.Batch(common.StartTask(id, task), work)
}

// ConfirmBlock asks before blocking (blocked tenants stop being served).
func ConfirmBlock(c *common.Context, ts []tenants.Tenant) tea.Cmd {
	if c.ReadOnly || len(ts) == 0 {
		return SetStatus(c, ts, tenants.StatusBlocked)
	}
	return common.Push(confirm.New(c, confirm.Options{
		Title: "Block " + describe(ts) + "?", Lines: []string{"Blocked tenants are refused by the resolver until activated again:"},
		Items: list(ts), Action: "Block", Danger: true,
		OnConfirm: SetStatus(c, ts, tenants.StatusBlocked),
	}))
}

// maxSized bounds the databases whose size is read: reading the sizes
// of a huge marked set would keep the dialog waiting.
const maxSized = 20

// ConfirmDelete opens the typed confirmation at once (the grace period
// starts now, and no key reaches the screen beneath while the sizes are
// read), then fills in the size of what would be dropped. One tenant
// types its name, several their count. after runs once the deletion
// succeeded (the detail screen closes itself).
func ConfirmDelete(c *common.Context, ts []tenants.Tenant, after tea.Cmd) tea.Cmd {
	if c.ReadOnly {
		return common.FlashError(tenants.ErrReadOnly)
	}
	if len(ts) == 0 {
		return nil
	}
	d := newDeleteDialog(c, ts, after)
	id := d.id
	read := c.Run(func(ctx context.Context) tea.Msg {
		var s sizes
		for i, t := range ts {
			if i == maxSized {
				break
			}
			if info, err := c.Service.DatabaseInfo(ctx, t); err == nil && info.Exists {
				s.total += info.Bytes
				s.known++
			}
		}
		return sizesMsg{id: id, sizes: s}
	})
	return tea.Batch(common.Push(d), read)
}

func newDeleteDialog(c *common.Context, ts []tenants.Tenant, after tea.Cmd) *deleteDialog {
	require := ts[0].Name
	if len(ts) > 1 {
		require = strconv.Itoa(len(ts))
	}
	d := &deleteDialog{c: c, id: c.NextID(), ts: ts, after: after, final: c.Config.Backup.FinalOnDelete}
	d.Model = confirm.New(c, confirm.Options{
		Title: "Delete " + describe(ts) + "?", Require: require, Action: "Delete", Danger: true,
	})
	d.explain(nil)
	d.check()
	return d
}

// sizes is what is known of the databases' size.
type sizes struct {
	total int64
	known int // how many databases were measured
}

type sizesMsg struct {
	id    int
	sizes sizes
}

// deleteDialog is the typed confirmation that learns the sizes after it
// opened.
type deleteDialog struct {
	*confirm.Model
	c     *common.Context
	id    int
	ts    []tenants.Tenant
	after tea.Cmd
	// final: a verified final backup of each tenant first (the checkbox).
	final bool
}

// Update implements common.Screen.
func (d *deleteDialog) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch m := msg.(type) {
	case sizesMsg:
		if m.id == d.id {
			d.explain(&m.sizes)
		}
		return d, nil
	case tea.KeyPressMsg:
		if key.Matches(m, d.c.Keys.FinalBackup) {
			d.final = !d.final
			d.check()
			return d, nil
		}
	}
	_, cmd := d.Model.Update(msg)
	return d, cmd
}

// check shows the final backup's checkbox as it is and makes the action
// match it.
func (d *deleteDialog) check() {
	box := "[ ]"
	if d.final {
		box = "[x]"
	}
	d.Change(func(o *confirm.Options) {
		o.Note = fmt.Sprintf("%s final backup first (%s). This cannot be undone.", box, d.c.Keys.FinalBackup.Help().Key)
		o.OnConfirm = Delete(d.c, d.ts, d.final, d.after)
	})
}

// ShortHelp implements help.KeyMap: the dialog's keys and the checkbox's.
func (d *deleteDialog) ShortHelp() []key.Binding {
	return append(d.Model.ShortHelp(), d.c.Keys.FinalBackup)
}

// FullHelp implements help.KeyMap.
func (d *deleteDialog) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

// explain says what would be dropped; s is nil while the sizes are read.
func (d *deleteDialog) explain(s *sizes) {
	ts := d.ts
	size := "reading size…"
	if s != nil {
		size = sizeText(*s, len(ts))
	}
	d.Change(func(o *confirm.Options) {
		if len(ts) > 1 {
			o.Lines = []string{fmt.Sprintf("%d tenants, their databases (%s), users and domains:", len(ts), size)}
			o.Items = list(ts)
			return
		}
		t := ts[0]
		o.Fields = []confirm.Field{
			{Label: "Tenant", Value: fmt.Sprintf("[%d] %s", t.Index, t.Name)},
			{Label: "ID", Value: t.ID},
			{Label: "Database", Value: t.Database},
			{Label: "Server", Value: t.Server},
			{Label: "Size", Value: size},
		}
		if t.DBUser != "" {
			o.Fields = append(o.Fields, confirm.Field{Label: "User", Value: t.DBUser})
		}
		o.Fields = append(o.Fields, confirm.Field{Label: "Domains", Value: orDash(strings.Join(t.Domains, ", "))})
	})
}

// sizeText says the size of n databases, and how much of it is known.
func sizeText(s sizes, n int) string {
	switch {
	case s.known == 0 && n == 1:
		return "unknown (the database is missing or unreadable)"
	case s.known == 0:
		return "size unknown"
	case n == 1:
		return humanize.IBytes(uint64(s.total))
	case s.known == n:
		return humanize.IBytes(uint64(s.total)) + " in total"
	}
	return fmt.Sprintf("%s for the %d measured of %d", humanize.IBytes(uint64(s.total)), s.known, n)
}

// describe names the tenants for titles and messages, a name escaped.
func describe(ts []tenants.Tenant) string {
	if len(ts) == 1 {
		return "tenant " + termtext.Line(ts[0].Name)
	}
	return strconv.Itoa(len(ts)) + " tenants"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// list names the tenants, one a line (the dialog shows what fits, and
// escapes them, as it does the fields).
func list(ts []tenants.Tenant) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
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
