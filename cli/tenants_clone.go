package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/lifecycle"
	"github.com/tenancy-dev/tenancy/tenants"
)

// lifecycleService opens the tenant, backup and lifecycle services; a
// move's cache invalidation goes through the CLI's invalidator when a
// cache is configured.
func lifecycleService(ctx context.Context, app *App) (*tenants.Service, *lifecycle.Service, error) {
	svc, bs, err := backupService(ctx, app)
	if err != nil {
		return nil, nil, err
	}
	var opts lifecycle.Options
	if app.cache != nil {
		opts.Invalidate = app.cache.inv.Invalidate
	}
	ls, err := lifecycle.Open(ctx, svc, bs, opts)
	return svc, ls, err
}

// lifecycleProgress shows a clone's or a move's steps as lines and its
// copy as the backup's live line (or JSON events).
func lifecycleProgress(app *App, view *progressView, name string, asJSON bool) func(lifecycle.Progress) {
	return func(p lifecycle.Progress) {
		if p.Step == "copy" {
			view.report(name, p.Copy)
			return
		}
		view.finish()
		if asJSON {
			view.emit(struct {
				Event string `json:"event"`
				lifecycle.Progress
			}{"step", p})
			return
		}
		if p.Message != "" {
			printf(app.Stderr, "%s: %s\n", p.Step, p.Message)
		}
	}
}

func newCloneCmd(app *App) *cobra.Command {
	var req lifecycle.CloneRequest
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "clone REF --name NEW [--domain D]... [--server S]",
		Short: "Create a tenant whose database is a copy of REF's (streamed, no file)",
		Long: "Create a tenant through the same path as `tenants create` (a database user when REF has one)\n" +
			"and stream REF's database into it as of one instant. The clone stays inactive until its data is in,\n" +
			"then takes REF's status. If anything fails, the new tenant is deleted whole.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := tenants.ValidateTenantName(req.Name); err != nil {
				return usagef("--name: %v", err)
			}
			ctx := cmd.Context()
			svc, ls, err := lifecycleService(ctx, app)
			if err != nil {
				return err
			}
			if req.Source, err = svc.Find(ctx, args[0]); err != nil {
				return err
			}
			view := newProgressView(app.Stderr, isTerminal(app.Stderr), asJSON, 1)
			t, err := ls.Clone(ctx, req, lifecycleProgress(app, view, req.Source.Name, asJSON))
			view.finish()
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), tenantJSON(t))
			}
			printf(cmd.OutOrStdout(), "Cloned [%d] %s into tenant [%d] %s (%s), database %s on %s.\n",
				req.Source.Index, req.Source.Name, t.Index, t.Name, t.ID, t.Database, t.Server)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Name, "name", "", "the new tenant's name (required)")
	f.StringArrayVar(&req.Domains, "domain", nil, "a domain of the new tenant (repeat for several)")
	f.StringVar(&req.Server, "server", "", "server for the new database (default: the one with the fewest tenants)")
	f.BoolVar(&asJSON, "json", false, "print progress events and the new tenant as JSON")
	return cmd
}
