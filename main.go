// Command tenancy is a terminal dashboard and CLI for multi-tenant SaaS
// fleets that keep one MySQL/MariaDB database per tenant.
package main

import (
	"os"

	"github.com/tenancy-dev/tenancy/cli"
)

func main() {
	os.Exit(cli.Execute(os.Args[1:]))
}
