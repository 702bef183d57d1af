package doctor

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNamingIsExact(t *testing.T) {
	n := naming{prefix: "tenant_", suffix: "_db", forms: map[string]bool{"uuid": true}}
	for _, c := range []struct {
		name           string
		exact, matched bool
	}{
		{"tenant_0b9d4a4e-5f6a-4c1b-9a57-2f1d3c4b5a69_db", true, true},
		{"tenant_reports_db", false, true},
		{"tenant_0B9D4A4E-5F6A-4C1B-9A57-2F1D3C4B5A69_db", false, true},
		{"tenant_0b9d4a4e-5f6a-4c1b-9a57-2f1d3c4b5a69_db__restore_ab12", false, false},
		{"tenant_0b9d4a4e-5f6a-4c1b-9a57-2f1d3c4b5a69", false, false},
		{"tenant__db", false, false},
		{"app", false, false},
	} {
		_, exact, matched := n.idOf(c.name)
		require.Equal(t, c.exact, exact, c.name)
		require.Equal(t, c.matched, matched, c.name)
	}
	ints := naming{prefix: "t", forms: map[string]bool{"integer": true}}
	_, exact, _ := ints.idOf("t42")
	require.True(t, exact)
	_, exact, _ = ints.idOf("t042")
	require.False(t, exact, "a leading zero is not an id the fleet made")
}

func TestGrantPatterns(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		match, wild   bool
	}{
		{`a\_c`, "a_c", true, false},
		{`a\_c`, "abc", false, false},
		{`a_c`, "abc", true, true},
		{`a_c`, "a_c", true, true},
		{`app%`, "app_x", true, true},
		{`a\%`, "a%", true, false},
		{`a.c`, "abc", false, false},
		{`\\`, `\`, true, false},
	} {
		require.Equal(t, c.match, likeMatch(c.pattern, c.name), "%s ~ %s", c.pattern, c.name)
		require.Equal(t, c.wild, hasWildcard(c.pattern), c.pattern)
	}
}

func TestPlanGroupsRunsAndSkipsMigrateOfCreated(t *testing.T) {
	rep := Report{Findings: []Finding{
		{Check: "database-missing", Tenant: "a", FixKind: FixSafe, action: action{kind: actCreateDatabase}},
		{Check: "schema-drift", Tenant: "a", FixKind: FixSafe, action: action{kind: actMigrate}},
		{Check: "schema-half-made", Tenant: "b", FixKind: FixSafe, action: action{kind: actMigrate}},
		{Check: "user-password", Tenant: "c", FixKind: FixSafe, action: action{kind: actRecreateUser}},
		{Check: "user-grants", Tenant: "c", FixKind: FixSafe, action: action{kind: actRecreateUser}},
		{Check: "backup-running", Tenant: "d", FixKind: FixSafe, action: action{kind: actFailBackup}},
		{Check: "database-orphan", FixKind: FixDestructive, action: action{kind: actDropDatabase}},
		{Check: "domain-orphan"},
	}}
	p := PlanFixes(rep, true)
	require.Equal(t, []PlannedRun{
		{Operation: OpCreateDatabase, Tenants: []string{"a"}},
		{Operation: OpMigrate, Tenants: []string{"b"}},
		{Operation: OpRecreateUser, Tenants: []string{"c"}},
	}, p.Runs)
	require.Equal(t, []string{"a"}, p.RestoreMissing)
	require.Len(t, p.Direct, 1)
	require.Len(t, p.Destructive, 1)
}
