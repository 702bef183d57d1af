package cli

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/tenants"
)

// editFlags are `tenants set`'s flags as typed.
type editFlags struct {
	name, homepage string
	set, unset     []string
	asJSON         bool
}

// request turns the flags into a service request; a wrong value is a
// usage error naming the flag.
func (f editFlags) request(cmd *cobra.Command, refs int) (tenants.EditRequest, error) {
	var req tenants.EditRequest
	if cmd.Flags().Changed("name") {
		if refs > 1 {
			return req, usagef("--name names one tenant; %d were given", refs)
		}
		if err := tenants.ValidateTenantName(f.name); err != nil {
			return req, usagef("--name: %v", err)
		}
		req.Name = &f.name
	}
	if cmd.Flags().Changed("homepage") {
		switch strings.ToLower(strings.TrimSpace(f.homepage)) {
		case "true", "yes", "1", "on":
			req.HasHomepage = ptrTo(true)
		case "false", "no", "0", "off":
			req.HasHomepage = ptrTo(false)
		default:
			return req, usagef("--homepage %q is not true or false", f.homepage)
		}
	}
	for _, s := range f.set {
		k, v, err := tenants.ParseSetting(s)
		if err != nil {
			return req, usagef("--setting: %v", err)
		}
		if req.SetSettings == nil {
			req.SetSettings = map[string]json.RawMessage{}
		}
		req.SetSettings[k] = v
	}
	req.UnsetSettings = f.unset
	if req.Empty() {
		return req, usagef("nothing to change: give --name, --homepage, --setting or --unset-setting")
	}
	if err := req.Validate(); err != nil {
		return req, usagef("%v", err)
	}
	return req, nil
}

func ptrTo[T any](v T) *T { return &v }

func newSetCmd(app *App) *cobra.Command {
	var f editFlags
	cmd := &cobra.Command{
		Use:   "set REF... [--name N] [--homepage true|false] [--setting key=value]... [--unset-setting key]...",
		Short: "Edit tenants: name, has_homepage, settings",
		Long: "Edit tenants. --setting key=value sets a string, --setting key:=JSON any JSON value (42, true, [\"a\"]);\n" +
			"other settings and, on a stancl registry, every other data key are kept.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := app.Service(cmd.Context())
			if err != nil {
				return err
			}
			list, err := svc.FindMany(cmd.Context(), args)
			if err != nil {
				return err
			}
			req, err := f.request(cmd, len(list))
			if err != nil {
				return err
			}
			changed := make([]tenants.Tenant, 0, len(list))
			for _, t := range list {
				after, err := svc.Edit(cmd.Context(), t, req)
				if err != nil {
					return fmt.Errorf("edit tenant [%d] %s: %w", t.Index, t.Name, err)
				}
				changed = append(changed, tenantJSON(after))
				if !f.asJSON {
					printf(cmd.OutOrStdout(), "[%d] %s: %s\n", after.Index, after.Name, describeEdit(t, after, req))
				}
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), changed)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "", "new name (one tenant only)")
	fl.StringVar(&f.homepage, "homepage", "", "has_homepage: true or false")
	fl.StringArrayVar(&f.set, "setting", nil, "set a setting: key=value (a string) or key:=JSON (repeat for several)")
	fl.StringArrayVar(&f.unset, "unset-setting", nil, "remove a setting (repeat for several)")
	fl.BoolVar(&f.asJSON, "json", false, "print the changed tenants as JSON")
	return cmd
}

// describeEdit says what changed in one line.
func describeEdit(before, after tenants.Tenant, req tenants.EditRequest) string {
	var parts []string
	if req.Name != nil {
		parts = append(parts, fmt.Sprintf("name %q -> %q", before.Name, after.Name))
	}
	if req.HasHomepage != nil {
		parts = append(parts, fmt.Sprintf("has_homepage %t -> %t", before.HasHomepage, after.HasHomepage))
	}
	if len(req.SetSettings) > 0 {
		parts = append(parts, "set "+strings.Join(slices.Sorted(maps.Keys(req.SetSettings)), ", "))
	}
	if len(req.UnsetSettings) > 0 {
		parts = append(parts, "unset "+strings.Join(req.UnsetSettings, ", "))
	}
	return strings.Join(parts, "; ")
}
