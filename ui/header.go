package ui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// header is the top bar: breadcrumb on the left; central server, flavour,
// tenant count, slots and read-only state on the right.
type header struct {
	c       *common.Context
	central string
	flavour string
	count   int
	counted bool
	slots   map[string]string
}

func newHeader(c *common.Context) header {
	h := header{c: c, central: "?", slots: map[string]string{}}
	if mc, err := config.ParseDSN(c.Config.Central.DSN); err == nil {
		addr := mc.Addr
		if mc.Net == "unix" {
			addr = "unix:" + addr
		}
		h.central = addr + "/" + mc.DBName
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
		if msg.Text == "" {
			delete(h.slots, msg.Slot)
		} else {
			h.slots[msg.Slot] = msg.Text
		}
	}
}

// view renders the bar at width; items on the right are dropped, least
// important first, until it fits.
func (h header) view(width int, crumbs []string) string {
	st := h.c.Styles
	left := st.Header.Render(" ") + st.Title.Inherit(st.Header).Render("tenancy") +
		st.HeaderKey.Render(" › "+strings.Join(crumbs, " › ")+" ")
	var right []string
	names := make([]string, 0, len(h.slots))
	for n := range h.slots {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		right = append(right, st.HeaderKey.Render(h.slots[n]))
	}
	if h.flavour != "" {
		right = append(right, st.HeaderKey.Render(h.flavour))
	}
	if h.counted {
		right = append(right, st.HeaderValue.Render(fmt.Sprintf("%d tenants", h.count)))
	}
	right = append(right, st.HeaderKey.Render("central ")+st.HeaderValue.Render(h.central))
	ro := ""
	if h.c.ReadOnly {
		ro = st.ReadOnly.Render(" READ-ONLY ")
	}
	sep := st.HeaderKey.Render("  ")
	for {
		r := strings.Join(right, sep) + st.Header.Render(" ") + ro
		gap := width - lipgloss.Width(left) - lipgloss.Width(r)
		if gap >= 1 || len(right) == 0 {
			if gap < 0 {
				return ansi.Truncate(left+r, width, "…")
			}
			return left + st.Header.Render(strings.Repeat(" ", gap)) + r
		}
		// Drop the slots first, then the central address, then the rest.
		if len(right) > 1 && len(names) > 0 {
			right, names = right[1:], names[1:]
			continue
		}
		right = right[:len(right)-1]
	}
}
