package tenants_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

// flavourEnv opens a central database of the given flavour with one tenant
// (no migrations) that carries a key tenancy does not know in data.
func flavourEnv(t *testing.T, flavour tenants.Flavour) (*testdb.Env, *sqlx.DB, *tenants.Service, tenants.Tenant) {
	t.Helper()
	var env *testdb.Env
	var central *sqlx.DB
	if flavour == tenants.FlavourStancl {
		env, central = newStanclEnv(t)
	} else {
		env = testdb.NewCentral(t)
		central = env.Database(t, env.Prefix+"central")
	}
	svc := env.Service(t)
	require.Equal(t, flavour, svc.Flavour())
	tn, err := svc.Create(context.Background(), tenants.CreateRequest{Name: "Acme Corp", Domains: []string{"acme.test"}, NoMigrate: true}, nil)
	require.NoError(t, err)
	_, err = central.Exec("UPDATE tenants SET data = JSON_SET(COALESCE(data, '{}'), '$.plan', 'gold', '$.tenancy_custom', JSON_ARRAY(1, 2)) WHERE id = ?", tn.ID)
	require.NoError(t, err)
	tn, err = svc.Find(context.Background(), tn.ID)
	require.NoError(t, err)
	return env, central, svc, tn
}

func dataOf(t *testing.T, central *sqlx.DB, id string) map[string]json.RawMessage {
	t.Helper()
	var raw string
	require.NoError(t, central.Get(&raw, "SELECT data FROM tenants WHERE id = ?", id))
	out := map[string]json.RawMessage{}
	require.NoError(t, json.Unmarshal([]byte(raw), &out))
	return out
}

func ptr[T any](v T) *T { return &v }

func TestEditBothFlavoursKeepsUnknownKeys(t *testing.T) {
	ctx := context.Background()
	for _, flavour := range []tenants.Flavour{tenants.FlavourArtflow, tenants.FlavourStancl} {
		t.Run(string(flavour), func(t *testing.T) {
			_, central, svc, tn := flavourEnv(t, flavour)
			var changes []tenants.Change
			svc.OnChange(func(c tenants.Change) { changes = append(changes, c) })

			got, err := svc.Edit(ctx, tn, tenants.EditRequest{
				Name: ptr("  Acme Holdings "), HasHomepage: ptr(true),
				SetSettings: map[string]json.RawMessage{"theme": json.RawMessage(`"dark"`), "seats": json.RawMessage(`25`)},
			})
			require.NoError(t, err)
			require.Equal(t, "Acme Holdings", got.Name, "the name is trimmed")
			require.True(t, got.HasHomepage)
			require.JSONEq(t, `{"theme":"dark","seats":25}`, string(got.Settings))
			require.Equal(t, []tenants.Change{{Kind: tenants.Updated, TenantID: tn.ID, Domains: []string{"acme.test"}}}, changes,
				"the edit is published: caches forget the tenant")

			// a second edit changes one setting, removes another, keeps the rest
			got, err = svc.Edit(ctx, got, tenants.EditRequest{HasHomepage: ptr(false),
				SetSettings:   map[string]json.RawMessage{"locale": json.RawMessage(`"fr"`)},
				UnsetSettings: []string{"theme", "never-set"}})
			require.NoError(t, err)
			require.False(t, got.HasHomepage, "the homepage toggles back")
			require.Equal(t, "Acme Holdings", got.Name, "what the request does not name stays")
			require.JSONEq(t, `{"seats":25,"locale":"fr"}`, string(got.Settings))

			data := dataOf(t, central, tn.ID)
			require.JSONEq(t, `"gold"`, string(data["plan"]), "unknown data keys survive")
			require.JSONEq(t, `[1,2]`, string(data["tenancy_custom"]))
			require.Contains(t, data, "tenancy_db_name")
			if flavour == tenants.FlavourStancl {
				// stancl's VirtualColumn: the attributes are data keys
				require.JSONEq(t, `"Acme Holdings"`, string(data["name"]))
				require.JSONEq(t, `false`, string(data["has_homepage"]))
				require.JSONEq(t, `{"seats":25,"locale":"fr"}`, string(data["settings"]))
			} else {
				require.NotContains(t, data, "name", "artflow keeps them in their columns")
				require.NotContains(t, data, "settings")
				var row struct {
					Name     string `db:"name"`
					Homepage bool   `db:"has_homepage"`
					Settings string `db:"settings"`
				}
				require.NoError(t, central.Get(&row, "SELECT name, has_homepage, settings FROM tenants WHERE id = ?", tn.ID))
				require.Equal(t, "Acme Holdings", row.Name)
				require.False(t, row.Homepage)
				require.JSONEq(t, `{"seats":25,"locale":"fr"}`, row.Settings)
			}
			again, err := svc.Find(ctx, tn.ID)
			require.NoError(t, err)
			require.Equal(t, got.Name, again.Name)
			require.JSONEq(t, string(got.Settings), string(again.Settings))
		})
	}
}

func TestEditRefusesBadValues(t *testing.T) {
	ctx := context.Background()
	_, central, svc, tn := flavourEnv(t, tenants.FlavourStancl)
	for _, tc := range []struct {
		name string
		req  tenants.EditRequest
		err  string
	}{
		{"nothing", tenants.EditRequest{}, "nothing to change"},
		{"blank name", tenants.EditRequest{Name: ptr("  ")}, "a tenant needs a name"},
		{"control", tenants.EditRequest{Name: ptr("Acme\x1b[31m")}, `tenant name has the control character '\x1b' at byte 4`},
		{"bidi", tenants.EditRequest{Name: ptr("Acme\u202e")}, `'\u202e'`},
		{"long", tenants.EditRequest{Name: ptr(strings.Repeat("a", 300))}, "tenant name is 300 characters long; at most 255"},
		{"set and unset", tenants.EditRequest{SetSettings: map[string]json.RawMessage{"a": json.RawMessage(`1`)}, UnsetSettings: []string{"a"}}, `setting "a" is both set and unset`},
		{"empty key", tenants.EditRequest{UnsetSettings: []string{""}}, "a setting needs a key"},
		{"bad json", tenants.EditRequest{SetSettings: map[string]json.RawMessage{"a": json.RawMessage(`{`)}}, "is not JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Edit(ctx, tn, tc.req)
			require.ErrorContains(t, err, tc.err)
		})
	}
	before := dataOf(t, central, tn.ID)

	// settings that are not an object are never overwritten
	_, err := central.Exec("UPDATE tenants SET data = JSON_SET(data, '$.settings', JSON_ARRAY('x')) WHERE id = ?", tn.ID)
	require.NoError(t, err)
	tn, err = svc.Find(ctx, tn.ID)
	require.NoError(t, err)
	_, err = svc.Edit(ctx, tn, tenants.EditRequest{Name: ptr("Other"), SetSettings: map[string]json.RawMessage{"a": json.RawMessage(`1`)}})
	require.ErrorContains(t, err, "its settings are not a JSON object")
	after := dataOf(t, central, tn.ID)
	require.JSONEq(t, string(before["name"]), string(after["name"]), "a refused edit writes nothing, not even the valid part")

	gone := tn
	gone.ID = "no-such-tenant"
	_, err = svc.Edit(ctx, gone, tenants.EditRequest{Name: ptr("X")})
	require.ErrorIs(t, err, tenants.ErrNotFound)
}

func TestEditAndMaintenanceRefusedReadOnly(t *testing.T) {
	ctx := context.Background()
	env, central, _, tn := flavourEnv(t, tenants.FlavourArtflow)
	ro, err := tenants.Open(ctx, env.Config, tenants.Options{ReadOnly: true})
	require.NoError(t, err)
	defer ro.Close()
	before := dataOf(t, central, tn.ID)
	_, err = ro.Edit(ctx, tn, tenants.EditRequest{Name: ptr("X")})
	require.ErrorIs(t, err, tenants.ErrReadOnly)
	_, err = ro.Down(ctx, tn, tenants.DownRequest{})
	require.ErrorIs(t, err, tenants.ErrReadOnly)
	_, err = ro.Up(ctx, tn)
	require.ErrorIs(t, err, tenants.ErrReadOnly)
	require.Equal(t, before, dataOf(t, central, tn.ID))
}

func TestParseSetting(t *testing.T) {
	for _, tc := range []struct{ arg, key, value, err string }{
		{"theme=dark", "theme", `"dark"`, ""},
		{"empty=", "empty", `""`, ""},
		{"eq=a=b", "eq", `"a=b"`, ""},
		{"n:=42", "n", `42`, ""},
		{"on:=true", "on", `true`, ""},
		{"list:=[\"a\",1]", "list", `["a",1]`, ""},
		{"word:=dark", "", "", "the value is not JSON"},
		{"=x", "", "", "is not key=value"},
		{"novalue", "", "", "is not key=value"},
	} {
		k, v, err := tenants.ParseSetting(tc.arg)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, tc.arg)
			continue
		}
		require.NoError(t, err, tc.arg)
		require.Equal(t, tc.key, k)
		require.Equal(t, tc.value, string(v))
	}
}
