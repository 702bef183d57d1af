package detail

import (
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
)

// maintenanceLine describes t's maintenance mode for the detail screen.
func maintenanceLine(mt *tenants.Maintenance) string {
	return termtext.Line(mt.Summary())
}
