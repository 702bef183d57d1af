package tenantlist

import (
	"strings"

	"github.com/tenancy-dev/tenancy/tenants"
)

// rows is the loaded registry in display order, with each tenant's
// searchable text lowered once so a filter keystroke is one pass of
// strings.Contains (no allocation per tenant).
type rows struct {
	ts  []tenants.Tenant
	hay []string
	// view holds the indices into ts that pass the filter, in order.
	view   []int
	needle string
}

// set replaces the tenants, sorted by key.
func (r *rows) set(ts []tenants.Tenant, key tenants.SortKey, desc bool) {
	tenants.Sort(ts, key, desc)
	r.ts = ts
	r.hay = make([]string, len(ts))
	for i, t := range ts {
		r.hay[i] = haystack(t)
	}
	r.apply()
}

// resort orders the loaded tenants again.
func (r *rows) resort(key tenants.SortKey, desc bool) { r.set(r.ts, key, desc) }

// haystack is what the filter searches: name, id, database and domains
// (the fields tenants.Filter matches), lower-cased.
func haystack(t tenants.Tenant) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(t.Name))
	b.WriteByte(0)
	b.WriteString(strings.ToLower(t.ID))
	b.WriteByte(0)
	b.WriteString(strings.ToLower(t.Database))
	for _, d := range t.Domains {
		b.WriteByte(0)
		b.WriteString(d)
	}
	return b.String()
}

// filter keeps the tenants containing s (case-insensitive).
func (r *rows) filter(s string) {
	r.needle = strings.ToLower(strings.TrimSpace(s))
	r.apply()
}

func (r *rows) apply() {
	r.view = r.view[:0]
	for i, h := range r.hay {
		if r.needle == "" || strings.Contains(h, r.needle) {
			r.view = append(r.view, i)
		}
	}
}

// len is the number of rows shown.
func (r *rows) len() int { return len(r.view) }

// at returns the i-th shown tenant.
func (r *rows) at(i int) *tenants.Tenant { return &r.ts[r.view[i]] }

// find returns the shown position of the tenant with id, or -1.
func (r *rows) find(id string) int {
	for i, j := range r.view {
		if r.ts[j].ID == id {
			return i
		}
	}
	return -1
}

// findIndex returns the shown position of the tenant [n], or -1.
func (r *rows) findIndex(n int) int {
	for i, j := range r.view {
		if r.ts[j].Index == n {
			return i
		}
	}
	return -1
}
