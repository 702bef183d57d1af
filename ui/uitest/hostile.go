package uitest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
)

// Hostile are texts a tenant can store in its own name, id, domains,
// database name, table names or data through the application: terminal
// controls (a newline, a carriage return, SGR colour, erase screen, OSC 0
// window title, OSC 52 clipboard, 8-bit CSI, DEL), text that means
// something to SQL, shells and formats, bidi overrides and isolates,
// emoji, and a 64-character name.
var Hostile = []string{
	"line\nbreak",
	"carriage\rreturn",
	"red \x1b[31mred",
	"clear \x1b[2Jscreen",
	"title \x1b]0;title\a",
	"clip \x1b]52;c;aGk=\a",
	"c1 \u009b31m del\x7f",
	"comment */ end",
	`bang \! tab` + "\t",
	"tick `id`",
	`quote "d" 's'`,
	"like 100% _x_",
	"rtl \u202ecod.exe",
	"iso \u2066x\u2069",
	"emoji 😀🎉",
	Long,
}

// Long is a 64-character name.
var Long = strings.Repeat("Long-", 13)[:64]

// Shown is what a hostile text looks like on screen: escaped as one line.
func Shown(s string) string { return termtext.Line(s) }

// HostileTenants returns one tenant per Hostile text: it is the name;
// others are the ids, databases, first domains, a status, db users and
// the data's keys and values (the tenants are otherwise Tenants').
func HostileTenants() []tenants.Tenant {
	n := len(Hostile)
	ts := Tenants(n)
	for i := range ts {
		t := &ts[i]
		t.Name = Hostile[i]
		t.ID = fmt.Sprintf("%s-%02d", Hostile[(i+4)%n], i)
		t.Database = "tenant_" + Hostile[(i+2)%n]
		t.Domains[0] = Hostile[(i+1)%n] + ".localhost"
		val, _ := json.Marshal(Hostile[(i+3)%n])
		t.Data = map[string]json.RawMessage{Hostile[i]: val, "plan": json.RawMessage(`{"name":"pro"}`)}
		if t.DBUser != "" {
			t.DBUser = Hostile[(i+5)%n]
		}
	}
	ts[2].Status = "blocked\x1b[5m"
	return ts
}

// HostileTenant is one tenant whose every field holds every Hostile
// text: its name, id and database combine them, its domains, data keys
// and values are them, and its settings are not even JSON.
func HostileTenant() tenants.Tenant {
	t := Tenants(6)[5] // with a db user and a password in data
	t.Name = "Acme " + Hostile[0] + Hostile[2] + Hostile[4] + Hostile[5] + Hostile[12]
	t.ID = "id\x1b]52;c;aGk=\a\u202e-5"
	t.Database = "tenant_\x1b[2J\n_db"
	t.Server = "central\x1b[31m"
	t.DBUser = "user\r\x1b]0;title\a"
	t.Status = "active\x1b[5m"
	t.Domains = nil
	t.Data = map[string]json.RawMessage{"tenancy_db_password": json.RawMessage(`"s3cr3t\u001b[31m"`)}
	for i, h := range Hostile {
		t.Domains = append(t.Domains, fmt.Sprintf("d%d.%s", i, h))
		v, _ := json.Marshal(h)
		t.Data[h] = v
	}
	t.Settings = json.RawMessage("{\"raw\": \"\x1b]0;title\a\n\u202e\"}") // invalid JSON: shown as stored
	return t
}

// TableNames are a tenant database's tables named with every Hostile text.
func TableNames() []tenants.TableInfo {
	out := make([]tenants.TableInfo, len(Hostile))
	for i, h := range Hostile {
		out[i] = tenants.TableInfo{Name: h, Engine: "InnoDB", Rows: int64(100 * (i + 1)), DataBytes: 16384, IndexBytes: 16384}
	}
	return out
}

// sgr is the one escape sequence a view may hold: colours and text
// attributes, which lipgloss writes itself.
var sgr = regexp.MustCompile(`^\x1b\[[0-9;:]*m`)

// RequireSafe fails unless view (before ANSI stripping) is safe to write
// to a terminal: every ESC begins an SGR sequence, and there is no other
// C0 control but '\n', no DEL, no C1 control, no bidi embedding, override
// or isolate, and no byte that is not UTF-8.
func RequireSafe(t testing.TB, view string) {
	t.Helper()
	for i := 0; i < len(view); {
		if view[i] == 0x1b {
			m := sgr.FindString(view[i:])
			require.NotEmpty(t, m, "an escape sequence other than SGR at byte %d: %q", i, around(view, i))
			i += len(m)
			continue
		}
		r, n := utf8.DecodeRuneInString(view[i:])
		bad := ""
		switch {
		case r == utf8.RuneError && n == 1:
			bad = "a byte that is not UTF-8"
		case r < 0x20 && r != '\n':
			bad = "a control character"
		case r == 0x7f:
			bad = "DEL"
		case r >= 0x80 && r <= 0x9f:
			bad = "a C1 control"
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			bad = "a bidi control"
		}
		require.Empty(t, bad, "%s (%U) at byte %d: %q", bad, r, i, around(view, i))
		i += n
	}
}

func around(s string, i int) string {
	return s[max(i-30, 0):min(i+30, len(s))]
}

// RequireShown fails unless the plain view shows each raw text escaped.
func RequireShown(t testing.TB, plain string, raw ...string) {
	t.Helper()
	for _, r := range raw {
		require.Contains(t, plain, Shown(r), "%q is shown escaped", r)
	}
}

// RequireLines fails unless the view is n lines.
func RequireLines(t testing.TB, view string, n int) {
	t.Helper()
	require.Equal(t, n, Lines(view), "lines of the view:\n%s", Plain(view))
}

// Lines counts the lines of a view (of the same screen over ordinary
// fixtures, say, which a hostile one must not exceed).
func Lines(view string) int { return strings.Count(view, "\n") + 1 }
