package backup

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
)

// FuzzRoundTrip sends random bytes, strings and float bit patterns through
// dump → restore and requires identical checksums and rows. The seed
// corpus runs in the normal test run; `go test -fuzz FuzzRoundTrip
// ./backup/` explores further.
func FuzzRoundTrip(f *testing.F) {
	fx := newFixture(f)
	tn := fx.tenant(f, "fuzz", "CREATE TABLE fz (id INT PRIMARY KEY, b BLOB NULL, t TEXT NULL, d DOUBLE NULL, r FLOAT NULL, c CHAR(10) NULL)")
	db := fx.env.Database(f, tn.Database)
	seeds := []struct {
		data []byte
		text string
		d    uint64
		r    uint32
	}{
		{nil, "", 0, 0},
		{[]byte{0, '\'', '\\', '"', '\n', '\r', 0x1a, 0xff}, "'; DROP TABLE fz; --", math.Float64bits(math.Copysign(0, -1)), math.Float32bits(float32(math.Copysign(0, -1)))},
		{[]byte("0x41"), "😀\x00\\n tab\t", math.Float64bits(math.SmallestNonzeroFloat64), math.Float32bits(math.SmallestNonzeroFloat32)},
		{[]byte(strings.Repeat("\xc3\x28", 300)), "DELIMITER ;;\n/*!50003 x */ -- c\n# h", math.Float64bits(math.MaxFloat64), math.Float32bits(math.MaxFloat32)},
		{[]byte{0x80, 0x81, 0xfe}, "naïve 中文 \U0001F9EA", math.Float64bits(0.1), math.Float32bits(0.1)},
		{[]byte("*/;"), "`x`` ;", math.Float64bits(1e-300), math.Float32bits(3.4e-39)},
	}
	for _, s := range seeds {
		f.Add(s.data, s.text, s.d, s.r)
	}
	round := 0
	f.Fuzz(func(t *testing.T, data []byte, text string, dbits uint64, rbits uint32) {
		round++
		text = strings.ToValidUTF8(text, "?")
		d, r := math.Float64frombits(dbits), math.Float32frombits(rbits)
		if math.IsNaN(d) || math.IsInf(d, 0) {
			d = 0
		}
		if math.IsNaN(float64(r)) || math.IsInf(float64(r), 0) {
			r = 0
		}
		_, err := db.Exec("DELETE FROM fz")
		require.NoError(t, err)
		chunks := [][]byte{data, nil, []byte{}}
		if len(data) > 1 {
			chunks = append(chunks, data[:len(data)/2], data[len(data)/2:])
		}
		for i, c := range chunks {
			short := text
			if len([]rune(short)) > 10 {
				short = string([]rune(short)[:10])
			}
			_, err := db.Exec("INSERT INTO fz VALUES (?, ?, ?, ?, ?, ?)", i, c, text, d, r, strings.TrimRight(short, " "))
			require.NoError(t, err)
		}
		b, err := fx.bs.Create(context.Background(), CreateRequest{Tenant: tn}, nil)
		require.NoError(t, err)
		copyDB := fmt.Sprintf("%sfuzz_%d", fx.env.Prefix, round)
		_, err = fx.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn, NewDatabase: copyDB}, nil)
		require.NoError(t, err)
		fx.requireSameData(t, tn.Database, copyDB)
		_, err = fx.env.Server.Exec("DROP DATABASE " + tenants.QuoteIdent(copyDB))
		require.NoError(t, err)
		require.NoError(t, fx.bs.Delete(context.Background(), b))
	})
}
