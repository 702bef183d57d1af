package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/ui/tenantlist"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// BenchmarkFrame10k renders a whole frame (header, table, footer) at
// 120x40 with 10,000 tenants loaded.
func BenchmarkFrame10k(b *testing.B) {
	t := &testing.T{}
	c := uitest.Context(t, false, 120, 38)
	m, err := New(c, NewRegistry(), Home)
	if err != nil {
		b.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.stack[0].(*tenantlist.Model).SetTenants(uitest.Tenants(10000))
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}
