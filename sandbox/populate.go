package sandbox

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"
	"golang.org/x/sync/errgroup"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// demoTenant is one example tenant.
type demoTenant struct {
	name    string
	domains []string
	status  tenants.Status
	user    bool
	server  string // "" is the central server
}

// demoTenants are the sandbox's example tenants: mixed statuses, one or
// two domains each, a few with their own database user.
var demoTenants = []demoTenant{
	{"Acme Corp", []string{"acme.localhost", "www.acme.localhost"}, tenants.StatusActive, true, ""},
	{"Globex", []string{"globex.localhost"}, tenants.StatusActive, false, ""},
	{"Initech", []string{"initech.localhost"}, tenants.StatusActive, false, ""},
	{"Umbrella Corp", []string{"umbrella.localhost"}, tenants.StatusBlocked, false, ""},
	{"Hooli", []string{"hooli.localhost", "hooli-xyz.localhost"}, tenants.StatusActive, true, ""},
	{"Stark Industries", []string{"stark.localhost"}, tenants.StatusActive, false, ""},
	{"Wayne Enterprises", []string{"wayne.localhost"}, tenants.StatusInactive, false, ""},
	{"Wonka Industries", []string{"wonka.localhost"}, tenants.StatusActive, false, ""},
	{"Cyberdyne Systems", []string{"cyberdyne.localhost"}, tenants.StatusBlocked, false, ""},
	{"Soylent", []string{"soylent.localhost"}, tenants.StatusInactive, false, ""},
	{"Tyrell Corp", []string{"tyrell.localhost"}, tenants.StatusActive, true, ""},
	{"Vandelay Industries", []string{"vandelay.localhost"}, tenants.StatusInactive, false, ""},
}

// DemoTenants is the size of the demo fleet.
const DemoTenants = 60

// LargeTenant is the demo's large tenant, filled in the background (see Fill).
const LargeTenant = "Megacorp"

// moreNames are the rest of the fleet after the dozen above: two of
// three on the second server.
var moreNames = []string{
	"Aperture Science", "Black Mesa", "Bluth Company", "Dunder Mifflin", "Gringotts", "Kwik-E-Mart",
	"Los Pollos Hermanos", "Massive Dynamic", "Monsters Inc", "Nakatomi Trading", "Oceanic Airlines", "Oscorp",
	"Pied Piper", "Prestige Worldwide", "Rekall", "Sirius Cybernetics", "Spacely Sprockets", "Sterling Cooper",
	"Strickland Propane", "Vault-Tec", "Virtucon", "Weyland-Yutani", "Yoyodyne", "Zorg Industries",
	"Ollivanders", "Krusty Krab", "Duff Brewing", "Buy n Large", "Omni Consumer Products", "InGen",
	"Gekko and Co", "Planet Express", "Prescott Pharmaceuticals", "Wernham Hogg", "Central Perk", "Paddys Pub",
	"Bobs Burgers", "Blue Sun", "Tessier-Ashpool", "Abstergo", "Encom", "Hanso Foundation",
	"Moobys", "Stay Puft", "Sabre", "Chotchkies", "Lacuna Inc",
}

// fleetTenants is the demo fleet of n tenants: the dozen above, then
// moreNames, then always the large tenant last.
func fleetTenants(n int) []demoTenant {
	all := slices.Clone(demoTenants)
	for i, name := range moreNames {
		d := demoTenant{name: name, domains: []string{slug(name) + ".localhost"}, status: tenants.StatusActive}
		switch {
		case i%11 == 5:
			d.status = tenants.StatusBlocked
		case i%7 == 3:
			d.status = tenants.StatusInactive
		}
		if i%3 != 0 {
			d.server = SecondServer
		}
		all = append(all, d)
	}
	n = max(min(n, len(all)+1), 1)
	out := slices.Clone(all[:n-1])
	return append(out, demoTenant{name: LargeTenant, domains: []string{"megacorp.localhost"}, status: tenants.StatusActive, server: SecondServer})
}

func slug(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// createWorkers bounds concurrent tenant creations (each seeds ~5k rows),
// over both servers.
const createWorkers = 6

// populate creates the central tables, the migrations folder and every
// tenant of the n-tenant fleet not yet there (so an interrupted run, or a
// sandbox of an older tenancy, finishes on the next one), then the fleet
// history (see prepareFleet).
func (s *Sandbox) populate(ctx context.Context, n int, report func(string)) error {
	if err := s.writeMigrations(false); err != nil {
		return err
	}
	central, _, err := tenants.EnsureCentralDatabase(ctx, s.CentralDSN())
	if err != nil {
		return fmt.Errorf("demo central database: %w", err)
	}
	defer central.Close()
	if _, err = tenants.Init(ctx, central); err != nil {
		return fmt.Errorf("demo central tables: %w", err)
	}
	cfg, err := config.Load(s.ConfigPath)
	if err != nil {
		return err
	}
	svc, err := tenants.Open(ctx, cfg, tenants.Options{})
	if err != nil {
		return err
	}
	defer svc.Close()
	existing, err := svc.List(ctx, tenants.ListOptions{})
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, t := range existing {
		have[t.Name] = true
	}
	var todo []demoTenant
	fleet := fleetTenants(n)
	for _, d := range fleet {
		if !have[d.name] {
			todo = append(todo, d)
		}
	}
	if len(todo) > 0 {
		noun := "tenants"
		if len(todo) == 1 {
			noun = "tenant"
		}
		report(fmt.Sprintf("creating %d example %s on two servers (database, migrations, ~5,000 seed rows each)", len(todo), noun))
	}
	var mu sync.Mutex
	done := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(createWorkers)
	for _, d := range todo {
		g.Go(func() error {
			user := d.user
			_, err := svc.Create(gctx, tenants.CreateRequest{
				Name: d.name, Domains: d.domains, Status: d.status, DBUser: &user, Seed: true, Server: cmp.Or(d.server, config.CentralServerName),
			}, nil)
			if err != nil {
				return fmt.Errorf("create demo tenant %s: %w", d.name, err)
			}
			mu.Lock()
			done++
			report(fmt.Sprintf("  %2d/%d  %s", done, len(todo), d.name))
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := touch(ctx, central, fleet); err != nil {
		return err
	}
	return s.prepareFleet(ctx, svc, report)
}

// touch gives the example tenants plausible last-access times (a real
// fleet's resolver would have set them), recent for active tenants.
func touch(ctx context.Context, central *sqlx.DB, fleet []demoTenant) error {
	for i, d := range fleet {
		minutes := 3 + (i*i*17)%(60*24*9)
		if d.status != tenants.StatusActive {
			minutes = 60 * 24 * (5 + i*3)
		}
		_, err := central.ExecContext(ctx,
			"UPDATE `tenants` SET `last_accessed_at` = NOW() - INTERVAL ? MINUTE WHERE `name` = ?", minutes, d.name)
		if err != nil {
			return fmt.Errorf("set last access of demo tenant %s: %w", d.name, err)
		}
	}
	return nil
}
