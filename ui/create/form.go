package create

import (
	"fmt"
	"strings"

	"charm.land/huh/v2"
	"github.com/google/uuid"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// fields are the form's values (huh writes through pointers to them).
type fields struct {
	id, name, domains, database, server string
	status                              tenants.Status
	user, seed                          bool
}

// request turns the answers into a service request.
func (f *fields) request() tenants.CreateRequest {
	var domains []string
	for _, d := range strings.Split(f.domains, ",") {
		if d = strings.TrimSpace(d); d != "" {
			domains = append(domains, d)
		}
	}
	user := f.user
	return tenants.CreateRequest{ID: f.id, Name: strings.TrimSpace(f.name), Domains: domains,
		Database: strings.TrimSpace(f.database), Server: f.server, Status: f.status, DBUser: &user, Seed: f.seed}
}

func validateDomains(s string) error {
	for _, d := range strings.Split(s, ",") {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		if _, err := tenants.NormalizeDomain(d); err != nil {
			return err
		}
	}
	return nil
}

// serverNames lists the configured servers, central first.
func serverNames(c *common.Context) []string {
	if c.Service != nil {
		return c.Service.Servers().Names()
	}
	var names []string
	for _, s := range c.Config.AllServers() {
		names = append(names, s.Name)
	}
	return names
}

// newForm builds the form. The id is chosen now so that the suggested
// database name (prefix + id + suffix, as the service would pick) is the
// one created unless edited.
func newForm(c *common.Context, f *fields) *huh.Form {
	return newFormWithID(c, f, uuid.NewString())
}

func newFormWithID(c *common.Context, f *fields, id string) *huh.Form {
	tc := c.Config.Tenancy
	f.id = id
	f.database = tc.DatabasePrefix + f.id + tc.DatabaseSuffix
	f.status = tenants.StatusActive
	f.user = tc.CreateDatabaseUser
	f.seed = true
	names := serverNames(c)
	f.server = names[0]
	statuses := make([]huh.Option[tenants.Status], 0, len(tenants.Statuses))
	for _, s := range tenants.Statuses {
		statuses = append(statuses, huh.NewOption(string(s), s))
	}
	form := huh.NewForm(
		huh.NewGroup(
			huh.NewInput().Key("name").Title("Name").Placeholder("Acme Corp").Value(&f.name).
				Validate(func(s string) error {
					if strings.TrimSpace(s) == "" {
						return fmt.Errorf("a tenant needs a name")
					}
					return nil
				}),
			huh.NewInput().Key("domains").Title("Domains").Description("comma-separated, may be empty").
				Placeholder("acme.localhost").Value(&f.domains).Validate(validateDomains),
			huh.NewInput().Key("database").Title("Database").Description("suggested from tenancy.database_prefix").
				Value(&f.database).Validate(tenants.ValidateDatabaseName),
		),
		huh.NewGroup(
			huh.NewSelect[string]().Key("server").Title("Server").Options(huh.NewOptions(names...)...).Value(&f.server),
			huh.NewSelect[tenants.Status]().Key("status").Title("Status").Options(statuses...).Value(&f.status),
			huh.NewConfirm().Key("user").Title("Own database user?").Affirmative("Yes").Negative("No").Value(&f.user),
			huh.NewConfirm().Key("seed").Title("Load the seed data?").Affirmative("Yes").Negative("No").Value(&f.seed),
		),
	).WithShowHelp(true).WithTheme(huh.ThemeFunc(func(bool) *huh.Styles { return huh.ThemeCharm(c.Styles.IsDark) }))
	return form
}
