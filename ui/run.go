package ui

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/keys"
	"github.com/tenancy-dev/tenancy/ui/styles"
)

// Home is the screen the dashboard opens on.
const Home = "tenants"

// Run shows the dashboard on the terminal until the user quits or ctx
// ends, then cancels and waits for every operation it started.
func Run(ctx context.Context, svc *tenants.Service, opts ...tea.ProgramOption) error {
	cfg := svc.Config()
	km, err := keys.New(cfg.UI.Keys, cfg.UI.ReadOnly || svc.ReadOnly())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Dark until the terminal answers the background query.
	c := common.NewContext(ctx, svc, cfg, km, styles.New(true))
	c.ReadOnly = c.ReadOnly || svc.ReadOnly()
	m, err := New(c, NewRegistry(), Home)
	if err != nil {
		return err
	}
	_, err = tea.NewProgram(m, append([]tea.ProgramOption{tea.WithContext(ctx)}, opts...)...).Run()
	cancel()
	c.Wait()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}
