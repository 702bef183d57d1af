// Package loadtest is the dashboard's load-test screen: a form for the
// run's parameters and a confirmation, then the run live (progress, a
// table per tenant, charts of total ops/s and p99), and the report with
// the isolation verdict and where it was saved. esc stops a run early; the
// isolation check, the cleanup and the report still happen.
package loadtest

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/tenancy-dev/tenancy/perf"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// Name is the screen's registry name.
const Name = "perf"

// Register adds the screen and the `:perf [REF...]` command. Other
// screens open it with common.Open(Name, "", []tenants.Tenant{...}).
func Register(r *common.Registry) {
	last := defaultFields() // the answers of the session's last run
	r.Screen(Name, func(c *common.Context, arg string, data any) (common.Screen, error) {
		if c.ReadOnly {
			return nil, tenants.ErrReadOnly
		}
		list, _ := data.([]tenants.Tenant)
		return newModel(c, strings.Fields(arg), list, last), nil
	})
	r.Command(common.Command{Name: Name, Args: "[REF...]", Help: "load-test tenants (all if none named), check isolation", Write: true,
		Run: func(_ *common.Context, args []string) tea.Cmd { return common.Open(Name, strings.Join(args, " "), nil) }})
}

type phase int

const (
	editing phase = iota
	running
	finished
)

// maxPoints is how many intervals the charts keep.
const maxPoints = 240

type progressMsg struct {
	id int
	p  perf.Progress
}

type doneMsg struct {
	id   int
	rep  *perf.Report
	path string
	err  error
}

// Model is the load-test screen.
type Model struct {
	c      *common.Context
	refs   []string
	list   []tenants.Tenant
	f      *fields
	saved  *fields // the session's answers, shared by every perf screen
	form   *huh.Form
	phase  phase
	opts   perf.Options
	runID  int
	cancel context.CancelFunc
	ch     chan perf.Progress

	stage    perf.Progress // the latest phase report
	last     *perf.Snapshot
	ops, p99 []float64
	done     int64 // measured operations so far
	stopping bool

	rep    *perf.Report
	path   string
	err    error
	report viewport.Model
	// reportText is the report as perf writes it, before wrapping.
	reportText string
	bar        progress.Model
	width      int
	height     int
}

// New returns the screen for the given tenants (list when already loaded,
// else refs to find; neither means every tenant).
func New(c *common.Context, refs []string, list []tenants.Tenant) *Model {
	return newModel(c, refs, list, defaultFields())
}

// newModel prefills the form with last, and saves the answers there when
// a run starts.
func newModel(c *common.Context, refs []string, list []tenants.Tenant, last *fields) *Model {
	f := *last
	f.confirmed = false
	m := &Model{c: c, refs: refs, list: list, f: &f, saved: last, bar: progress.New(progress.WithWidth(40))}
	m.form = newForm(c, m.f, m.target())
	m.report = viewport.New()
	return m
}

// target names the tenants to load, for the confirmation (escaped).
func (m *Model) target() string {
	switch {
	case len(m.list) == 1:
		return "tenant " + termtext.Line(m.list[0].Name)
	case len(m.list) > 0:
		return fmt.Sprintf("%d tenants", len(m.list))
	case len(m.refs) > 0:
		return "tenants " + termtext.Line(strings.Join(m.refs, ", "))
	}
	return "every tenant"
}

// Init implements common.Screen.
func (m *Model) Init() tea.Cmd { return m.form.Init() }

// Title implements common.Screen.
func (m *Model) Title() string { return "Load test" }

// Capturing is true while the form is edited.
func (m *Model) Capturing() bool { return m.phase == editing }

// Busy implements common.Busy: the work is running.
func (m *Model) Busy() bool { return m.phase == running }

// Update implements common.Screen.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case progressMsg:
		if msg.id != m.runID {
			return m, nil
		}
		m.observe(msg.p)
		return m, m.waitProgress()
	case doneMsg:
		if msg.id != m.runID {
			return m, nil
		}
		m.finish(msg)
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	if m.phase == editing {
		return m, m.updateForm(msg)
	}
	return m, nil
}

// observe takes one report of the run.
func (m *Model) observe(p perf.Progress) {
	m.stage = p
	if p.Snapshot == nil {
		return
	}
	m.last = p.Snapshot
	if p.Snapshot.Warmup {
		return
	}
	m.done += p.Snapshot.Total.Ops
	m.ops = appendPoint(m.ops, p.Snapshot.Total.OpsPerSec)
	m.p99 = appendPoint(m.p99, p.Snapshot.Total.P99)
}

func appendPoint(s []float64, v float64) []float64 {
	s = append(s, v)
	if len(s) > maxPoints {
		s = s[len(s)-maxPoints:]
	}
	return s
}

func (m *Model) finish(msg doneMsg) {
	m.phase, m.rep, m.path, m.err = finished, msg.rep, msg.path, msg.err
	m.cancel()
	if m.rep != nil {
		var b strings.Builder
		_ = m.rep.WriteText(&b)
		m.reportText = termtext.Block(b.String()) // it names the tenants
		m.report.SetContent(wrapReport(m.reportText, m.width))
	}
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	switch m.phase {
	case editing:
		if key.Matches(msg, k.Back) {
			return common.Back()
		}
		return m.updateForm(msg)
	case running:
		if key.Matches(msg, k.Back) && !m.stopping {
			m.stopping = true
			m.cancel() // the run stops its users, then verifies, cleans up and reports
		}
	case finished:
		if key.Matches(msg, k.Back) {
			return common.Back()
		}
		var cmd tea.Cmd
		m.report, cmd = m.report.Update(msg)
		return cmd
	}
	return nil
}

func (m *Model) updateForm(msg tea.Msg) tea.Cmd {
	fm, cmd := m.form.Update(msg)
	m.form = fm.(*huh.Form)
	switch m.form.State {
	case huh.StateCompleted:
		if !m.f.confirmed {
			return common.Back()
		}
		opts, err := m.f.options(m.c)
		if err != nil {
			return common.FlashError(err)
		}
		m.remember()
		return m.start(opts)
	case huh.StateAborted:
		return common.Back()
	}
	return cmd
}

// remember keeps the answers for the session's next perf screen.
func (m *Model) remember() { *m.saved = *m.f }

// start runs the load test on its own cancellable context; progress
// goes through a channel read by a re-armed command.
func (m *Model) start(opts perf.Options) tea.Cmd {
	m.phase, m.opts = running, opts
	m.runID = m.c.NextID()
	ctx, cancel := context.WithCancel(m.c.Ctx())
	m.cancel = cancel
	m.ch = make(chan perf.Progress, 64)
	id, ch, svc, refs, list := m.runID, m.ch, m.c.Service, m.refs, m.list
	reportDir := m.c.Config.Perf.ReportDir
	program := m.c.Ctx()
	run := m.c.Run(func(context.Context) tea.Msg {
		defer close(ch)
		var err error
		if len(list) == 0 {
			list, err = resolve(ctx, svc, refs)
			if err != nil {
				return doneMsg{id: id, err: err}
			}
		}
		// Sends give up only when the dashboard exits: after esc the run
		// still reports its check and cleanup.
		rep, err := perf.NewRunner(svc).Run(ctx, list, opts, func(p perf.Progress) {
			select {
			case ch <- p:
			case <-program.Done():
			}
		})
		if err != nil {
			return doneMsg{id: id, err: err}
		}
		path, err := rep.Save(reportDir)
		return doneMsg{id: id, rep: rep, path: path, err: err}
	})
	return tea.Batch(run, m.waitProgress(), common.StartTask(fmt.Sprintf("perf-%d", id), "load test"))
}

func resolve(ctx context.Context, svc *tenants.Service, refs []string) ([]tenants.Tenant, error) {
	if len(refs) > 0 {
		return svc.FindMany(ctx, refs)
	}
	list, err := svc.List(ctx, tenants.ListOptions{})
	if err == nil && len(list) == 0 {
		err = fmt.Errorf("there are no tenants to load")
	}
	return list, err
}

// waitProgress reads the next report; it ends when the channel closes.
func (m *Model) waitProgress() tea.Cmd {
	id, ch := m.runID, m.ch
	return m.c.Run(func(context.Context) tea.Msg {
		p, ok := <-ch
		if !ok {
			return common.TaskMsg{ID: fmt.Sprintf("perf-%d", id), Done: true}
		}
		return progressMsg{id: id, p: p}
	})
}

// SetSize implements common.Screen.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.form = m.form.WithWidth(min(w-2, 80)).WithHeight(max(h-2, 5))
	m.bar.SetWidth(max(min(w-40, 60), 10))
	m.report.SetWidth(w)
	m.report.SetHeight(max(h-3, 3))
	if m.reportText != "" {
		m.report.SetContent(wrapReport(m.reportText, w))
	}
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	switch m.phase {
	case running:
		stop := k.Back
		stop.SetHelp("esc", "stop early (still verifies, cleans up, reports)")
		return []key.Binding{stop}
	case finished:
		return []key.Binding{k.Up, k.Down, k.Back}
	}
	return []key.Binding{k.Back}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }
