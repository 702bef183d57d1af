package backup

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// What a native file may hold outside its data section. A dump carries
// names and text chosen by tenants (database, table, column and object
// names, comments), so the restore executes only the statements tenancy
// writes, in the sections it writes them, and refuses a file whose comment
// lines hold anything else: a name that broke out of a comment in an older
// or altered file is refused, never run.

// sandboxLine is the first line of a file made on a MariaDB server: the
// mariadb client (10.5.25, 10.6.18, 10.11.8, 11.0.6 and later) then refuses
// its shell and file commands (\!, \., source) for the rest of the file.
// MySQL's client rejects the line, so MySQL files go without it (restore
// them with `mysql --binary-mode`, which turns those commands off).
const sandboxLine = `/*M!999999\- enable the sandbox mode */`

// commentText encodes text for a "--" comment line: letters, digits,
// spaces and ". _ ~ + : @ - = ( ) ," stay, every other byte (CR, LF, ESC,
// backslash, quotes, '*', '/', ';', '%', non-ASCII) is written %XX. A comment line of a dump can
// therefore never end early, start a client command or hide a statement.
func commentText(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if commentSafe(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xf])
	}
	return b.String()
}

func commentSafe(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._~+:@-=(), ", c) >= 0
}

// enc matches commentText's output; legacy, a backtick-quoted name as
// format 1 wrote it (no control byte: the splitter ended the line at one).
const (
	enc        = `[A-Za-z0-9._~+:@%=(), -]*`
	legacyName = "`(?:[^`\x00-\x1f\x7f]|``)*`"
)

var (
	nativeHeader    = regexp.MustCompile(`^-- tenancy [0-9]+ backup$`)
	allowedComments = []*regexp.Regexp{
		nativeHeader,
		regexp.MustCompile(`^-- server: ` + enc + ` \(` + enc + `\)$`),
		regexp.MustCompile(`^-- tenant: ` + enc + `, database: ` + enc + `$`),
		regexp.MustCompile(`^-- kind: [a-z]+, started: [0-9T:Z-]+$`),
		regexp.MustCompile(`^-- snapshot: ` + enc + `$`),
		regexp.MustCompile(`^-- Restore with: [^\x00-\x1f\x7f\\]*$`),
		regexp.MustCompile(`^-- (?:table|function|procedure|view|trigger|event) (?:` + enc + `|` + legacyName + `)$`),
	}
	// The statements the schema and objects sections may hold, as the
	// dump writes them (a bare, unqualified name: nothing reaches another
	// database).
	ident         = "(?:`(?:[^`]|``)+`|[A-Za-z0-9_$\\x{80}-\\x{10FFFF}]+)"
	schemaStmts   = regexp.MustCompile("^(?:DROP TABLE IF EXISTS " + ident + "|CREATE TABLE " + ident + ` \((?s:.*)\).*)$`)
	objectStmt    = regexp.MustCompile(`^CREATE (?:OR REPLACE )?(?:ALGORITHM=[A-Z]+ )?(?:SQL SECURITY [A-Z]+ )?(?:VIEW|TRIGGER|PROCEDURE|FUNCTION|EVENT|AGGREGATE FUNCTION) (?:IF NOT EXISTS )?` + ident + `[\s(]`)
	legacyHeaders = regexp.MustCompile(`^-- (?:server|tenant|kind|snapshot): `)
)

// fileGuard follows a file through the splitter and says what may run.
// A file whose first comment is a tenancy header is native and held to
// the rules above; any other file (mariadb-dump's) may not switch, create
// or drop databases.
type fileGuard struct {
	path            string
	decided, native bool
	legacy          bool // format 1: header fields written raw
	objects         bool // past the objects marker
}

// comment checks one comment at a statement boundary: a "--" or "#" line,
// or a whole /* */ comment.
func (g *fileGuard) comment(text string) error {
	if !g.decided {
		if text == sandboxLine {
			return nil
		}
		g.decided = true
		g.native = nativeHeader.MatchString(text)
		g.legacy = g.native && text == "-- tenancy 1 backup"
		return nil
	}
	if !g.native {
		return nil
	}
	for _, re := range allowedComments {
		if re.MatchString(text) {
			return nil
		}
	}
	if g.legacy && legacyHeaders.MatchString(text) && !strings.ContainsFunc(text, isControl) {
		return nil
	}
	return fmt.Errorf("%s: the comment line %.80q is not one tenancy writes: the file was altered or is damaged; refusing to restore it", g.path, text)
}

// marker checks a "-- tenancy:" line outside the data section.
func (g *fileGuard) marker(m string) error {
	switch {
	case m == "section schema", m == "section data", strings.HasPrefix(m, "complete "):
		return nil
	case m == "section objects":
		g.objects = true
		return nil
	}
	return fmt.Errorf("%s: unexpected line %.80q: the file was altered or is damaged; refusing to restore it", g.path, markPrefix+m)
}

// statement checks a statement outside the data section before it runs.
func (g *fileGuard) statement(q string) error {
	if refusedEverywhere(q) {
		return fmt.Errorf("the file switches, creates or drops databases (%.40q): dump the database without --databases/--all-databases", q)
	}
	if !g.native {
		return nil
	}
	ok := slices.Contains(sessionSetup, q)
	if g.objects {
		ok = ok || objectStmt.MatchString(q)
	} else {
		ok = ok || schemaStmts.MatchString(q)
	}
	if !ok {
		return fmt.Errorf("%s: the statement %.80q is not one tenancy writes in this part of a backup: the file was altered or is damaged; refusing to restore it", g.path, q)
	}
	return nil
}

// refusedEverywhere: statements no restore runs, whatever made the file.
func refusedEverywhere(q string) bool {
	upper := strings.ToUpper(strings.TrimSpace(q[:min(len(q), 32)]))
	for _, p := range []string{"USE ", "USE`", "CREATE DATABASE", "CREATE SCHEMA", "DROP DATABASE", "DROP SCHEMA", "ALTER DATABASE", "ALTER SCHEMA"} {
		if strings.HasPrefix(upper, p) {
			return true
		}
	}
	return false
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
