package tenants

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestQuoteIdent(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"abc", "`abc`"},
		{"a`b", "`a``b`"},
		{"`", "````"},
		{"tenant-1", "`tenant-1`"},
		{"", "``"},
	} {
		require.Equal(t, tc.want, QuoteIdent(tc.in), tc.in)
	}
}

func TestEscapeGrantPattern(t *testing.T) {
	require.Equal(t, `a\_c`, EscapeGrantPattern("a_c"))
	require.Equal(t, `100\%`, EscapeGrantPattern("100%"))
	require.Equal(t, `a\\b`, EscapeGrantPattern(`a\b`))
	require.Equal(t, "tenant-abc", EscapeGrantPattern("tenant-abc"))
}

func TestValidateNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"tenant1", true},
		{"tenant-550e8400-e29b-41d4-a716-446655440000", true},
		{"Tenant_A-1", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{"trailing ", false},
		{"has space", false},
		{"has/slash", false},
		{`back\slash`, false},
		{"has.dot", false},
		{"nul\x00", false},
		{"t_nl\nDROP DATABASE victim;", false},
		{"semi;colon", false},
		{"back`tick", false},
		{"per%cent", false},
		{"quo'te", false},
		{"esc\x1b[31m", false},
		{"bidi\u202e", false},
		{"émoji😀", false},
		{"ünïcode", false},
		{string([]byte{0xff, 0xfe}), false},
	} {
		err := ValidateDatabaseName(tc.name)
		require.Equal(t, tc.ok, err == nil, "%q: %v", tc.name, err)
	}
	require.NoError(t, ValidateUserName("t0123456789abcd"))
	require.Error(t, ValidateUserName(strings.Repeat("u", 33)))
	require.Error(t, ValidateUserName("bad'quote"))
	require.Error(t, ValidateNewName("tenant id", "a b", 255))
}

// TestValidateNewNameSaysWhy: the refusal names the character, visibly
// even when it is a control byte, and the rule.
func TestValidateNewNameSaysWhy(t *testing.T) {
	for in, char := range map[string]string{
		`a\b`:        `'\\'`,
		"t_nl\nDROP": `'\n'`,
		"x;y":        `';'`,
		"a b":        "a space",
		"e\x1b[31m":  `'\x1b'`,
		"r\u202etl":  `'\u202e'`,
		"q`uote":     "'`'",
		"caf\u00e9":  `'\u00e9'`,
	} {
		err := ValidateNewName("tenant id", in, 255)
		require.Error(t, err, "%q", in)
		require.Contains(t, err.Error(), char, "%q", in)
		require.Contains(t, err.Error(), "only ASCII letters, digits, '_' and '-'")
		require.NotRegexp(t, `[\x00-\x1f\x7f]`, err.Error(), "the message itself carries no control byte")
	}
}

func unquoteIdent(q string) (string, bool) {
	if len(q) < 2 || q[0] != '`' || q[len(q)-1] != '`' {
		return "", false
	}
	inner := q[1 : len(q)-1]
	var b strings.Builder
	for i := 0; i < len(inner); i++ {
		if inner[i] == '`' {
			if i+1 >= len(inner) || inner[i+1] != '`' {
				return "", false // a lone backtick would end the identifier early
			}
			i++
		}
		b.WriteByte(inner[i])
	}
	return b.String(), true
}

func FuzzQuoteIdent(f *testing.F) {
	for _, s := range []string{"abc", "a`b", "``", "`; DROP DATABASE x; --", "tenant-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := QuoteIdent(s)
		back, ok := unquoteIdent(q)
		require.True(t, ok, "quoted form %q is not one identifier", q)
		require.Equal(t, s, back)
	})
}

func FuzzQuoteString(f *testing.F) {
	for _, s := range []string{"abc", "a'b", `a\'b`, "x\x00y", "';--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := QuoteString(s)
		require.True(t, strings.HasPrefix(q, "'") && strings.HasSuffix(q, "'") && len(q) >= 2)
		inner := q[1 : len(q)-1]
		for i := 0; i < len(inner); i++ {
			switch inner[i] {
			case '\\':
				i++ // an escaped character
				require.Less(t, i, len(inner), "dangling backslash in %q", q)
			case '\'':
				t.Fatalf("unescaped quote in %q", q)
			}
		}
	})
}

func FuzzValidateDatabaseName(f *testing.F) {
	for _, s := range []string{"tenant1", "a b ", "x/y", strings.Repeat("z", 70), "ok-name_1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateDatabaseName(s)
		if err != nil {
			return
		}
		require.True(t, utf8.ValidString(s))
		require.LessOrEqual(t, utf8.RuneCountInString(s), MaxDatabaseName)
		require.NotEmpty(t, s)
		require.Regexp(t, `^[A-Za-z0-9_-]+$`, s)
	})
}

func TestNormalizeDomain(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Acme.Localhost", "acme.localhost"},
		{"acme.localhost.", "acme.localhost"},
		{" shop.example.com ", "shop.example.com"},
		{"127.0.0.1", "127.0.0.1"},
	} {
		got, err := NormalizeDomain(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got)
	}
	for _, bad := range []string{"", "-bad.com", "a..b", "under_score.com", "sp ace.com", strings.Repeat("a", 64) + ".com"} {
		_, err := NormalizeDomain(bad)
		require.Error(t, err, bad)
	}
}

func TestResolve(t *testing.T) {
	all := []Tenant{
		{Index: 0, ID: "550e8400-e29b-41d4-a716-446655440000", Name: "Acme", Database: "tenant_acme", Domains: []string{"acme.test"}},
		{Index: 1, ID: "6fa459ea-ee8a-3ca4-894e-db77e160355e", Name: "Beta", Database: "tenant_beta", Domains: []string{"beta.test", "b.test"}},
		{Index: 2, ID: "6fa459ea-0000-0000-0000-000000000000", Name: "beta", Database: "tenant_beta2"},
	}
	for ref, want := range map[string]int{
		"550e8400-e29b-41d4-a716-446655440000": 0, "1": 1, "B.TEST": 1, "tenant_beta2": 2, "acme": 0, "550e": 0, "[1]": 1,
	} {
		got, err := Resolve(all, ref)
		require.NoError(t, err, ref)
		require.Equal(t, want, got.Index, ref)
	}
	_, err := Resolve(all, "beta")
	var amb *AmbiguousError
	require.ErrorAs(t, err, &amb)
	require.Len(t, amb.Candidates, 2)
	require.Contains(t, err.Error(), "[1] Beta")
	_, err = Resolve(all, "6fa4")
	require.ErrorAs(t, err, &amb)
	_, err = Resolve(all, "nobody")
	require.ErrorIs(t, err, ErrNotFound)
	_, err = Resolve(all, "550")
	require.ErrorContains(t, err, "at least 4 characters")
}

func TestFilterAndSort(t *testing.T) {
	all := []Tenant{
		{Index: 0, ID: "a1", Name: "Zed", Status: StatusActive, Domains: []string{"zed.test"}},
		{Index: 1, ID: "b2", Name: "alpha", Status: StatusBlocked, Database: "db_alpha"},
		{Index: 2, ID: "c3", Name: "Mid", Status: StatusActive},
	}
	got := Filter(all, ListOptions{Sort: SortName})
	require.Equal(t, []int{1, 2, 0}, indices(got))
	got = Filter(all, ListOptions{Sort: SortName, Desc: true})
	require.Equal(t, []int{0, 2, 1}, indices(got))
	require.Equal(t, []int{0, 2}, indices(Filter(all, ListOptions{Status: StatusActive})))
	require.Equal(t, []int{0}, indices(Filter(all, ListOptions{Filter: "ZED.T"})))
	require.Equal(t, []int{1}, indices(Filter(all, ListOptions{Filter: "db_al"})))
}

func indices(ts []Tenant) []int {
	out := make([]int, len(ts))
	for i, t := range ts {
		out[i] = t.Index
	}
	return out
}
