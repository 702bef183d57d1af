package tenants

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MySQL's limits on identifier lengths (characters).
const (
	MaxDatabaseName = 64
	MaxUserName     = 32
)

// safeName is the stricter alphabet of names tenancy generates itself.
var safeName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// QuoteIdent quotes a MySQL identifier with backticks, doubling any
// backtick inside. It is the only way identifiers reach SQL text.
func QuoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// QuoteString quotes a string literal for the few statements MySQL does not
// let take placeholders (CREATE USER, GRANT, DROP USER account names and
// passwords). It escapes backslashes and quotes; callers validate the
// value first, so it never carries free user input.
func QuoteString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\x00", `\0`, "\n", `\n`, "\r", `\r`, "\x1a", `\Z`)
	return "'" + r.Replace(s) + "'"
}

// EscapeGrantPattern escapes the LIKE wildcards '_' and '%' (and the escape
// character itself) in a database name used in GRANT ... ON `db`.*, so that
// a grant on `a_c` can never match `abc`.
func EscapeGrantPattern(db string) string {
	r := strings.NewReplacer(`\`, `\\`, `_`, `\_`, `%`, `\%`)
	return r.Replace(db)
}

// ValidateDatabaseName applies MySQL's rules for a database name.
func ValidateDatabaseName(name string) error {
	return validateIdent("database name", name, MaxDatabaseName)
}

// ValidateUserName applies MySQL's rules for an account's user name, and
// tenancy's safe alphabet (user names go into string literals).
func ValidateUserName(name string) error {
	if err := validateIdent("user name", name, MaxUserName); err != nil {
		return err
	}
	if !safeName.MatchString(name) {
		return fmt.Errorf("user name %q may hold only letters, digits, '_' and '-'", name)
	}
	return nil
}

// ValidateSafeName checks a name tenancy generates: MySQL's rules plus the
// alphabet letters, digits, '_' and '-'.
func ValidateSafeName(kind, name string, max int) error {
	if err := validateIdent(kind, name, max); err != nil {
		return err
	}
	if !safeName.MatchString(name) {
		return fmt.Errorf("%s %q may hold only letters, digits, '_' and '-'", kind, name)
	}
	return nil
}

func validateIdent(kind, name string, max int) error {
	switch {
	case name == "":
		return fmt.Errorf("%s is empty", kind)
	case !utf8.ValidString(name):
		return fmt.Errorf("%s %q is not valid UTF-8", kind, name)
	case utf8.RuneCountInString(name) > max:
		return fmt.Errorf("%s %q is %d characters long; MySQL allows at most %d", kind, name, utf8.RuneCountInString(name), max)
	case strings.HasSuffix(name, " "):
		return fmt.Errorf("%s %q ends with a space, which MySQL does not allow", kind, name)
	case strings.ContainsAny(name, "\x00/\\."):
		return fmt.Errorf("%s %q contains a NUL, '/', '\\' or '.', which cannot be used in a database or user name", kind, name)
	}
	for _, r := range name {
		if r > 0xFFFF {
			return fmt.Errorf("%s %q contains a character outside the Basic Multilingual Plane, which MySQL identifiers cannot hold", kind, name)
		}
	}
	return nil
}

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomString returns n characters from alphabet, from crypto/rand.
func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(fmt.Sprintf("crypto/rand failed: %v", err))
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}
