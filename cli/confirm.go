package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
)

// requireTerminal refuses a destructive action that would need a typed
// confirmation when there is no terminal to ask on.
func requireTerminal(app *App, action string) error {
	if !isTerminal(app.Stdin) {
		return fmt.Errorf("refusing to %s without confirmation: there is no terminal to ask on; add --yes", action)
	}
	return nil
}

// askTenantName asks for the tenant's name to be typed exactly; anything
// else cancels, and the error says that nothing was done. The name is
// shown escaped (it comes from the registry), and what is shown is
// accepted: a name holding a control character could not be typed. A
// tenant without a name is confirmed by its id, so that a bare Enter
// never confirms.
func askTenantName(app *App, t tenants.Tenant, nothingDone string) error {
	what, want := "name", t.Name
	if strings.TrimSpace(want) == "" {
		what, want = "id", t.ID
	}
	printf(app.Stderr, "Type the tenant's %s (%s) to confirm: ", what, want)
	line, err := bufio.NewReader(app.Stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return err
	}
	if typed := strings.TrimRight(line, "\r\n"); typed == "" || typed != want && typed != termtext.Line(want) {
		return fmt.Errorf("the %s did not match; %s", what, nothingDone)
	}
	return nil
}

// tenant opens the service and resolves one reference.
func (a *App) tenant(ctx context.Context, ref string) (*tenants.Service, tenants.Tenant, error) {
	svc, err := a.Service(ctx)
	if err != nil {
		return nil, tenants.Tenant{}, err
	}
	t, err := svc.Find(ctx, ref)
	return svc, t, err
}

// backupTenantID returns the id of the tenant args names, or "" for none.
// A deleted tenant's final backups outlive it: its id, no longer in the
// registry, is taken when the catalog holds backups of it.
func backupTenantID(ctx context.Context, svc *tenants.Service, bs *backup.Service, args []string) (string, error) {
	if len(args) == 0 {
		return "", nil
	}
	t, err := svc.Find(ctx, args[0])
	if errors.Is(err, tenants.ErrNotFound) {
		if kept, lerr := bs.List(ctx, args[0]); lerr == nil && len(kept) > 0 {
			return args[0], nil
		}
	}
	return t.ID, err
}
