package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/tenancy-dev/tenancy/tenants"
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
// else cancels, and the error says that nothing was done.
func askTenantName(app *App, t tenants.Tenant, nothingDone string) error {
	fmt.Fprintf(app.Stderr, "Type the tenant's name (%s) to confirm: ", t.Name)
	line, err := bufio.NewReader(app.Stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return err
	}
	if strings.TrimRight(line, "\r\n") != t.Name {
		return fmt.Errorf("the name did not match; %s", nothingDone)
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

// optionalTenantID returns the id of the tenant args names, or "" for none.
func optionalTenantID(ctx context.Context, svc *tenants.Service, args []string) (string, error) {
	if len(args) == 0 {
		return "", nil
	}
	t, err := svc.Find(ctx, args[0])
	return t.ID, err
}
