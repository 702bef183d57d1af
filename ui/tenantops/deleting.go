package tenantops

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// Delete returns the command that deletes the tenants one by one behind a
// progress dialog (each deletion is all-or-nothing in the service); with
// final, each after a verified final backup (backup.DeleteWithFinal: a
// tenant whose backup fails is not deleted, and the run stops there). esc
// stops before the next tenant: the one being deleted is finished, never
// cut in half. after runs once every tenant is deleted.
func Delete(c *common.Context, ts []tenants.Tenant, final bool, after tea.Cmd) tea.Cmd {
	return common.Push(newDeleting(c, ts, final, after))
}

// deleting is the progress dialog of a deletion.
type deleting struct {
	c      *common.Context
	ts     []tenants.Tenant
	final  bool
	after  tea.Cmd
	id     int
	stop   *atomic.Bool
	ch     chan deleteEvent
	index  int    // tenant being deleted
	step   string // what the service is doing
	stopAt bool   // esc was pressed
	spin   spinner.Model
	width  int
	// started: the deletion runs once, however often Init is called.
	started bool
}

// deleteEvent is one step report; deleteDoneMsg ends the run.
type deleteEvent struct {
	id, index int
	p         tenants.Progress
}

type deleteDoneMsg struct {
	id, deleted int
	err         error
}

func newDeleting(c *common.Context, ts []tenants.Tenant, final bool, after tea.Cmd) *deleting {
	return &deleting{c: c, ts: ts, final: final, after: after, id: c.NextID(), stop: &atomic.Bool{},
		ch: make(chan deleteEvent, 16), spin: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
}

func (d *deleting) IsDialog()       {}
func (d *deleting) Title() string   { return "Deleting" }
func (d *deleting) Capturing() bool { return false }
func (d *deleting) SetSize(w, _ int) {
	d.width = w
}

// Init starts the deletion and the reader of its reports.
func (d *deleting) Init() tea.Cmd {
	if d.started {
		return nil
	}
	d.started = true
	id, ts, ch, stop := d.id, d.ts, d.ch, d.stop
	run := d.c.Run(func(ctx context.Context) tea.Msg {
		defer close(ch)
		del, err := d.deleter(ctx)
		if err != nil {
			return deleteDoneMsg{id: id, err: err}
		}
		for i, t := range ts {
			if stop.Load() {
				return deleteDoneMsg{id: id, deleted: i, err: fmt.Errorf("stopped at your request")}
			}
			err := del(ctx, t, func(p tenants.Progress) {
				select {
				case ch <- deleteEvent{id: id, index: i, p: p}:
				case <-ctx.Done():
				}
			})
			if err != nil {
				return deleteDoneMsg{id: id, deleted: i, err: fmt.Errorf("delete tenant %s: %w", termtext.Line(t.Name), err)}
			}
		}
		return deleteDoneMsg{id: id, deleted: len(ts)}
	})
	return tea.Batch(run, d.next(), d.spin.Tick)
}

// deleter is how one tenant is deleted: by the tenant service, or after
// a final backup by the backup service (opened once for the run).
func (d *deleting) deleter(ctx context.Context) (func(context.Context, tenants.Tenant, func(tenants.Progress)) error, error) {
	if !d.final {
		return func(ctx context.Context, t tenants.Tenant, report func(tenants.Progress)) error {
			return d.c.Service.Delete(ctx, t, tenants.DeleteOptions{}, report)
		}, nil
	}
	bs, err := backup.Open(ctx, d.c.Service)
	if err != nil {
		return nil, fmt.Errorf("open the backups for the final backup (nothing was deleted): %w", err)
	}
	return func(ctx context.Context, t tenants.Tenant, report func(tenants.Progress)) error {
		_, err := bs.DeleteWithFinal(ctx, t, tenants.DeleteOptions{}, report)
		return err
	}, nil
}

// next reads the next report; it ends when the run closes the channel.
func (d *deleting) next() tea.Cmd {
	ch := d.ch
	return d.c.Run(func(context.Context) tea.Msg {
		if e, ok := <-ch; ok {
			return e
		}
		return nil
	})
}

// Update implements common.Screen.
func (d *deleting) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case deleteEvent:
		if msg.id != d.id {
			return d, nil
		}
		d.index = msg.index
		if msg.p.Message != "" {
			d.step = common.Message(msg.p.Message) // it names the database
		}
		return d, d.next()
	case deleteDoneMsg:
		if msg.id != d.id {
			return d, nil
		}
		return d, d.finish(msg)
	case spinner.TickMsg:
		if msg.ID != d.spin.ID() {
			return d, nil
		}
		var cmd tea.Cmd
		d.spin, cmd = d.spin.Update(msg)
		return d, cmd
	case tea.KeyPressMsg:
		if key.Matches(msg, d.c.Keys.Back) {
			d.stop.Store(true)
			d.stopAt = true
		}
	}
	return d, nil
}

func (d *deleting) finish(msg deleteDoneMsg) tea.Cmd {
	cmds := []tea.Cmd{common.Back(), common.TenantsChanged()}
	if msg.err != nil {
		left := "the rest are left as they were"
		if msg.deleted == len(d.ts)-1 {
			left = "it is left as it was"
		}
		err := fmt.Errorf("%w (%d of %d deleted; %s)", msg.err, msg.deleted, len(d.ts), left)
		return tea.Batch(append(cmds, common.FlashError(err))...)
	}
	kept := ""
	if d.final {
		kept = " (" + plural(len(d.ts), "its final backup is", "their final backups are") + " kept)"
	}
	return tea.Batch(append(cmds, d.after,
		common.Flash("deleted "+describe(d.ts)+" and "+plural(len(d.ts), "its database", "their databases")+kept))...)
}

// View implements common.Screen.
func (d *deleting) View() string {
	st := d.c.Styles
	w := min(max(d.width-8, 30), 72)
	var b strings.Builder
	t := d.ts[min(d.index, len(d.ts)-1)]
	b.WriteString(st.Danger.Render("Deleting "+describe(d.ts)) + "\n\n")
	b.WriteString(fmt.Sprintf("%s %d of %d: %s\n", d.spin.View(), d.index+1, len(d.ts), termtext.Line(t.Name)))
	b.WriteString(st.Subtle.Render(ansi.Truncate("  "+d.step, w-6, "…")) + "\n\n")
	if d.stopAt {
		b.WriteString(st.Subtle.Render("stopping after this tenant…"))
	} else {
		b.WriteString(st.Subtle.Render("esc stops after the tenant being deleted"))
	}
	return st.Dialog.Width(w).Render(b.String())
}

// ShortHelp implements help.KeyMap.
func (d *deleting) ShortHelp() []key.Binding {
	stop := d.c.Keys.Back
	stop.SetHelp("esc", "stop after this tenant")
	return []key.Binding{stop}
}

// FullHelp implements help.KeyMap.
func (d *deleting) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
