package backups

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	humanize "github.com/dustin/go-humanize"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

type progressMsg struct {
	job int
	p   backup.Progress
}

type doneMsg struct {
	job int
	b   backup.Backup
	err error
}

// job is one backup or restore running from this screen.
type job struct {
	// restore is the backup being restored (nil: a backup is made).
	restore *backup.Backup
	id      int
	cancel  context.CancelFunc
	ch      chan backup.Progress
	start   time.Time
	last    backup.Progress
	// tables keeps each table's latest rows/estimate, in first-seen order.
	tables map[string][2]int64
	order  []string
}

func (j *job) update(p backup.Progress) {
	j.last = p
	if p.Table == "" || p.TableTotal == 0 && p.TableDone == 0 {
		return
	}
	if _, ok := j.tables[p.Table]; !ok {
		j.order = append(j.order, p.Table)
	}
	j.tables[p.Table] = [2]int64{p.TableDone, p.TableTotal}
}

// wait reads the next report; it ends when the channel closes.
func (j *job) wait(c *common.Context) tea.Cmd {
	id, ch := j.id, j.ch
	return c.Run(func(context.Context) tea.Msg {
		p, ok := <-ch
		if !ok {
			return nil
		}
		return progressMsg{job: id, p: p}
	})
}

// dashboard is what this package keeps per dashboard (common.Local),
// never per process: one process serves a dashboard per SSH session.
type dashboard struct {
	mu sync.Mutex
	// running counts the backups in flight, for the header's "work" slot
	// (several tenants' backups run while the user browses).
	running int
	// identity is the age identity file last given for an encrypted
	// backup, offered again by the next prompt.
	identity string
}

func workSlot(c *common.Context, delta int) tea.Cmd {
	d := common.Local[dashboard](c)
	d.mu.Lock()
	d.running = max(d.running+delta, 0)
	n := d.running
	d.mu.Unlock()
	text := ""
	if n > 0 {
		text = common.Plural(n, "backup") + " running"
	}
	return common.SetSlot("work", text)
}

// launch starts a job (a backup, or a restore of restore) on its own
// cancellable context. Its progress goes into a channel that keeps only
// what the screen can take (reports are cumulative, so a dropped one
// loses nothing): the service never blocks, even after the screen was
// closed. work returns the screen's final message and the outcome line,
// which is also flashed, with finish's commands, so the user learns it
// wherever they are.
func (m *Model) launch(restore *backup.Backup, work func(ctx context.Context, report func(backup.Progress), id int) (tea.Msg, string, bool), finish func() tea.Cmd) tea.Cmd {
	ctx, cancel := context.WithCancel(m.c.Ctx())
	j := &job{id: m.c.NextID(), cancel: cancel, ch: make(chan backup.Progress, 8), start: m.c.Now(), tables: map[string][2]int64{}, restore: restore}
	m.job, m.outcome = j, ""
	report := func(p backup.Progress) {
		select {
		case j.ch <- p:
		default:
		}
	}
	run := m.c.Run(func(context.Context) tea.Msg {
		defer cancel()
		defer close(j.ch)
		done, text, isErr := work(ctx, report, j.id)
		flash := common.Flash(text)
		if isErr {
			flash = common.FlashError(errors.New(text))
		}
		return tea.BatchMsg{func() tea.Msg { return done }, finish(), flash}
	})
	return tea.Batch(run, j.wait(m.c))
}

// startBackup backs the tenant up with the kind and compression chosen;
// the header's work slot counts it while it runs.
func (m *Model) startBackup() tea.Cmd {
	if m.c.ReadOnly {
		return common.FlashError(tenants.ErrReadOnly)
	}
	if m.job != nil {
		return common.FlashError(m.busy())
	}
	t, req := m.t, backup.CreateRequest{Tenant: m.t, Kind: m.kind, Compression: m.compression}
	run := m.launch(nil, func(ctx context.Context, report func(backup.Progress), id int) (tea.Msg, string, bool) {
		var b backup.Backup
		bs, err := backup.Open(ctx, m.c.Service)
		if err == nil {
			b, err = bs.Create(ctx, req, report)
		}
		text, isErr := outcome(t, b, err)
		return doneMsg{job: id, b: b, err: err}, text, isErr
	}, func() tea.Cmd { return workSlot(m.c, -1) })
	return tea.Batch(workSlot(m.c, +1), run)
}

// outcome is the line that reports a finished backup (the name escaped;
// the screen and the footer escape the error's text).
func outcome(t tenants.Tenant, b backup.Backup, err error) (string, bool) {
	t.Name = termtext.Line(t.Name)
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Sprintf("backup of %s cancelled: nothing partial was kept", t.Name), true
	case err != nil:
		return fmt.Sprintf("backup of %s failed, nothing partial was kept: %v", t.Name, err), true
	}
	return fmt.Sprintf("backed up %s: backup %d, %s (%s of SQL), %d rows", t.Name, b.ID,
		humanize.IBytes(uint64(b.Size)), humanize.IBytes(uint64(b.RawBytes)), b.Rows), false
}
