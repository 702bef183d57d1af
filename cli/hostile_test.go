package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

// hostileTenant is a registry row as a Laravel app could write it: any
// varchar, none of tenancy's own naming rules.
type hostileTenant struct {
	id, name, database, dbUser string
	domains                    []string
}

// hostileTenants hold in their id, name, database, user and domains what a
// terminal would act on (controls, escape sequences, OSC 52, bidi) or what
// a careless sink would mangle (SQL comment ends, quotes, LIKE wildcards,
// 4-byte characters, 64-character names). Ids 0 and 1 share the prefix
// "evil", so that reference is ambiguous and the error names both.
var hostileTenants = []hostileTenant{
	{
		id:       "evil-\x1b]0;title\a-0",
		name:     "Red \x1b[31mALERT\x1b[0m\ttab",
		database: "db_\x1b]52;c;aGk=\a",
		dbUser:   "u\x1b[2J",
		domains:  []string{"nl\nbreak.test", "cr\rx.test"},
	},
	{
		id:       "evil-\u202eoxt-1",
		name:     "line1\nline2\r*/ \\! `tick` 'q' \"dq\" 100% a_b",
		database: "db_\u2066iso\u2069",
		domains:  []string{"emoji-😀.test"},
	},
	{
		id:       "c1-\u009b31m-del\x7f-2",
		name:     strings.Repeat("😀", 64),
		database: "db_c1_\u0085_nul\x00",
		domains:  []string{"\x1b]52;c;aGk=\a.test"},
	},
	{
		id:       "plain-3",
		name:     strings.Repeat("n", 63) + "\u202e",
		database: strings.Repeat("d", 64),
	},
}

// insertHostile writes hostileTenants straight into the central tables.
func insertHostile(t *testing.T, env *testdb.Env) {
	t.Helper()
	central := env.Database(t, env.Prefix+"central")
	for i, h := range hostileTenants {
		data := "{}"
		if h.dbUser != "" {
			b, err := json.Marshal(map[string]string{"tenancy_db_username": h.dbUser})
			require.NoError(t, err)
			data = string(b)
		}
		_, err := central.Exec("INSERT INTO tenants (id, name, `database`, status, data, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, NOW() + INTERVAL ? SECOND, NOW())",
			h.id, h.name, h.database, data, i)
		require.NoError(t, err)
		for _, d := range h.domains {
			_, err := central.Exec("INSERT INTO domains (domain, tenant_id, created_at, updated_at) VALUES (?, ?, NOW(), NOW())", d, h.id)
			require.NoError(t, err)
		}
	}
}

func TestHostileRegistryIsShownEscaped(t *testing.T) {
	env := testdb.NewCentral(t)
	insertHostile(t, env)
	cfg := writeConfig(t, env)

	r := runCLI(t, cfg, "tenants", "list")
	require.Equal(t, 0, r.code, r.stderr)
	requireInert(t, r.stdout)
	for _, visible := range []string{`Red \e[31mALERT\e[0m\ttab`, `evil-\e]0;title\a-0`, `db_\e]52;c;aGk=\a`,
		`line1\nline2\r*/ \! ` + "`tick` 'q' \"dq\" 100% a_b", `evil-\u202eoxt-1`, `db_\u2066iso\u2069`,
		`c1-\x9b31m-del\x7f-2`, `db_c1_\x85_nul\0`, strings.Repeat("😀", 64), `\e]52;c;aGk=\a.test`} {
		require.Contains(t, r.stdout, visible)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	require.Len(t, lines, 1+len(hostileTenants)+1, "one line per tenant, the header and the count:\n%s", r.stdout)
	require.Equal(t, fmt.Sprintf("%d tenants", len(hostileTenants)), lines[len(lines)-1])
	table := lines[:len(lines)-1]
	// Every row ends in its LAST ACCESS cell ("never"): padded to the same
	// width, the rows are equally wide, and each column starts where its
	// header does.
	rowWidth := ansi.StringWidth(table[1])
	for _, l := range table[1:] {
		require.Equal(t, rowWidth, ansi.StringWidth(l), "rows differ in width:\n%s", r.stdout)
		require.True(t, strings.HasSuffix(l, "  never"), l)
	}
	require.Equal(t, rowWidth-len("never"), ansi.StringWidth(table[0])-len("LAST ACCESS"))
	col := func(line, cell string) int {
		i := strings.LastIndex(line, cell)
		require.GreaterOrEqual(t, i, 0, "%q not in %q", cell, line)
		return ansi.StringWidth(line[:i])
	}
	for _, l := range table[1:] {
		require.Equal(t, col(table[0], "STATUS"), col(l, "  active  ")+2, l)
		require.Equal(t, col(table[0], "SERVER"), col(l, "  central  ")+2, l)
	}

	for i := range hostileTenants {
		r := runCLI(t, cfg, "tenants", "show", fmt.Sprintf("[%d]", i))
		require.Equal(t, 0, r.code, r.stderr)
		requireInert(t, r.stdout)
		require.Len(t, strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n"), 12, "one line per field:\n%s", r.stdout)
	}
	r = runCLI(t, cfg, "tenants", "show", "[0]")
	require.Contains(t, r.stdout, `nl\nbreak.test, cr\rx.test`)
	require.Contains(t, r.stdout, `u\e[2J`)

	// The reference "evil" matches two ids: the error names both tenants.
	r = runCLI(t, cfg, "tenants", "show", "evil")
	require.Equal(t, 1, r.code)
	requireInert(t, r.stderr)
	require.Equal(t, 1, strings.Count(r.stderr, "\n"), "the error is one line, whatever the names hold:\n%s", r.stderr)
	require.Contains(t, r.stderr, `[1] line1\nline2\r*/`)
	require.Contains(t, r.stderr, `Red \e[31mALERT`)
	require.Contains(t, r.stderr, `evil-\u202eoxt-1`)

	// Their databases do not exist: each failure names its tenant.
	r = runCLI(t, cfg, "backup", "create", "--all")
	require.Equal(t, 1, r.code)
	requireInert(t, r.stdout)
	requireInert(t, r.stderr)
	require.Contains(t, r.stderr, `Red \e[31mALERT`)
	require.Contains(t, r.stderr, "4 of 4 items failed")

	r = runCLI(t, cfg, "tenants", "domains", "list", "[2]")
	require.Equal(t, 0, r.code, r.stderr)
	requireInert(t, r.stdout)
	require.Contains(t, r.stdout, `\e]52;c;aGk=\a.test`)
}

// JSON is exact: a hostile tenant round-trips byte for byte through
// --json, and the output is still inert on a terminal.
func TestHostileRegistryJSONIsExact(t *testing.T) {
	env := testdb.NewCentral(t)
	insertHostile(t, env)
	cfg := writeConfig(t, env)

	r := runCLI(t, cfg, "tenants", "list", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	requireInert(t, r.stdout)
	var list []tenants.Tenant
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &list))
	require.Len(t, list, len(hostileTenants))
	for i, h := range hostileTenants {
		require.Equal(t, h.id, list[i].ID)
		require.Equal(t, h.name, list[i].Name)
		require.Equal(t, h.database, list[i].Database)
		require.Equal(t, h.dbUser, list[i].DBUser)
		require.ElementsMatch(t, h.domains, list[i].Domains)
	}

	r = runCLI(t, cfg, "tenants", "show", "[1]", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	requireInert(t, r.stdout)
	var one tenants.Tenant
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &one))
	require.Equal(t, hostileTenants[1].name, one.Name)
	require.Equal(t, hostileTenants[1].id, one.ID)
}
