package audit

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkNewest100k reads a page of 200 from a log of 100,000 entries:
// the newest, one in the middle and the oldest (keyset paging by id costs
// the same at any depth), and a filtered page.
func BenchmarkNewest100k(b *testing.B) {
	db := central(b)
	_, err := Init(context.Background(), db)
	require.NoError(b, err)
	const n, batch = 100_000, 2000
	at := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	for start := 0; start < n; start += batch {
		var rows []string
		var args []any
		for i := start; i < start+batch; i++ {
			rows = append(rows, "(?, ?, 'operator', 'ssh', '10.0.0.1:2222', ?, ?, 'status=blocked', 'ok')")
			args = append(args, at.Add(time.Duration(i)*time.Second), fmt.Sprintf("user%d", i%50), []string{"tenant.status", "tenant.delete", "backup.create"}[i%3], fmt.Sprintf("t%05d", i%1000))
		}
		_, err := db.Exec("INSERT INTO `tenancy_audit` (`at`, `user`, `role`, `via`, `remote`, `action`, `target`, `detail`, `outcome`) VALUES "+strings.Join(rows, ","), args...)
		require.NoError(b, err)
	}
	for _, tc := range []struct {
		name string
		f    Filter
	}{
		{"newest", Filter{}},
		{"middle", Filter{Before: n / 2}},
		{"oldest", Filter{Before: 201}},
		{"user", Filter{User: "user7", Before: n / 2}},
		{"text", Filter{Match: "t0042"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			tc.f.Limit = 200
			for b.Loop() {
				page, err := Newest(context.Background(), db, tc.f)
				require.NoError(b, err)
				require.NotEmpty(b, page)
			}
		})
	}
}
