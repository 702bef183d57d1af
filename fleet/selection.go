package fleet

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tenancy-dev/tenancy/tenants"
)

// Order is the order in which a run's items start.
type Order string

// Orders.
const (
	OrderIndex Order = "index" // the registry's [N]
	OrderName  Order = "name"
	OrderSize  Order = "size" // largest database first, so the longest items do not start last
)

// Selection says which tenants a run works on. It is resolved once, when
// the run is created, into the run's items.
type Selection struct {
	Refs   []string       `json:"refs,omitempty"`
	All    bool           `json:"all,omitempty"`
	Status tenants.Status `json:"status,omitempty"`
	Server string         `json:"server,omitempty"`
	Filter string         `json:"filter,omitempty"`
	Skip   []string       `json:"skip,omitempty"`
	// FailedOf selects the failed items of that run (to retry them).
	FailedOf int64 `json:"failed_of,omitempty"`
	Order    Order `json:"order,omitempty"`
}

// Check reports a selection that cannot be resolved, as a sentence.
func (sel Selection) Check() error {
	switch {
	case len(sel.Refs) == 0 && !sel.All && sel.Status == "" && sel.Server == "" && sel.Filter == "" && sel.FailedOf == 0:
		return fmt.Errorf("select tenants: name them (REF...), or give --all, --status, --server, --filter or --failed-of")
	case sel.All && len(sel.Refs) > 0:
		return fmt.Errorf("select tenants: give REF... or --all, not both")
	case sel.FailedOf != 0 && len(sel.Refs) > 0:
		return fmt.Errorf("select tenants: give REF... or --failed-of, not both")
	}
	switch sel.Order {
	case "", OrderIndex, OrderName, OrderSize:
	default:
		return fmt.Errorf("order %q: use index, name or size", sel.Order)
	}
	return nil
}

// String describes the selection in a few words.
func (sel Selection) String() string {
	var parts []string
	if sel.All {
		parts = append(parts, "all")
	}
	if len(sel.Refs) > 0 {
		parts = append(parts, strings.Join(sel.Refs, ","))
	}
	if sel.FailedOf != 0 {
		parts = append(parts, fmt.Sprintf("failed of run %d", sel.FailedOf))
	}
	if sel.Status != "" {
		parts = append(parts, "status="+string(sel.Status))
	}
	if sel.Server != "" {
		parts = append(parts, "server="+sel.Server)
	}
	if sel.Filter != "" {
		parts = append(parts, "filter="+sel.Filter)
	}
	if len(sel.Skip) > 0 {
		parts = append(parts, "skip="+strings.Join(sel.Skip, ","))
	}
	return strings.Join(parts, " ")
}

// resolve turns a selection into tenants, in the selection's order.
func (s *Service) resolve(ctx context.Context, sel Selection) ([]tenants.Tenant, error) {
	if err := sel.Check(); err != nil {
		return nil, err
	}
	var list []tenants.Tenant
	var err error
	switch {
	case len(sel.Refs) > 0:
		list, err = s.tenants.FindMany(ctx, sel.Refs)
	default:
		list, err = s.tenants.List(ctx, tenants.ListOptions{})
	}
	if err != nil {
		return nil, err
	}
	if sel.FailedOf != 0 {
		ids, err := s.store.failedTenants(ctx, sel.FailedOf)
		if err != nil {
			return nil, err
		}
		list = slices.DeleteFunc(list, func(t tenants.Tenant) bool { return !ids[t.ID] })
	}
	if sel.Server != "" {
		if _, ok := s.tenants.Config().Server(sel.Server); !ok {
			return nil, fmt.Errorf("server %q is not configured (servers: %s)", sel.Server, strings.Join(s.tenants.Servers().Names(), ", "))
		}
		list = slices.DeleteFunc(list, func(t tenants.Tenant) bool { return t.Server != sel.Server })
	}
	list = tenants.Filter(list, tenants.ListOptions{Status: sel.Status, Filter: sel.Filter})
	if len(sel.Skip) > 0 {
		skip, err := s.tenants.FindMany(ctx, sel.Skip)
		if err != nil {
			return nil, fmt.Errorf("--skip: %w", err)
		}
		list = slices.DeleteFunc(list, func(t tenants.Tenant) bool {
			return slices.ContainsFunc(skip, func(k tenants.Tenant) bool { return k.ID == t.ID })
		})
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("the selection (%s) matches no tenant", sel)
	}
	return s.order(ctx, list, sel.Order), nil
}

// order sorts the tenants; by size it asks each server once for its
// databases' sizes (a server that cannot answer counts as size 0: its
// items fail with their own error when they run).
func (s *Service) order(ctx context.Context, list []tenants.Tenant, o Order) []tenants.Tenant {
	switch o {
	case OrderName:
		tenants.Sort(list, tenants.SortName, false)
	case OrderSize:
		sizes := map[string]int64{}
		for _, server := range serversOf(list) {
			db, err := s.tenants.Servers().DB(ctx, server)
			if err != nil {
				continue
			}
			rows, err := db.QueryContext(ctx, "SELECT TABLE_SCHEMA, COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) FROM information_schema.TABLES GROUP BY TABLE_SCHEMA")
			if err != nil {
				continue
			}
			for rows.Next() {
				var name string
				var size int64
				if rows.Scan(&name, &size) == nil {
					sizes[server+"\x00"+name] = size
				}
			}
			rows.Close()
		}
		slices.SortStableFunc(list, func(a, b tenants.Tenant) int {
			sa, sb := sizes[a.Server+"\x00"+a.Database], sizes[b.Server+"\x00"+b.Database]
			switch {
			case sa > sb:
				return -1
			case sa < sb:
				return 1
			}
			return a.Index - b.Index
		})
	default:
		tenants.Sort(list, tenants.SortIndex, false)
	}
	return list
}

func serversOf(list []tenants.Tenant) []string {
	var out []string
	for _, t := range list {
		if !slices.Contains(out, t.Server) {
			out = append(out, t.Server)
		}
	}
	return out
}
