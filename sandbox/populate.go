package sandbox

import (
	"context"
	"fmt"
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
}

// demoTenants are the sandbox's example tenants: mixed statuses, one or
// two domains each, a few with their own database user.
var demoTenants = []demoTenant{
	{"Acme Corp", []string{"acme.localhost", "www.acme.localhost"}, tenants.StatusActive, true},
	{"Globex", []string{"globex.localhost"}, tenants.StatusActive, false},
	{"Initech", []string{"initech.localhost"}, tenants.StatusActive, false},
	{"Umbrella Corp", []string{"umbrella.localhost"}, tenants.StatusBlocked, false},
	{"Hooli", []string{"hooli.localhost", "hooli-xyz.localhost"}, tenants.StatusActive, true},
	{"Stark Industries", []string{"stark.localhost"}, tenants.StatusActive, false},
	{"Wayne Enterprises", []string{"wayne.localhost"}, tenants.StatusInactive, false},
	{"Wonka Industries", []string{"wonka.localhost"}, tenants.StatusActive, false},
	{"Cyberdyne Systems", []string{"cyberdyne.localhost"}, tenants.StatusBlocked, false},
	{"Soylent", []string{"soylent.localhost"}, tenants.StatusInactive, false},
	{"Tyrell Corp", []string{"tyrell.localhost"}, tenants.StatusActive, true},
	{"Vandelay Industries", []string{"vandelay.localhost"}, tenants.StatusInactive, false},
}

// createWorkers bounds concurrent tenant creations (each seeds ~5k rows).
const createWorkers = 4

// populate creates the central tables and every example tenant not yet
// there (so an interrupted run finishes on the next one).
func (s *Sandbox) populate(ctx context.Context, report func(string)) error {
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
	for _, d := range demoTenants {
		if !have[d.name] {
			todo = append(todo, d)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	report(fmt.Sprintf("creating %d example tenants (database, migrations, ~5,000 seed rows each)", len(todo)))
	var mu sync.Mutex
	done := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(createWorkers)
	for _, d := range todo {
		g.Go(func() error {
			user := d.user
			_, err := svc.Create(gctx, tenants.CreateRequest{
				Name: d.name, Domains: d.domains, Status: d.status, DBUser: &user, Seed: true,
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
	return touch(ctx, central)
}

// touch gives the example tenants plausible last-access times (a real
// fleet's resolver would have set them), recent for active tenants.
func touch(ctx context.Context, central *sqlx.DB) error {
	for i, d := range demoTenants {
		minutes := 3 + i*i*17
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
