package tenants

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MySQL's limits on identifier lengths (characters).
const (
	MaxDatabaseName = 64
	MaxUserName     = 32
)

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

// ValidateDatabaseName checks a name for a database tenancy creates
// (--database, --new-database, the create form): the one rule of
// ValidateNewName within MySQL's 64 characters.
func ValidateDatabaseName(name string) error {
	return ValidateNewName("database name", name, MaxDatabaseName)
}

// ValidateUserName checks a name for a MySQL account tenancy creates.
func ValidateUserName(name string) error {
	return ValidateNewName("user name", name, MaxUserName)
}

// ValidateNewName is the one rule for every name tenancy creates or
// accepts for a new object (tenant ids given with --id, databases, users,
// generated passwords): ASCII letters, digits, '_' and '-' only, at most
// max characters. Names already in a registry (written by Laravel, any
// varchar) are not checked: they are carried safely by the quoting and
// encoding helpers instead. The error names the first character that
// breaks the rule and the rule itself.
func ValidateNewName(kind, name string, max int) error {
	if name == "" {
		return fmt.Errorf("%s is empty: give one of ASCII letters, digits, '_' and '-'", kind)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("%s %s is not valid UTF-8: %s", kind, strconv.QuoteToASCII(name), nameRule)
	}
	for i, r := range name {
		if !isNameRune(r) {
			return fmt.Errorf("%s %s has %s at byte %d: %s", kind, strconv.QuoteToASCII(name), describeRune(r), i, nameRule)
		}
	}
	if n := len(name); n > max {
		return fmt.Errorf("%s %q is %d characters long; at most %d are allowed", kind, name, n, max)
	}
	return nil
}

const nameRule = "names tenancy creates may hold only ASCII letters, digits, '_' and '-'"

func isNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
}

// describeRune names a character so that a control byte or an invisible
// one is visible in the message: 'x', '\n', '\u202e', a space.
func describeRune(r rune) string {
	if r == ' ' {
		return "a space"
	}
	return strconv.QuoteRuneToASCII(r)
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
