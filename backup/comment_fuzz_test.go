package backup

import (
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/sqlsplit"
	"github.com/tenancy-dev/tenancy/tenants"
)

var encoded = regexp.MustCompile(`^` + enc + `$`)

// FuzzDumpComments puts any string in every place a dump writes a name or
// text of the tenant's (header fields, table and object comment lines, the
// quoted names of its statements) and requires that the file splits into
// exactly the statements tenancy meant, that every comment line is one the
// restore's guard accepts and holds no control byte or backslash, and that
// the encoding is reversible. The seeds run in every test run; `go test
// -fuzz FuzzDumpComments ./backup/` explores further.
func FuzzDumpComments(f *testing.F) {
	for _, s := range []string{"acme", "t_nl\nDROP DATABASE victim;", "x\r\n\\! touch /tmp/p", "*/ DROP DATABASE v; /*",
		"a`b``c", "\x1b]0;t\x07", "\u202e", "DELIMITER ;;", "-- tenancy:section data", "%41", "😀", "'\";\\"} {
		f.Add(s)
	}
	require.Empty(f, commentText(""))
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return // MySQL has no empty names; the encoding of "" is "" (below)
		}
		c := commentText(s)
		require.Regexp(t, encoded, c)
		require.NotContains(t, c, `\`)
		require.Equal(t, s, percentDecode(t, c), "commentText is reversible")

		h := header{Tool: "tenancy", Version: Version, Server: s, ServerVersion: "10.11.19-MariaDB " + s,
			Tenant: s, Database: s, Kind: KindFull, Snapshot: s, Time: time.Unix(0, 0)}
		tbl := table{Name: s, DDL: "CREATE TABLE " + tenants.QuoteIdent(s) + " (`id` INT)"}
		view := object{Kind: "view", Name: s, Create: "CREATE VIEW " + tenants.QuoteIdent(s) + " AS SELECT 1"}
		text := h.render() + tableDDL(tbl) + "\n" + markData + "\n" + objectsSQL([]object{view}) + footer(1, 0, 0)

		want := append(append([]string{}, sessionSetup...),
			"DROP TABLE IF EXISTS "+tenants.QuoteIdent(s), tbl.DDL, view.Create)
		guard := &fileGuard{path: "fuzz"}
		sp := sqlsplit.New(strings.NewReader(text))
		sp.MarkerPrefix = markPrefix
		sp.Comment = func(line string) error {
			require.False(t, strings.ContainsFunc(line, isControl), "control byte in %q", line)
			return guard.comment(line)
		}
		var got []string
		for {
			p, err := sp.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			if p.Marker != "" {
				require.NoError(t, guard.marker(p.Marker))
				continue
			}
			require.NoError(t, guard.statement(p.SQL))
			got = append(got, p.SQL)
		}
		require.True(t, guard.native)
		require.Equal(t, want, got, "the file holds exactly the statements tenancy wrote")
	})
}

func percentDecode(t *testing.T, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		require.Less(t, i+2, len(s))
		var v byte
		for _, d := range s[i+1 : i+3] {
			v <<= 4
			switch {
			case d >= '0' && d <= '9':
				v |= byte(d - '0')
			case d >= 'A' && d <= 'F':
				v |= byte(d-'A') + 10
			default:
				t.Fatalf("bad escape in %q", s)
			}
		}
		b.WriteByte(v)
		i += 2
	}
	return b.String()
}
