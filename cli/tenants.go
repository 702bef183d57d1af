package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/tenants"
)

func newTenantsCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "tenants",
		Aliases: []string{"tenant", "t"},
		Short:   "List, show, create, delete and change tenants",
		Args:    cobra.NoArgs,
	}
	cmd.AddCommand(newListCmd(app), newShowCmd(app), newCreateCmd(app), newDeleteCmd(app),
		newStatusCmd(app, "activate", tenants.StatusActive),
		newStatusCmd(app, "deactivate", tenants.StatusInactive),
		newStatusCmd(app, "block", tenants.StatusBlocked),
		newDomainsCmd(app),
		newSetCmd(app), newDownCmd(app), newUpCmd(app), // cli/tenants_edit.go, cli/tenants_maintenance.go
		newCloneCmd(app), newMoveCmd(app), newRebalanceCmd(app)) // cli/tenants_clone.go, cli/tenants_move.go
	return cmd
}

// tenantJSON is a tenant as scripts see it: never null domains, never the
// data column (it carries passwords).
func tenantJSON(t tenants.Tenant) tenants.Tenant {
	if t.Domains == nil {
		t.Domains = []string{}
	}
	return t
}

func newListCmd(app *App) *cobra.Command {
	var status, filter, sortKey string
	var desc, asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List tenants with their stable [index]",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := tenants.ListOptions{Status: tenants.Status(status), Filter: filter, Sort: tenants.SortKey(sortKey), Desc: desc}
			if status != "" && !opts.Status.Known() {
				return usagef("--status %q is not one of active, inactive, blocked", status)
			}
			if !validSort(opts.Sort) {
				return usagef("--sort %q is not one of %s", sortKey, joinKeys())
			}
			svc, err := app.Service(cmd.Context())
			if err != nil {
				return err
			}
			list, err := svc.List(cmd.Context(), opts)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]tenants.Tenant, len(list))
				for i, t := range list {
					out[i] = tenantJSON(t)
				}
				return printJSON(cmd.OutOrStdout(), out)
			}
			printTable(cmd.OutOrStdout(), list)
			return nil
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only tenants with this status (active, inactive, blocked)")
	cmd.Flags().StringVar(&filter, "filter", "", "only tenants whose name, id, domain or database contains TEXT")
	cmd.Flags().StringVar(&sortKey, "sort", "index", "sort by "+joinKeys())
	cmd.Flags().BoolVar(&desc, "desc", false, "sort descending")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func validSort(k tenants.SortKey) bool {
	for _, s := range tenants.SortKeys {
		if s == k {
			return true
		}
	}
	return false
}

func joinKeys() string {
	var s []string
	for _, k := range tenants.SortKeys {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

func printTable(w io.Writer, list []tenants.Tenant) {
	tw := newTable(w)
	tw.Row("#", "ID", "NAME", "DOMAIN", "STATUS", "DATABASE", "SERVER", "LAST ACCESS")
	for _, t := range list {
		domain := t.PrimaryDomain()
		if len(t.Domains) > 1 {
			domain += fmt.Sprintf(" (+%d)", len(t.Domains)-1)
		}
		tw.Row(fmt.Sprintf("[%d]", t.Index), t.ID, t.Name, dash(domain), dash(string(t.Status)), t.Database, t.Server, timeOrNever(t.LastAccessedAt))
	}
	tw.Flush()
	printf(w, "%s\n", plural(len(list), "tenant"))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func timeOrNever(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func newShowCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show REF",
		Short: "Show one tenant: fields, domains and its database",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, t, err := app.tenant(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			info, infoErr := svc.DatabaseInfo(cmd.Context(), t)
			if asJSON {
				return printJSON(cmd.OutOrStdout(), struct {
					tenants.Tenant
					DatabaseInfo *tenants.DatabaseInfo `json:"database_info,omitempty"`
				}{tenantJSON(t), infoOrNil(info, infoErr)})
			}
			printTenant(cmd.OutOrStdout(), t, info, infoErr)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func infoOrNil(info tenants.DatabaseInfo, err error) *tenants.DatabaseInfo {
	if err != nil {
		return nil
	}
	return &info
}

func printTenant(w io.Writer, t tenants.Tenant, info tenants.DatabaseInfo, infoErr error) {
	tw := newTable(w)
	row := func(k, v string) { tw.Row(k, v) }
	row("Index", fmt.Sprintf("[%d]", t.Index))
	row("ID", t.ID)
	row("Name", t.Name)
	row("Status", dash(string(t.Status)))
	row("Maintenance", t.Maintenance.Summary())
	row("Domains", dash(strings.Join(t.Domains, ", ")))
	row("Database", t.Database+" on "+t.Server)
	row("Database user", dash(t.DBUser))
	row("Created", timeOrNever(t.CreatedAt))
	row("Updated", timeOrNever(t.UpdatedAt))
	row("Last access", timeOrNever(t.LastAccessedAt))
	switch {
	case infoErr != nil:
		row("Database info", "unavailable: "+infoErr.Error())
	case !info.Exists:
		row("Database info", "the database does not exist on "+t.Server)
	default:
		row("Database info", fmt.Sprintf("%s, %s, ~%d rows, %s/%s", humanBytes(info.Bytes), plural(len(info.Tables), "table"), info.Rows, info.Charset, info.Collation))
	}
	tw.Flush()
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// plural writes a count with its noun: "1 tenant", "2 tenants".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
