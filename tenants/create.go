package tenants

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/config"
)

// CreateRequest describes a tenant to create. Empty fields take defaults.
type CreateRequest struct {
	ID       string
	Name     string
	Domains  []string
	Database string
	Server   string
	Status   Status
	// DBUser creates a per-tenant database user; nil takes the config's
	// create_database_user.
	DBUser    *bool
	NoMigrate bool
	Seed      bool
}

var hostLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// NormalizeDomain lowercases a domain and checks it is a valid host name.
func NormalizeDomain(d string) (string, error) {
	d = strings.ToLower(strings.TrimSpace(d))
	d = strings.TrimSuffix(d, ".")
	if d == "" {
		return "", fmt.Errorf("empty domain")
	}
	if len(d) > 253 {
		return "", fmt.Errorf("domain %q is longer than 253 characters", d)
	}
	if net.ParseIP(d) != nil {
		return d, nil
	}
	for _, label := range strings.Split(d, ".") {
		if !hostLabel.MatchString(label) {
			return "", fmt.Errorf("domain %q is not a valid host name: each dot-separated part needs 1-63 letters, digits or inner hyphens", d)
		}
	}
	return d, nil
}

// plan is a validated request with every default filled in.
type plan struct {
	id, name, database, server string
	status                     Status
	domains                    []string
	user, password             string
	migrate, seed              bool
}

func (s *Service) planCreate(ctx context.Context, req CreateRequest) (plan, error) {
	p := plan{id: strings.TrimSpace(req.ID), name: strings.TrimSpace(req.Name), status: req.Status,
		migrate: !req.NoMigrate, seed: req.Seed}
	if p.name == "" {
		return p, fmt.Errorf("a tenant needs a name (--name)")
	}
	if p.id == "" {
		p.id = uuid.NewString()
	} else if err := ValidateNewName("tenant id", p.id, 255); err != nil {
		return p, err
	}
	if p.status == "" {
		p.status = StatusActive
	}
	if !p.status.Known() {
		return p, fmt.Errorf("status %q is not one of active, inactive, blocked", p.status)
	}
	seen := map[string]bool{}
	for _, raw := range req.Domains {
		d, err := NormalizeDomain(raw)
		if err != nil {
			return p, err
		}
		if !seen[d] {
			seen[d] = true
			p.domains = append(p.domains, d)
		}
	}
	p.database = strings.TrimSpace(req.Database)
	if p.database == "" {
		p.database = s.cfg.Tenancy.DatabasePrefix + p.id + s.cfg.Tenancy.DatabaseSuffix
		if err := ValidateNewName("database name", p.database, MaxDatabaseName); err != nil {
			return p, fmt.Errorf("%w (the prefix, id and suffix together are too long: give --database)", err)
		}
	} else if err := ValidateDatabaseName(p.database); err != nil {
		return p, err
	}
	used, err := s.reg.conflicts(ctx, p.id, p.domains, p.database)
	switch {
	case err != nil:
		return p, err
	case used.ID:
		return p, fmt.Errorf("a tenant with id %s already exists (%s)", p.id, s.describeTenant(ctx, p.id))
	case used.Domain != "":
		return p, fmt.Errorf("domain %s already belongs to tenant %s", used.Domain, s.describeTenant(ctx, used.Owner))
	case used.Database != "":
		return p, fmt.Errorf("database %s is already used by tenant %s", p.database, s.describeTenant(ctx, used.Database))
	}
	p.server = req.Server
	if p.server == "" {
		server, err := s.leastLoadedServer(ctx)
		if err != nil {
			return p, err
		}
		p.server = server
	} else if _, ok := s.cfg.Server(p.server); !ok {
		return p, fmt.Errorf("server %q is not configured (known: %s)", p.server, strings.Join(s.servers.Names(), ", "))
	}
	wantUser := s.cfg.Tenancy.CreateDatabaseUser
	if req.DBUser != nil {
		wantUser = *req.DBUser
	}
	if wantUser {
		p.user = "t" + randomString(15, alnum)
		p.password = randomString(32, alnum+"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	}
	return p, nil
}

// leastLoadedServer picks the configured server holding the fewest tenants
// (the first in config order on a tie, so central wins on an empty fleet).
func (s *Service) leastLoadedServer(ctx context.Context) (string, error) {
	names := s.servers.Names()
	if len(names) == 1 {
		return names[0], nil
	}
	count, err := s.reg.serverCounts(ctx)
	if err != nil {
		return "", err
	}
	best := names[0]
	for _, n := range names[1:] {
		if count[n] < count[best] {
			best = n
		}
	}
	return best, nil
}

// domainFree fails when a domain already belongs to a tenant, naming it.
func (s *Service) domainFree(ctx context.Context, domain string) error {
	owner, err := s.reg.domainOwner(ctx, domain)
	if err != nil || owner == "" {
		return err
	}
	return fmt.Errorf("domain %s already belongs to tenant %s", domain, s.describeTenant(ctx, owner))
}

// describeTenant names a tenant for a message: "[4] Acme Corp (id)".
func (s *Service) describeTenant(ctx context.Context, id string) string {
	if t, err := s.reg.Get(ctx, id); err == nil {
		return fmt.Sprintf("[%d] %s (%s)", t.Index, t.Name, t.ID)
	}
	return id
}

// Create makes a tenant: its database, optional user, registry rows,
// migrations and seed, reporting each step. On any failure, everything
// done so far is undone and a *StepError says which step failed.
func (s *Service) Create(ctx context.Context, req CreateRequest, report func(Progress)) (t Tenant, err error) {
	if err := access.Require(ctx, access.TenantCreate, req.Name); err != nil {
		return Tenant{}, err
	}
	defer func() { access.Done(ctx, access.TenantCreate, createTarget(req, t), &err) }()
	if s.readOnly {
		return Tenant{}, ErrReadOnly
	}
	p, err := s.planCreate(ctx, req)
	if err != nil {
		return Tenant{}, err
	}
	// No tenant lock is needed here: two creates of one id cannot both
	// succeed, since CREATE DATABASE refuses the second (whose undo list
	// is still empty, so it drops nothing) and the id is the primary key.
	r := reporter(report)
	var undo []func(context.Context) error
	fail := func(step Step, err error) (Tenant, error) {
		r.send(step, StepFailed, err.Error())
		se := &StepError{Step: step, Err: err, RolledBack: true}
		// Undo on a context of its own: a cancelled caller must still leave nothing behind.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		for i := len(undo) - 1; i >= 0; i-- {
			if uerr := undo[i](uctx); uerr != nil && se.RollbackErr == nil {
				se.RollbackErr, se.RolledBack = uerr, false
			}
		}
		if se.RolledBack {
			r.send(step, StepRolledBack, "everything already done was rolled back")
		}
		return Tenant{}, se
	}
	for _, step := range CreateSteps {
		if s.skip(step, p) {
			r.send(step, StepSkipped, "")
			continue
		}
		r.send(step, StepStarted, s.describe(step, p))
		if s.beforeStep != nil {
			if err := s.beforeStep(step); err != nil {
				return fail(step, err)
			}
		}
		undoStep, err := s.runStep(ctx, step, p)
		if undoStep != nil {
			undo = append(undo, undoStep)
		}
		if err != nil {
			return fail(step, err)
		}
		r.send(step, StepDone, "")
	}
	t, err = s.reg.Get(ctx, p.id)
	if err != nil {
		return Tenant{}, err
	}
	s.publish(Change{Kind: Created, TenantID: t.ID, Domains: t.Domains})
	return t, nil
}

// createTarget names a created tenant in the audit log: its id once
// known, else the name asked for.
func createTarget(req CreateRequest, t Tenant) string {
	if t.ID != "" {
		return t.ID
	}
	return req.Name
}

func (s *Service) skip(step Step, p plan) bool {
	switch step {
	case StepUser:
		return p.user == ""
	case StepMigrations:
		return !p.migrate
	case StepSeed:
		return !p.seed
	}
	return false
}

func (s *Service) describe(step Step, p plan) string {
	switch step {
	case StepDatabase:
		return fmt.Sprintf("create database %s on %s (%s, %s)", p.database, p.server, s.cfg.Tenancy.Charset, s.cfg.Tenancy.Collation)
	case StepUser:
		return fmt.Sprintf("create user %s with access to %s only", p.user, p.database)
	case StepRecords:
		return fmt.Sprintf("register tenant %s with %d domain(s)", p.id, len(p.domains))
	case StepMigrations:
		if s.cfg.Tenancy.MigrationsDir == "" {
			return "run the built-in tenant migrations"
		}
		return "run migrations from " + s.cfg.Tenancy.MigrationsDir
	case StepSeed:
		if s.cfg.Tenancy.SeedFile == "" {
			return "load the built-in seed"
		}
		return "load seed " + s.cfg.Tenancy.SeedFile
	}
	return string(step)
}

// runStep does one step and returns how to undo it (nil when there is
// nothing to undo). A step that fails part-way still returns its undo.
func (s *Service) runStep(ctx context.Context, step Step, p plan) (func(context.Context) error, error) {
	server, err := s.servers.DB(ctx, p.server)
	if err != nil {
		return nil, err
	}
	switch step {
	case StepDatabase:
		// No pre-check: CREATE DATABASE itself refuses an existing name
		// (and that database is never registered for undo).
		if err := createDatabase(ctx, server, p.database, s.cfg.Tenancy.Charset, s.cfg.Tenancy.Collation); err != nil {
			var me *mysql.MySQLError
			if errors.As(err, &me) && me.Number == 1007 {
				return nil, fmt.Errorf("database %s already exists on server %s: tenancy never reuses a database; pick another name or drop it first", p.database, p.server)
			}
			return nil, err
		}
		return func(c context.Context) error { return DropDatabase(c, server, p.database) }, nil
	case StepUser:
		host := s.cfg.Tenancy.UserHost
		undo := func(c context.Context) error { return dropUser(c, server, p.user, host) }
		return undo, createUser(ctx, server, p.user, host, p.password, p.database)
	case StepRecords:
		err := withTx(ctx, s.central, func(tx *sqlx.Tx) error {
			return s.reg.insert(ctx, tx, p.id, s.recordAttrs(p), p.domains)
		})
		if err != nil {
			return nil, err
		}
		return func(c context.Context) error {
			return withTx(c, s.central, func(tx *sqlx.Tx) error { return deleteRows(c, tx, p.id) })
		}, nil
	case StepMigrations:
		return nil, s.withTenantDB(ctx, p.server, p.database, false, func(db *sql.DB) error {
			_, err := Migrate(ctx, db, s.cfg.Tenancy.MigrationsDir)
			return err
		})
	case StepSeed:
		script, err := seedSQL(s.cfg.Tenancy.SeedFile)
		if err != nil {
			return nil, err
		}
		return nil, s.withTenantDB(ctx, p.server, p.database, true, func(db *sql.DB) error {
			if _, err := db.ExecContext(ctx, script); err != nil {
				return fmt.Errorf("seed: %w (check tenancy.seed_file matches the tenant schema)", err)
			}
			return nil
		})
	}
	return nil, fmt.Errorf("unknown step %s", step)
}

func (s *Service) recordAttrs(p plan) attrs {
	a := attrs{"name": p.name, "status": p.status, keyDBName: p.database}
	if s.reg.cols["database"] {
		a["database"] = p.database
	}
	if p.server != config.CentralServerName {
		a[keyDBConnection] = p.server
	}
	if p.user != "" {
		a[keyDBUsername] = p.user
		a[keyDBPassword] = p.password
	}
	return a
}

// withTenantDB runs fn on a short-lived pool on one tenant database.
// multi enables several statements per call, only for the admin's seed
// file, never for connections that carry user input.
func (s *Service) withTenantDB(ctx context.Context, server, database string, multi bool, fn func(*sql.DB) error) error {
	mc, err := s.servers.MySQLConfig(server, database)
	if err != nil {
		return err
	}
	mc.MultiStatements = multi
	db, err := openDB(ctx, mc, s.readOnly)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	return fn(db.DB)
}
