package audit

import (
	"fmt"
	"testing"
)

// BenchmarkFrame100k is one frame of the screen with 100,000 entries
// read (a user paged through all of them), the cursor in the middle:
// only the rows shown are laid out.
func BenchmarkFrame100k(b *testing.B) {
	for _, sz := range [][2]int{{80, 22}, {200, 58}} {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]+2), func(b *testing.B) {
			m := newView(b, true, sz[0], sz[1], entries(100_000), false)
			m.moveTo(50_000)
			b.ReportAllocs()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}
