package doctor

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
)

// Service runs the checks and applies their fixes. It never prints.
type Service struct {
	ts *tenants.Service
	bs *backup.Service

	// backupFirst backs up a database before a destructive fix drops it
	// (backup.Service.Create, kind orphan: kept apart from retention);
	// tests replace it to inject a failure.
	backupFirst func(ctx context.Context, t tenants.Tenant) (backup.Backup, error)
}

// New returns the doctor over the tenant service and, when not nil, the
// backup service (without it the backup checks are skipped and no
// database can be dropped).
func New(ts *tenants.Service, bs *backup.Service) *Service {
	s := &Service{ts: ts, bs: bs}
	if bs != nil {
		s.backupFirst = func(ctx context.Context, t tenants.Tenant) (backup.Backup, error) {
			return bs.Create(ctx, backup.CreateRequest{Tenant: t, Kind: backup.KindOrphan}, nil)
		}
	}
	return s
}

// Options choose what a scan looks at.
type Options struct {
	// Checks are check groups (databases, users, ...) or check names
	// (database-missing, ...); empty is every check.
	Checks []string
	// Tenants limits tenant findings to these references; findings about
	// no tenant (orphans) are then left out.
	Tenants []string
	// Deep also reads every backup file whole (sha256) and tries each
	// recorded user's login.
	Deep bool
	// BackupMaxAge reports tenants with no complete backup newer than it
	// (0: not checked).
	BackupMaxAge time.Duration
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// group is a set of checks that run together over the snapshot.
type group struct {
	name   string
	checks []string
	run    func(*Service, context.Context, *snapshot, Options) ([]Finding, error)
}

var groups = []group{
	{"servers", []string{"server-unreachable", "server-version", "server-connections", "server-privileges"}, (*Service).checkServers},
	{"registry", []string{"registry-status", "registry-name", "registry-server"}, (*Service).checkRegistry},
	{"databases", []string{"database-missing", "database-orphan", "database-unmatched"}, (*Service).checkDatabases},
	{"schema", []string{"schema-half-made", "schema-no-migrations", "schema-drift"}, (*Service).checkSchema},
	{"users", []string{"user-orphan", "user-unmatched", "user-missing", "user-password", "user-grants"}, (*Service).checkUsers},
	{"domains", []string{"domain-case-duplicate", "domain-orphan", "domain-invalid", "domain-none"}, (*Service).checkDomains},
	{"cache", []string{"cache-deleted", "cache-stale"}, (*Service).checkCache},
	{"backups", []string{"backup-running", "backup-file-missing", "backup-size", "backup-checksum", "backup-unlisted-file", "backup-temp-file", "backup-scratch", "backup-stale"}, (*Service).checkBackups},
}

// CheckNames lists every check group and check name --check accepts.
func CheckNames() []string {
	var out []string
	for _, g := range groups {
		out = append(out, g.name)
		out = append(out, g.checks...)
	}
	return out
}

// selected returns the groups to run and, when names were given, the
// check names to keep.
func selected(names []string) ([]group, map[string]bool, error) {
	if len(names) == 0 {
		return groups, nil, nil
	}
	keep := map[string]bool{}
	var out []group
	for _, n := range names {
		n = strings.TrimSpace(n)
		found := false
		for _, g := range groups {
			if g.name == n || slices.Contains(g.checks, n) {
				found = true
				if !slices.ContainsFunc(out, func(o group) bool { return o.name == g.name }) {
					out = append(out, g)
				}
				if g.name == n {
					for _, c := range g.checks {
						keep[c] = true
					}
				} else {
					keep[n] = true
				}
			}
		}
		if !found {
			return nil, nil, fmt.Errorf("no check is named %q (checks: %s)", n, strings.Join(CheckNames(), ", "))
		}
	}
	return out, keep, nil
}

// CheckSelection reports a --check list naming no check.
func CheckSelection(names []string) error {
	_, _, err := selected(names)
	return err
}

// Run scans the fleet and runs the selected checks. It changes nothing.
func (s *Service) Run(ctx context.Context, opts Options) (Report, error) {
	start := time.Now()
	gs, keep, err := selected(opts.Checks)
	if err != nil {
		return Report{}, err
	}
	var only map[string]bool
	if len(opts.Tenants) > 0 {
		list, err := s.ts.FindMany(ctx, opts.Tenants)
		if err != nil {
			return Report{}, err
		}
		only = map[string]bool{}
		for _, t := range list {
			only[t.ID] = true
		}
	}
	wantBackups := slices.ContainsFunc(gs, func(g group) bool { return g.name == "backups" })
	snap, err := s.scan(ctx, wantBackups)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Findings: []Finding{}, Tenants: len(snap.all), Servers: len(snap.servers), ScanTook: time.Since(start), Queries: snap.queries}
	for _, g := range gs {
		gstart := time.Now()
		found, err := g.run(s, ctx, snap, opts)
		res := CheckResult{Name: g.name}
		if err != nil {
			res.Error = err.Error()
		}
		for _, f := range found {
			if keep != nil && !keep[f.Check] {
				continue
			}
			if only != nil && !only[f.Tenant] {
				continue
			}
			rep.Findings = append(rep.Findings, f)
			res.Findings++
		}
		res.Took = since(gstart)
		rep.Checks = append(rep.Checks, res)
	}
	SortFindings(rep.Findings)
	rep.Took = time.Since(start)
	return rep, nil
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func tenantFinding(check string, sev Severity, t *tenants.Tenant, object, evidence string) Finding {
	return Finding{Check: check, Severity: sev, Tenant: t.ID, TenantName: t.Name, Server: t.Server, Object: object, Evidence: evidence}
}
