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

// running counts each dashboard's backups in flight, for the header's
// "work" slot (several tenants' backups run while the user browses).
var running = struct {
	sync.Mutex
	n map[*common.Context]int
}{n: map[*common.Context]int{}}

func workSlot(c *common.Context, delta int) tea.Cmd {
	running.Lock()
	running.n[c] += delta
	n := running.n[c]
	if n <= 0 {
		delete(running.n, c)
	}
	running.Unlock()
	text := ""
	if n > 0 {
		text = fmt.Sprintf("%d backup(s) running", n)
	}
	return common.SetSlot("work", text)
}

// startBackup runs the backup on its own cancellable context. Its
// progress goes into a channel that keeps only what the screen can take
// (reports are cumulative, so a dropped one loses nothing): the service
// never blocks, even after the screen was closed. The final message also
// flashes the outcome and updates the header, so the user learns it
// wherever they are.
func (m *Model) startBackup() tea.Cmd {
	if m.c.ReadOnly {
		return common.FlashError(tenants.ErrReadOnly)
	}
	if m.job != nil {
		return common.FlashError(m.busy())
	}
	ctx, cancel := context.WithCancel(m.c.Ctx())
	j := &job{id: m.c.NextID(), cancel: cancel, ch: make(chan backup.Progress, 8), start: m.c.Now(), tables: map[string][2]int64{}}
	m.job, m.outcome = j, ""
	t, req := m.t, backup.CreateRequest{Tenant: m.t, Kind: m.kind, Compression: m.compression}
	run := m.c.Run(func(context.Context) tea.Msg {
		defer cancel()
		defer close(j.ch)
		var b backup.Backup
		bs, err := backup.Open(ctx, m.c.Service)
		if err == nil {
			b, err = bs.Create(ctx, req, func(p backup.Progress) {
				select {
				case j.ch <- p:
				default:
				}
			})
		}
		text, isErr := outcome(t, b, err)
		flash := common.Flash(text)
		if isErr {
			flash = common.FlashError(errors.New(text))
		}
		return tea.BatchMsg{
			func() tea.Msg { return doneMsg{job: j.id, b: b, err: err} },
			workSlot(m.c, -1), flash,
		}
	})
	return tea.Batch(workSlot(m.c, +1), run, j.wait(m.c))
}

// outcome is the line that reports a finished backup.
func outcome(t tenants.Tenant, b backup.Backup, err error) (string, bool) {
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Sprintf("backup of %s cancelled: nothing partial was kept", t.Name), true
	case err != nil:
		return fmt.Sprintf("backup of %s failed, nothing partial was kept: %v", t.Name, err), true
	}
	return fmt.Sprintf("backed up %s: backup %d, %s (%s of SQL), %d rows", t.Name, b.ID,
		humanize.IBytes(uint64(b.Size)), humanize.IBytes(uint64(b.RawBytes)), b.Rows), false
}
