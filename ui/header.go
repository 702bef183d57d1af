package ui

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// header is the top bar: breadcrumb on the left; on the right, by
// importance, the read-only badge (always), the central server, the cache
// state, other slots (work in progress), the tenant count and flavour.
type header struct {
	c       *common.Context
	central string
	short   string // central, with a long address cut at its start
	flavour string
	count   int
	counted bool
	slots   map[string]common.SlotMsg
}

func newHeader(c *common.Context) header {
	h := header{c: c, central: "?", slots: map[string]common.SlotMsg{}}
	if mc, err := config.ParseDSN(c.Config.Central.DSN); err == nil {
		addr := mc.Addr
		if mc.Net == "unix" {
			addr = "unix:" + addr
		}
		h.central = addr + "/" + mc.DBName
		h.short = h.central
		switch {
		case mc.Net == "unix":
			h.short = "…/" + filepath.Base(mc.Addr) + "/" + mc.DBName
		case len(addr) > shortAddr:
			h.short = "…" + addr[len(addr)-shortAddr+1:] + "/" + mc.DBName
		}
	}
	if c.Service != nil {
		h.flavour = string(c.Service.Flavour())
	}
	return h
}

func (h *header) update(msg any) {
	switch msg := msg.(type) {
	case common.TenantCountMsg:
		h.count, h.counted = msg.N, true
	case common.SlotMsg:
		// a slot can quote an error or a tenant: escaped once, here
		msg.Text, msg.Short = common.Message(msg.Text), common.Message(msg.Short)
		if msg.Text == "" {
			delete(h.slots, msg.Slot)
		} else {
			h.slots[msg.Slot] = msg
		}
	}
}

// cacheSlot is the slot the header ranks right after the central server.
const cacheSlot = "cache"

// shortAddr is the width a long central host:port is cut to, at its
// start (the port and the database name stay whole); a socket path
// shortens to its file name.
const shortAddr = 16

// minLeft is the breadcrumb's width kept before the right side's most
// important fields are dropped.
const minLeft = 19

// item is one field on the right of the bar: its forms, widest first.
type item struct {
	forms []string
	form  int // the one shown
	gone  bool
}

// view renders the bar at width, crumbs escaped (a screen's title can be
// a tenant's name). When the right side does not fit, it
// gives up, in this order: the cache's long form, the flavour, the count,
// the "central" label, other slots, the full central address, the cache,
// the central server; then the breadcrumb is cut. The read-only badge
// always shows.
func (h header) view(width int, crumbs []string) string {
	st := h.c.Styles
	crumbs = slices.Clone(crumbs)
	for i, c := range crumbs {
		crumbs[i] = termtext.Line(c)
	}
	central := &item{forms: []string{
		st.HeaderKey.Render("central ") + st.HeaderValue.Render(h.central),
		st.HeaderValue.Render(h.central),
		st.HeaderValue.Render(h.short),
	}}
	cache := &item{gone: true}
	if sl, ok := h.slots[cacheSlot]; ok {
		cache = &item{forms: []string{st.HeaderKey.Render(sl.Text)}}
		if sl.Short != "" {
			cache.forms = append(cache.forms, st.HeaderKey.Render(sl.Short))
		}
	}
	others := &item{gone: true}
	names := make([]string, 0, len(h.slots))
	for n := range h.slots {
		if n != cacheSlot {
			names = append(names, n)
		}
	}
	if len(names) > 0 {
		sort.Strings(names)
		texts := make([]string, len(names))
		for i, n := range names {
			texts[i] = st.HeaderKey.Render(h.slots[n].Text)
		}
		others = &item{forms: []string{strings.Join(texts, st.HeaderKey.Render("  "))}}
	}
	count := &item{gone: !h.counted, forms: []string{st.HeaderValue.Render(fmt.Sprintf("%d tenants", h.count))}}
	flavour := &item{gone: h.flavour == "", forms: []string{st.HeaderKey.Render(h.flavour)}}
	shown := []*item{others, flavour, count, cache, central} // left to right
	ro := ""
	if h.c.ReadOnly {
		ro = st.ReadOnly.Render(" READ-ONLY ")
	}
	left := " tenancy › " + strings.Join(crumbs, " › ") + " "
	render := func() string {
		var parts []string
		for _, it := range shown {
			if !it.gone {
				parts = append(parts, it.forms[it.form])
			}
		}
		r := strings.Join(parts, st.HeaderKey.Render("  "))
		if r != "" {
			r += st.Header.Render(" ")
		}
		return r + ro
	}
	shorten := func(it *item) { it.form = min(it.form+1, len(it.forms)-1) }
	drop := func(it *item) { it.gone = true }
	// nil is the breadcrumb's turn: it is cut to minLeft before the
	// cache and the central server go.
	steps := []func(){
		func() { shorten(cache) }, func() { drop(flavour) }, func() { drop(count) },
		func() { shorten(central) }, func() { drop(others) }, func() { shorten(central) },
		nil, func() { drop(cache) }, func() { drop(central) },
	}
	r := render()
	need := lipgloss.Width(left)
	for _, step := range steps {
		if step == nil {
			need = min(need, minLeft)
		}
		if need+1+lipgloss.Width(r) <= width {
			break
		}
		if step != nil {
			step()
			r = render()
		}
	}
	room := max(width-lipgloss.Width(r)-1, 0)
	if lipgloss.Width(left) > room && len(crumbs) > 2 {
		// the screens between home and the top give way first
		left = " tenancy › " + crumbs[0] + " › … › " + crumbs[len(crumbs)-1] + " "
	}
	if lipgloss.Width(left) > room {
		left = ansi.Truncate(left, max(room-1, 0), "…") + " "
	}
	l := st.Header.Render(" ") + st.Title.Inherit(st.Header).Render("tenancy") + st.HeaderKey.Render(strings.TrimPrefix(left, " tenancy"))
	if !strings.HasPrefix(left, " tenancy") {
		l = st.HeaderKey.Render(left)
	}
	gap := max(width-lipgloss.Width(l)-lipgloss.Width(r), 0)
	return ansi.Truncate(l+st.Header.Render(strings.Repeat(" ", gap))+r, width, "")
}
