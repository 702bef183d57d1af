package doctor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/backup"
	health "github.com/tenancy-dev/tenancy/doctor"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// SlotName is the header slot that shows the last scan's result.
const SlotName = "health"

// dashboard is what the screen keeps per dashboard (common.Local): the
// doctor service, opened once, and the last scan, shown again when the
// screen is reopened while a new scan runs.
type dashboard struct {
	mu   sync.Mutex
	svc  *health.Service
	last *health.Report
	at   time.Time
}

// errNoDatabase is what a screen built without a tenant service says.
var errNoDatabase = errors.New("the health screen needs the central database (no tenant service)")

// service opens the doctor over the tenant service and, when it opens,
// the backup service (without it the backup checks report that they
// were skipped).
func (d *dashboard) service(ctx context.Context, c *common.Context) (*health.Service, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.svc != nil {
		return d.svc, nil
	}
	if c.Service == nil {
		return nil, errNoDatabase
	}
	bs, err := backup.Open(ctx, c.Service)
	if err != nil {
		bs = nil
	}
	d.svc = health.New(c.Service, bs)
	return d.svc, nil
}

func (d *dashboard) keep(rep health.Report, at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.last, d.at = &rep, at
}

func (d *dashboard) lastScan() (*health.Report, time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last, d.at
}

// scannedMsg carries a scan's report to the screen that asked for it.
type scannedMsg struct {
	id  int
	rep health.Report
	at  time.Time
	err error
}

// scan runs the doctor in the background with a footer task; the header
// slot gets the result even when the screen was closed meanwhile.
func scan(c *common.Context, id int) tea.Cmd {
	task := fmt.Sprintf("doctor-scan-%d", id)
	return tea.Batch(common.StartTask(task, "health: scanning the fleet"), c.Run(func(ctx context.Context) tea.Msg {
		d := common.Local[dashboard](c)
		var rep health.Report
		s, err := d.service(ctx, c)
		if err == nil {
			rep, err = s.Run(ctx, health.Options{})
		}
		at := c.Now()
		out := tea.BatchMsg{
			func() tea.Msg { return scannedMsg{id: id, rep: rep, at: at, err: err} },
			common.EndTask(task),
		}
		if err == nil {
			d.keep(rep, at)
			text, short := slotText(rep)
			out = append(out, func() tea.Msg { return common.SlotMsg{Slot: SlotName, Text: text, Short: short} })
		}
		return out
	}))
}

// slotText is the header's summary of a report: the worst severity found.
func slotText(rep health.Report) (text, short string) {
	c := rep.Counts()
	switch {
	case c[health.Error] > 0:
		short = common.Plural(c[health.Error], "error")
	case c[health.Warn] > 0:
		short = common.Plural(c[health.Warn], "warning")
	default:
		return "health: ok", "health ok"
	}
	return "health: " + short, short
}

// incomplete warns in the footer when a check could not run everything
// (a server down, the backup service not open): its findings may be
// missing, so the list is not the whole story.
func incomplete(rep health.Report) tea.Cmd {
	for _, c := range rep.Checks {
		if c.Error != "" {
			text := fmt.Sprintf("health: the %s check could not run everything: %s", c.Name, c.Error)
			return func() tea.Msg { return common.FlashMsg{Text: text, Warn: true, TTL: 2 * common.DefaultFlashTTL} }
		}
	}
	return nil
}

// incompleteChecks counts the checks that could not run everything.
func incompleteChecks(rep *health.Report) int {
	n := 0
	for _, c := range rep.Checks {
		if c.Error != "" {
			n++
		}
	}
	return n
}
