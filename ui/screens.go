package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/ui/audit"
	"github.com/tenancy-dev/tenancy/ui/backups"
	"github.com/tenancy-dev/tenancy/ui/cache"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/create"
	"github.com/tenancy-dev/tenancy/ui/detail"
	"github.com/tenancy-dev/tenancy/ui/doctor"
	"github.com/tenancy-dev/tenancy/ui/loadtest"
	"github.com/tenancy-dev/tenancy/ui/queue"
	"github.com/tenancy-dev/tenancy/ui/runs"
	"github.com/tenancy-dev/tenancy/ui/tenantlist"
)

// registrars add the screens and palette commands. Add yours here.
var registrars = []func(*common.Registry){
	registerBuiltins,
	tenantlist.Register,
	detail.Register,
	create.Register,
	cache.Register,
	loadtest.Register,
	backups.Register,
	runs.Register,
	doctor.Register,
	audit.Register,
	queue.Register,
}

// NewRegistry returns the registry with every screen and command.
func NewRegistry() *common.Registry {
	r := common.NewRegistry()
	for _, add := range registrars {
		add(r)
	}
	return r
}

func registerBuiltins(r *common.Registry) {
	r.Command(common.Command{Name: "quit", Help: "leave the dashboard",
		Run: func(*common.Context, []string) tea.Cmd { return common.Quit() }})
	r.Command(common.Command{Name: "refresh", Help: "reload the tenants now",
		Run: func(*common.Context, []string) tea.Cmd { return common.TenantsChanged() }})
}
