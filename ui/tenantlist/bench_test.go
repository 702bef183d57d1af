package tenantlist

import (
	"runtime"
	"testing"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// sizes are the fleet sizes the frame and keystroke benchmarks run at.
var sizes = []struct {
	name string
	n    int
}{{"10k", 10000}, {"100k", 100000}}

// BenchmarkView renders one frame of the table (120x38).
func BenchmarkView(b *testing.B) {
	for _, sz := range sizes {
		b.Run(sz.name, func(b *testing.B) {
			m := newList(&testing.T{}, sz.n, false, 120, 38)
			press(m, "pgdown", "pgdown")
			b.ReportAllocs()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkFilterKeystroke types one more filter character and deletes
// it again (two refilters per op: halve it for one keystroke).
func BenchmarkFilterKeystroke(b *testing.B) {
	for _, sz := range sizes {
		b.Run(sz.name, func(b *testing.B) {
			m := newList(&testing.T{}, sz.n, false, 120, 38)
			press(m, "/")
			typeText(m, "corp")
			b.ReportAllocs()
			for b.Loop() {
				m.Update(uitest.Key("1"))
				m.Update(uitest.Key("backspace"))
			}
		})
	}
}

// BenchmarkLoad100k replaces the registry with 100,000 tenants (sort,
// haystacks, column widths): the work of a refresh of a huge fleet, done
// on the loading goroutine.
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

// BenchmarkRefreshOnUI100k is the part of a 100,000-tenant refresh that
// runs on the UI goroutine: adopting the prepared listing (filter pass,
// cursor kept on its tenant).
func BenchmarkRefreshOnUI100k(b *testing.B) {
	m := newList(&testing.T{}, 0, false, 120, 38)
	l := prepare(uitest.Tenants(100000), tenants.SortIndex, false)
	m.setListing(l)
	press(m, "pgdown")
	b.ReportAllocs()
	for b.Loop() {
		m.setListing(l)
	}
}
