package create

import (
	"fmt"
	"strings"

	"charm.land/huh/v2"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// fields are the form's values (huh writes through pointers to them).
type fields struct {
	id, name, domains, database, server string
	// suggested is the database name used when none is typed (prefix + id
	// + suffix, as the service would pick), shown as the placeholder.
	suggested  string
	status     tenants.Status
	user, seed bool
	// owners maps the domains already taken to their tenant's name, once
	// loaded, so the form says so at the field (the service checks again).
	owners map[string]string
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
	db := strings.TrimSpace(f.database)
	if db == "" {
		db = f.suggested
	}
	return tenants.CreateRequest{ID: f.id, Name: strings.TrimSpace(f.name), Domains: domains,
		Database: db, Server: f.server, Status: f.status, DBUser: &user, Seed: f.seed}
}

// theme is huh's Charm theme with the chosen Yes/No button also bold and
// underlined: under NO_COLOR a background colour alone would not show it.
func theme(isDark bool) *huh.Styles {
	t := huh.ThemeCharm(isDark)
	t.Focused.FocusedButton = t.Focused.FocusedButton.Bold(true).Underline(true)
	t.Blurred.FocusedButton = t.Blurred.FocusedButton.Bold(true).Underline(true)
	return t
}

func (f *fields) validateDomains(s string) error {
	for _, d := range strings.Split(s, ",") {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		norm, err := tenants.NormalizeDomain(d)
		if err != nil {
			return err
		}
		if owner, ok := f.owners[norm]; ok {
			return fmt.Errorf("domain %s already belongs to tenant %s", norm, termtext.Line(owner))
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

// newFields returns the form's defaults. The id is chosen now so that the
// suggested database name is the one created unless another is typed.
func newFields(c *common.Context, id string) *fields {
	tc := c.Config.Tenancy
	return &fields{id: id, suggested: tc.DatabasePrefix + id + tc.DatabaseSuffix, server: serverNames(c)[0],
		status: tenants.StatusActive, user: tc.CreateDatabaseUser, seed: true}
}

// newForm builds the form over f's current values (defaults, or what was
// typed before a failed attempt).
func newForm(c *common.Context, f *fields) *huh.Form {
	names := serverNames(c)
	statuses := make([]huh.Option[tenants.Status], 0, len(tenants.Statuses))
	for _, s := range tenants.Statuses {
		statuses = append(statuses, huh.NewOption(string(s), s))
	}
	form := huh.NewForm(
		huh.NewGroup(
			// Placeholders say "e.g.": under NO_COLOR they must not pass for values.
			huh.NewInput().Key("name").Title("Name").Placeholder("e.g. Northwind Traders").Value(&f.name).
				Validate(func(s string) error {
					if strings.TrimSpace(s) == "" {
						return fmt.Errorf("a tenant needs a name")
					}
					return nil
				}),
			huh.NewInput().Key("domains").Title("Domains").Description("comma-separated, may be empty").
				Placeholder("e.g. northwind.localhost").Value(&f.domains).Validate(f.validateDomains),
			huh.NewInput().Key("database").Title("Database").Description("leave empty to use the suggestion").
				Placeholder("suggested: "+f.suggested).Value(&f.database).Validate(func(s string) error {
				if strings.TrimSpace(s) == "" {
					return nil
				}
				return tenants.ValidateDatabaseName(strings.TrimSpace(s))
			}),
		),
		huh.NewGroup(
			huh.NewSelect[string]().Key("server").Title("Server").Options(huh.NewOptions(names...)...).Value(&f.server),
			huh.NewSelect[tenants.Status]().Key("status").Title("Status").Options(statuses...).Value(&f.status),
			huh.NewConfirm().Key("user").Title("Own database user?").Affirmative("Yes").Negative("No").Value(&f.user),
			huh.NewConfirm().Key("seed").Title("Load the seed data?").Affirmative("Yes").Negative("No").Value(&f.seed),
		),
	).WithShowHelp(true).WithTheme(huh.ThemeFunc(func(bool) *huh.Styles { return theme(c.Styles.IsDark) }))
	return form
}
