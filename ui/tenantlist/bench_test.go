package tenantlist

import (
	"runtime"
	"testing"

	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// BenchmarkView10k renders one frame of the table with 10,000 tenants.
func BenchmarkView10k(b *testing.B) {
	m := newList(&testing.T{}, 10000, false, 120, 38)
	press(m, "pgdown", "pgdown")
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkFilterKeystroke10k types one more filter character and
// deletes it again over 10,000 tenants (two refilters per op, halve it).
func BenchmarkFilterKeystroke10k(b *testing.B) {
	m := newList(&testing.T{}, 10000, false, 120, 38)
	press(m, "/")
	typeText(m, "corp")
	b.ReportAllocs()
	for b.Loop() {
		m.Update(uitest.Key("1"))
		m.Update(uitest.Key("backspace"))
	}
}

// BenchmarkLoad100k replaces the registry with 100,000 tenants (sort,
// haystacks, column widths), what a refresh of a huge fleet costs.
func BenchmarkLoad100k(b *testing.B) {
	ts := uitest.Tenants(100000)
	m := newList(&testing.T{}, 0, false, 120, 38)
	b.ReportAllocs()
	for b.Loop() {
		m.SetTenants(append(ts[:0:0], ts...))
	}
}

// BenchmarkHeap100k reports the live heap with 100,000 tenants loaded in
// the table (the tenants themselves included), as heap-MiB.
func BenchmarkHeap100k(b *testing.B) {
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m := newList(&testing.T{}, 0, false, 120, 38)
		m.SetTenants(uitest.Tenants(100000))
		_ = m.View()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MiB")
		runtime.KeepAlive(m)
	}
}
