package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/tenants"
)

func newDownCmd(app *App) *cobra.Command {
	var req tenants.DownRequest
	var form string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "down REF... [--message M] [--retry S] [--secret S] [--allow IP]...",
		Short: "Put tenants into maintenance mode (stancl's data.maintenance_mode)",
		Long: "Put tenants into maintenance mode: requests get 503 with Retry-After from tenancy's middleware and\n" +
			"from the Laravel app (stancl's CheckTenantForMaintenanceMode). Allowed IPs pass; visiting /SECRET sets\n" +
			"a bypass cookie. It is written in [tenancy] maintenance_form (auto: the form the fleet already uses).",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Form = tenants.MaintenanceForm(form)
			if err := req.Validate(); err != nil {
				return usagef("%v", err)
			}
			svc, err := app.Service(cmd.Context())
			if err != nil {
				return err
			}
			list, err := svc.FindMany(cmd.Context(), args)
			if err != nil {
				return err
			}
			written := req.Form
			if written == "" {
				if written, err = svc.MaintenanceFormInUse(cmd.Context()); err != nil {
					return err
				}
				req.Form = written // one form for every tenant of this command
			}
			if ignored := req.IgnoredByLaravel(written); len(ignored) > 0 {
				printf(app.Stderr, "note: stancl's middleware for the %s form ignores the %s; tenancy's middleware honours them\n", written, strings.Join(ignored, " and the "))
			}
			changed := make([]tenants.Tenant, 0, len(list))
			for _, t := range list {
				after, err := svc.Down(cmd.Context(), t, req)
				if err != nil {
					return fmt.Errorf("put tenant [%d] %s down: %w", t.Index, t.Name, err)
				}
				changed = append(changed, tenantJSON(after))
				if !asJSON {
					printf(cmd.OutOrStdout(), "[%d] %s: down for maintenance (%s)\n", after.Index, after.Name, describeMaintenance(*after.Maintenance))
				}
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), changed)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Message, "message", "", "message shown to visitors")
	f.IntVar(&req.Retry, "retry", 0, "Retry-After in seconds (0: no header)")
	f.StringVar(&req.Secret, "secret", "", "bypass: visiting /SECRET sets a cookie that lets the browser in")
	f.StringArrayVar(&req.Allowed, "allow", nil, "an IP address or CIDR range that passes (repeat for several)")
	f.StringVar(&form, "form", "", "write this form instead of [tenancy] maintenance_form: except or time")
	f.BoolVar(&asJSON, "json", false, "print the changed tenants as JSON")
	return cmd
}

func newUpCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "up REF...",
		Short: "Take tenants out of maintenance mode",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := app.Service(cmd.Context())
			if err != nil {
				return err
			}
			list, err := svc.FindMany(cmd.Context(), args)
			if err != nil {
				return err
			}
			changed := make([]tenants.Tenant, 0, len(list))
			for _, t := range list {
				after, err := svc.Up(cmd.Context(), t)
				if err != nil {
					return fmt.Errorf("bring tenant [%d] %s up: %w", t.Index, t.Name, err)
				}
				changed = append(changed, tenantJSON(after))
				if !asJSON {
					was := "was not down"
					if t.Maintenance != nil {
						was = "was down"
					}
					printf(cmd.OutOrStdout(), "[%d] %s: up (%s)\n", after.Index, after.Name, was)
				}
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), changed)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the changed tenants as JSON")
	return cmd
}

// describeMaintenance says how a tenant is down in one line (the secret
// itself is not printed).
func describeMaintenance(m tenants.Maintenance) string {
	parts := []string{}
	if m.Form != "" {
		parts = append(parts, string(m.Form)+" form")
	}
	parts = append(parts, fmt.Sprintf("status %d", m.HTTPStatus()))
	if m.Retry > 0 {
		parts = append(parts, fmt.Sprintf("retry %ds", m.Retry))
	}
	if m.Message != "" {
		parts = append(parts, fmt.Sprintf("message %q", m.Message))
	}
	if m.Secret != "" {
		parts = append(parts, "secret set")
	}
	if len(m.Allowed) > 0 {
		parts = append(parts, "allowed "+strings.Join(m.Allowed, ", "))
	}
	return strings.Join(parts, ", ")
}
