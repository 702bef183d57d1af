package doctor

import (
	"regexp"
	"strings"
)

// idForm is a shape of tenant id. Only databases named prefix + an id of
// a form the fleet's own rows use + suffix are orphan candidates; the
// forms are narrow on purpose, so that a word ("reports") never is one.
type idForm struct {
	name string
	re   *regexp.Regexp
}

var idForms = []idForm{
	{"uuid", regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)},
	{"ulid", regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)},
	{"integer", regexp.MustCompile(`^[1-9][0-9]{0,19}$`)},
}

// formOf returns the form an id has, or "".
func formOf(id string) string {
	for _, f := range idForms {
		if f.re.MatchString(id) {
			return f.name
		}
	}
	return ""
}

// naming is the fleet's database naming: prefix, suffix and the id forms
// its rows use.
type naming struct {
	prefix, suffix string
	forms          map[string]bool
}

// idOf returns the id a database name carries under the naming, and
// whether it follows it exactly (an id of one of the fleet's forms).
// matched reports whether the name at least has the prefix and suffix.
func (n naming) idOf(database string) (id string, exact, matched bool) {
	rest, ok := strings.CutPrefix(database, n.prefix)
	if !ok {
		return "", false, false
	}
	id, ok = strings.CutSuffix(rest, n.suffix)
	if !ok || id == "" {
		return "", false, false
	}
	f := formOf(id)
	return id, f != "" && n.forms[f], true
}

// likeMatch reports whether name matches a grant's database pattern, as
// the server reads it: '_' is any one character, '%' any run, '\' escapes.
func likeMatch(pattern, name string) bool {
	if !hasWildcard(pattern) {
		return unescapePattern(pattern) == name
	}
	return likeRegexp(pattern).MatchString(name)
}

// unescapePattern is the one name a pattern without wildcards matches.
func unescapePattern(pattern string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == '\\' && i+1 < len(pattern) {
			i++
		}
		b.WriteByte(pattern[i])
	}
	return b.String()
}

// likeRegexp compiles a grant pattern with wildcards.
func likeRegexp(pattern string) *regexp.Regexp {
	var re strings.Builder
	re.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern):
			i++
			re.WriteString(regexp.QuoteMeta(string(pattern[i])))
		case c == '_':
			re.WriteString("(?s:.)")
		case c == '%':
			re.WriteString("(?s:.*)")
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String())
}

// hasWildcard reports whether a grant pattern holds an unescaped '_' or '%'.
func hasWildcard(pattern string) bool {
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '\\':
			i++
		case '_', '%':
			return true
		}
	}
	return false
}
