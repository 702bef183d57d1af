package ui

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/keys"
	"github.com/tenancy-dev/tenancy/ui/styles"
)

// Home is the screen the dashboard opens on.
const Home = "tenants"

// Dashboard is one user's dashboard: its root model and the context its
// work runs on. An SSH server builds one per session, so nothing (state,
// size, styles, role) is shared between sessions.
type Dashboard struct {
	// Model is the root; run it with tea.NewProgram.
	Model  tea.Model
	c      *common.Context
	cancel context.CancelFunc
}

// NewDashboard builds a dashboard on svc for the principal ctx carries
// (access.WithPrincipal): a read-only role, a read-only service or
// [ui] read_only makes it read-only. Its work ends with ctx or Close.
func NewDashboard(ctx context.Context, svc *tenants.Service) (*Dashboard, error) {
	cfg := svc.Config()
	p, hasPrincipal := access.FromContext(ctx)
	readOnly := cfg.UI.ReadOnly || svc.ReadOnly() || (hasPrincipal && p.Role.ReadOnly())
	km, err := keys.New(cfg.UI.Keys, readOnly)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	// Dark until the terminal answers the background query.
	c := common.NewContext(ctx, svc, cfg, km, styles.New(true))
	c.ReadOnly = readOnly
	m, err := New(c, NewRegistry(), Home)
	if err != nil {
		cancel()
		return nil, err
	}
	d := &Dashboard{Model: m, c: c, cancel: cancel}
	if hasPrincipal && p.Via == "ssh" {
		d.Model = withSlot{m, common.SlotMsg{Slot: "user", Text: p.User + " · " + string(p.Role), Short: string(p.Role)}}
	}
	return d, nil
}

// Close cancels the dashboard's work and waits for every operation it
// started to end.
func (d *Dashboard) Close() {
	d.cancel()
	d.c.Wait()
}

// withSlot fills a header slot when the dashboard starts (who is
// logged in, over SSH).
type withSlot struct {
	*Model
	slot common.SlotMsg
}

func (w withSlot) Init() tea.Cmd {
	return tea.Batch(w.Model.Init(), func() tea.Msg { return w.slot })
}

func (w withSlot) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := w.Model.Update(msg)
	return w, cmd
}

// Run shows the dashboard on the terminal until the user quits or ctx
// ends, then cancels and waits for every operation it started.
func Run(ctx context.Context, svc *tenants.Service, opts ...tea.ProgramOption) error {
	d, err := NewDashboard(ctx, svc)
	if err != nil {
		return err
	}
	_, err = tea.NewProgram(d.Model, append([]tea.ProgramOption{tea.WithContext(d.c.Ctx())}, opts...)...).Run()
	d.Close()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}
