package tenants

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/config"
)

// Options tune how the service is opened.
type Options struct {
	// ReadOnly refuses every write and opens MySQL sessions read-only.
	ReadOnly bool
}

// Service is the tenant service every front end (CLI, TUI, SSH) uses.
type Service struct {
	cfg      *config.Config
	central  *sqlx.DB
	reg      *Registry
	servers  *Servers
	readOnly bool

	obsMu     sync.RWMutex
	observers []func(Change)

	// byDomain is FindByDomain's statement, prepared on first use.
	byDomainMu sync.Mutex
	byDomain   *sqlx.Stmt

	// beforeStep, when set (by tests), runs before each creation step and
	// fails it by returning an error: the seam for rollback tests.
	beforeStep func(Step) error
}

// ErrReadOnly is returned by every write in read-only mode.
var ErrReadOnly = fmt.Errorf("read-only mode (--read-only or [ui] read_only) refuses writes; run without it to change tenants")

// Open connects to the central database and reads its flavour.
func Open(ctx context.Context, cfg *config.Config, opts Options) (*Service, error) {
	mc, err := config.ParseDSN(cfg.Central.DSN)
	if err != nil {
		return nil, fmt.Errorf("central.dsn: %w", err)
	}
	central, err := openDB(ctx, mc, opts.ReadOnly)
	if err != nil {
		return nil, fmt.Errorf("central database: %w", err)
	}
	reg, err := newRegistry(ctx, central, cfg.Tenancy)
	if err != nil {
		central.Close()
		return nil, err
	}
	return &Service{
		cfg: cfg, central: central, reg: reg,
		servers: NewServers(cfg, opts.ReadOnly), readOnly: opts.ReadOnly,
	}, nil
}

// Close closes every connection the service opened.
func (s *Service) Close() error {
	s.byDomainMu.Lock()
	if s.byDomain != nil {
		s.byDomain.Close()
		s.byDomain = nil
	}
	s.byDomainMu.Unlock()
	err := s.servers.Close()
	if cerr := s.central.Close(); err == nil {
		err = cerr
	}
	return err
}

// Config returns the configuration the service was opened with.
func (s *Service) Config() *config.Config { return s.cfg }

// Central returns the central database pool (for other services' tables).
func (s *Service) Central() *sqlx.DB { return s.central }

// Servers returns the tenant servers' pools.
func (s *Service) Servers() *Servers { return s.servers }

// Flavour reports the central database's flavour.
func (s *Service) Flavour() Flavour { return s.reg.Flavour() }

// ReadOnly reports whether writes are refused.
func (s *Service) ReadOnly() bool { return s.readOnly }

// ChangeKind says what happened to a tenant.
type ChangeKind string

// Change kinds.
const (
	Created ChangeKind = "created"
	Updated ChangeKind = "updated"
	Deleted ChangeKind = "deleted"
)

// Change is published after a write to a tenant or its domains commits.
// Domains holds every domain the tenant had before or has after.
type Change struct {
	Kind     ChangeKind
	TenantID string
	Domains  []string
}

// OnChange registers fn to be called after every committed tenant write
// (caches invalidate from here).
func (s *Service) OnChange(fn func(Change)) {
	s.obsMu.Lock()
	defer s.obsMu.Unlock()
	s.observers = append(s.observers, fn)
}

func (s *Service) publish(c Change) {
	s.obsMu.RLock()
	defer s.obsMu.RUnlock()
	for _, fn := range s.observers {
		fn(c)
	}
}

// ListOptions filter and sort a listing.
type ListOptions struct {
	Status Status
	// Filter keeps tenants whose name, id, domain or database contains it
	// (case-insensitive).
	Filter string
	Sort   SortKey
	Desc   bool
}

// SortKey names a column to sort by.
type SortKey string

// Sort keys.
const (
	SortIndex      SortKey = "index"
	SortName       SortKey = "name"
	SortID         SortKey = "id"
	SortStatus     SortKey = "status"
	SortDatabase   SortKey = "database"
	SortServer     SortKey = "server"
	SortDomain     SortKey = "domain"
	SortLastAccess SortKey = "last_access"
)

// SortKeys lists the sort keys in the order the dashboard cycles them.
var SortKeys = []SortKey{SortIndex, SortName, SortDomain, SortStatus, SortDatabase, SortServer, SortLastAccess, SortID}

// List returns tenants filtered and sorted; indices stay those of the full registry.
func (s *Service) List(ctx context.Context, opts ListOptions) ([]Tenant, error) {
	all, err := s.reg.All(ctx)
	if err != nil {
		return nil, err
	}
	return Filter(all, opts), nil
}

// Filter applies ListOptions to tenants already loaded (the dashboard
// filters in memory on every keystroke).
func Filter(all []Tenant, opts ListOptions) []Tenant {
	needle := strings.ToLower(strings.TrimSpace(opts.Filter))
	out := make([]Tenant, 0, len(all))
	for _, t := range all {
		if opts.Status != "" && t.Status != opts.Status {
			continue
		}
		if needle != "" && !t.matches(needle) {
			continue
		}
		out = append(out, t)
	}
	Sort(out, opts.Sort, opts.Desc)
	return out
}

func (t Tenant) matches(needle string) bool {
	if strings.Contains(strings.ToLower(t.Name), needle) || strings.Contains(t.ID, needle) ||
		strings.Contains(strings.ToLower(t.Database), needle) {
		return true
	}
	for _, d := range t.Domains {
		if strings.Contains(d, needle) {
			return true
		}
	}
	return false
}

// Sort orders tenants by key, ties broken by index. Keys are computed
// once per tenant, so sorting 10,000 tenants stays a few milliseconds.
func Sort(ts []Tenant, key SortKey, desc bool) {
	keys := make([]string, len(ts))
	for i := range ts {
		keys[i] = sortKey(&ts[i], key)
	}
	perm := make([]int, len(ts))
	for i := range perm {
		perm[i] = i
	}
	slices.SortFunc(perm, func(a, b int) int {
		c := strings.Compare(keys[a], keys[b])
		if c == 0 {
			c = ts[a].Index - ts[b].Index
		}
		if desc {
			return -c
		}
		return c
	})
	sorted := make([]Tenant, len(ts))
	for i, p := range perm {
		sorted[i] = ts[p]
	}
	copy(ts, sorted)
}

// sortKey returns a string that orders like the column (times in a fixed
// width UTC form, never = "" first).
func sortKey(t *Tenant, key SortKey) string {
	switch key {
	case SortName:
		return strings.ToLower(t.Name)
	case SortID:
		return t.ID
	case SortStatus:
		return string(t.Status)
	case SortDatabase:
		return t.Database
	case SortServer:
		return t.Server
	case SortDomain:
		return t.PrimaryDomain()
	case SortLastAccess:
		if t.LastAccessedAt == nil {
			return ""
		}
		return t.LastAccessedAt.UTC().Format("20060102150405.000000000")
	}
	return ""
}

// Find resolves one reference: a UUID/id, an index, a domain, a database
// name, a name, or a unique id prefix, in that order of precedence.
func (s *Service) Find(ctx context.Context, ref string) (Tenant, error) {
	all, err := s.reg.All(ctx)
	if err != nil {
		return Tenant{}, err
	}
	return Resolve(all, ref)
}

// FindMany resolves several references; each may be a comma-separated list
// (0,1,3). Duplicates are dropped, order kept.
func (s *Service) FindMany(ctx context.Context, refs []string) ([]Tenant, error) {
	all, err := s.reg.All(ctx)
	if err != nil {
		return nil, err
	}
	var out []Tenant
	seen := map[string]bool{}
	for _, r := range refs {
		for _, part := range strings.Split(r, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			t, err := Resolve(all, part)
			if err != nil {
				return nil, err
			}
			if !seen[t.ID] {
				seen[t.ID] = true
				out = append(out, t)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no tenant given: name at least one by id, name, index, domain or database")
	}
	return out, nil
}

// minIDPrefix is the shortest id prefix a reference may use, so that a
// short number or word is never taken for an id by accident.
const minIDPrefix = 4

// Resolve finds ref among tenants already loaded.
func Resolve(all []Tenant, ref string) (Tenant, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Tenant{}, fmt.Errorf("empty tenant reference")
	}
	// "[3]" is how listings show index 3.
	if inner, ok := strings.CutPrefix(ref, "["); ok {
		if n, ok := strings.CutSuffix(inner, "]"); ok {
			if _, err := strconv.Atoi(n); err == nil {
				ref = n
			}
		}
	}
	lower := strings.ToLower(ref)
	matchers := []func(Tenant) bool{
		func(t Tenant) bool { return t.ID == ref },
		func(t Tenant) bool { n, err := strconv.Atoi(ref); return err == nil && t.Index == n },
		func(t Tenant) bool {
			for _, d := range t.Domains {
				if d == lower {
					return true
				}
			}
			return false
		},
		func(t Tenant) bool { return t.Database == ref },
		func(t Tenant) bool { return strings.EqualFold(t.Name, ref) },
		func(t Tenant) bool { return len(ref) >= minIDPrefix && strings.HasPrefix(t.ID, lower) },
	}
	for _, m := range matchers {
		var found []Tenant
		for _, t := range all {
			if m(t) {
				found = append(found, t)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		default:
			return Tenant{}, &AmbiguousError{Ref: ref, Candidates: found}
		}
	}
	for _, t := range all {
		if len(ref) < minIDPrefix && strings.HasPrefix(t.ID, lower) {
			return Tenant{}, fmt.Errorf("%w: nothing matches %q; an id prefix needs at least %d characters", ErrNotFound, ref, minIDPrefix)
		}
	}
	return Tenant{}, fmt.Errorf("%w: nothing matches %q by id, index, domain, database or name (see `tenancy tenants list`)", ErrNotFound, ref)
}
