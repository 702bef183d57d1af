package tenantlist

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/tenantops"
)

// registerCommands adds the tenant palette commands.
func registerCommands(r *common.Registry) {
	r.Command(common.Command{Name: "create", Help: "create a tenant", Write: true,
		Run: func(*common.Context, []string) tea.Cmd { return common.Open("create", "", nil) }})
	r.Command(common.Command{Name: "goto", Args: "REF", Help: "open a tenant by id, [#], domain, database or name",
		Run: func(c *common.Context, args []string) tea.Cmd {
			return resolve(c, args, func(t tenants.Tenant) tea.Cmd { return common.Open("detail", t.ID, t) })
		}})
	r.Command(common.Command{Name: "delete", Args: "REF", Help: "delete a tenant (asks for its name)", Write: true,
		Run: func(c *common.Context, args []string) tea.Cmd {
			return resolve(c, args, func(t tenants.Tenant) tea.Cmd {
				return tenantops.ConfirmDelete(c, []tenants.Tenant{t}, nil)
			})
		}})
}

// resolve finds the tenant named by args, then runs then on it.
func resolve(c *common.Context, args []string, then func(tenants.Tenant) tea.Cmd) tea.Cmd {
	ref := strings.Join(args, " ")
	if ref == "" {
		return common.FlashError(fmt.Errorf("name a tenant: by id, [#], domain, database or name"))
	}
	return c.Run(func(ctx context.Context) tea.Msg {
		t, err := c.Service.Find(ctx, ref)
		if err != nil {
			return common.FlashMsg{Text: err.Error(), Error: true}
		}
		return tea.BatchMsg{then(t)}
	})
}
