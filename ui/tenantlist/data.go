package tenantlist

import (
	"strings"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
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

// listing is a registry listing made ready for the table: sorted, its
// search text lowered and its columns measured. Listings are prepared on
// the loading goroutine, so a refresh of a huge fleet does not stall keys.
type listing struct {
	ts   []tenants.Tenant
	hay  []string
	nat  natural
	key  tenants.SortKey
	desc bool
	// down counts the tenants down for maintenance.
	down int
}

// prepare sorts ts by key and builds what the table needs.
func prepare(ts []tenants.Tenant, key tenants.SortKey, desc bool) listing {
	tenants.Sort(ts, key, desc)
	l := listing{ts: ts, hay: make([]string, len(ts)), nat: measure(ts), key: key, desc: desc}
	for i, t := range ts {
		l.hay[i] = haystack(t)
		if t.Maintenance != nil {
			l.down++
		}
	}
	return l
}

// adopt shows a prepared listing, with the current filter applied.
func (r *rows) adopt(l listing) {
	r.ts, r.hay = l.ts, l.hay
	r.apply()
}

// haystack is what the filter searches: name, id, database and domains
// (the fields tenants.Filter matches), lower-cased and escaped as the
// table shows them, so the filter matches what the user sees (typing
// \e finds a name holding an ESC).
func haystack(t tenants.Tenant) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(termtext.Line(t.Name)))
	b.WriteByte(0)
	b.WriteString(strings.ToLower(termtext.Line(t.ID)))
	b.WriteByte(0)
	b.WriteString(strings.ToLower(termtext.Line(t.Database)))
	for _, d := range t.Domains {
		b.WriteByte(0)
		b.WriteString(strings.ToLower(termtext.Line(d)))
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
