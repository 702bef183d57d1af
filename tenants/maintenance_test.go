package tenants_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

func TestParseMaintenanceBothForms(t *testing.T) {
	for _, up := range []string{``, `null`, `false`, `""`, `0`, `[]`, `{}`} {
		require.Nil(t, tenants.ParseMaintenance(json.RawMessage(up)), "%s is up (PHP falsy)", up)
	}
	// stancl's first trait
	m := tenants.ParseMaintenance(json.RawMessage(`{"time":1767225600,"message":"Back soon","retry":"120","allowed":["10.0.0.0/8","203.0.113.7"]}`))
	require.NotNil(t, m)
	require.Equal(t, tenants.MaintenanceTime, m.Form)
	require.Equal(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), *m.Since)
	require.Equal(t, "Back soon", m.Message)
	require.Equal(t, 120, m.Retry, "a numeric string is read as a number")
	require.Equal(t, 503, m.HTTPStatus())
	require.True(t, m.Allows("10.1.2.3"))
	require.True(t, m.Allows("203.0.113.7"))
	require.True(t, m.Allows("::ffff:203.0.113.7"), "an IPv4-mapped address is the IPv4 address")
	require.False(t, m.Allows("203.0.113.8"))
	require.False(t, m.Allows("not-an-ip"))

	// stancl's current trait (Laravel 8's down file)
	m = tenants.ParseMaintenance(json.RawMessage(`{"except":["/health"],"redirect":null,"retry":60,"refresh":null,"secret":"let-me-in","status":"503"}`))
	require.NotNil(t, m)
	require.Equal(t, tenants.MaintenanceExcept, m.Form)
	require.Equal(t, []string{"/health"}, m.Except)
	require.Equal(t, 60, m.Retry)
	require.Equal(t, "let-me-in", m.Secret)
	require.Equal(t, 503, m.Status)
	require.Nil(t, m.Since)

	m = tenants.ParseMaintenance(json.RawMessage(`{"allowed":"127.0.0.1","status":500}`))
	require.Equal(t, []string{"127.0.0.1"}, m.Allowed, "one string is a list of one, as PHP's (array) cast")
	require.Equal(t, 500, m.HTTPStatus())
	require.NotNil(t, tenants.ParseMaintenance(json.RawMessage(`true`)), "a truthy scalar is down")
}

func TestDownRequestValidation(t *testing.T) {
	for _, tc := range []struct {
		req tenants.DownRequest
		err string
	}{
		{tenants.DownRequest{Retry: -1}, "retry -1 is not between 0 and 604800"},
		{tenants.DownRequest{Secret: "a/b"}, `maintenance secret has '/' at byte 1`},
		{tenants.DownRequest{Secret: "a b"}, `has a space at byte 1`},
		{tenants.DownRequest{Allowed: []string{"10.0.0.300"}}, `allowed address "10.0.0.300" is neither an IP address`},
		{tenants.DownRequest{Message: "hi\x1b]0;x\a"}, `maintenance message has the control character '\x1b'`},
		{tenants.DownRequest{Form: "laravel"}, `maintenance form "laravel" is not one of except, time`},
	} {
		require.ErrorContains(t, tc.req.Validate(), tc.err)
	}
	require.NoError(t, tenants.DownRequest{Message: "Back at 5", Retry: 60, Secret: "ok-secret_1.2~", Allowed: []string{"::1", "10.0.0.0/8"}}.Validate())
}

func TestDownUpBothFormsBothFlavours(t *testing.T) {
	ctx := context.Background()
	for _, flavour := range []tenants.Flavour{tenants.FlavourArtflow, tenants.FlavourStancl} {
		for _, form := range []tenants.MaintenanceForm{tenants.MaintenanceExcept, tenants.MaintenanceTime} {
			t.Run(string(flavour)+"/"+string(form), func(t *testing.T) {
				env, central, _, tn := flavourEnv(t, flavour)
				env.Config.Tenancy.MaintenanceForm = string(form)
				svc := env.Service(t) // opened with the form configured
				var changes []tenants.Change
				svc.OnChange(func(c tenants.Change) { changes = append(changes, c) })

				down, err := svc.Down(ctx, tn, tenants.DownRequest{Message: "Upgrading", Retry: 90, Secret: "s3cret", Allowed: []string{"10.0.0.0/8"}})
				require.NoError(t, err)
				require.NotNil(t, down.Maintenance)
				m := down.Maintenance
				require.Equal(t, form, m.Form)
				require.Equal(t, 90, m.Retry)
				require.Equal(t, "s3cret", m.Secret, "kept in either form (tenancy's middleware honours it)")
				require.Equal(t, []string{"10.0.0.0/8"}, m.Allowed)
				require.Equal(t, "Upgrading", m.Message)
				require.Len(t, changes, 1, "down is published")

				data := dataOf(t, central, tn.ID)
				var stored map[string]json.RawMessage
				require.NoError(t, json.Unmarshal(data["maintenance_mode"], &stored))
				if form == tenants.MaintenanceTime {
					require.Contains(t, stored, "time", "stancl's first trait's keys")
					require.JSONEq(t, `"Upgrading"`, string(stored["message"]))
					require.JSONEq(t, `90`, string(stored["retry"]))
					require.JSONEq(t, `["10.0.0.0/8"]`, string(stored["allowed"]))
					require.WithinDuration(t, time.Now(), *m.Since, time.Minute)
				} else {
					for _, k := range []string{"except", "redirect", "retry", "refresh", "secret", "status"} {
						require.Contains(t, stored, k, "stancl's current trait writes %s", k)
					}
					require.JSONEq(t, `null`, string(stored["except"]))
					require.JSONEq(t, `503`, string(stored["status"]))
					require.JSONEq(t, `"s3cret"`, string(stored["secret"]))
				}
				require.JSONEq(t, `"gold"`, string(data["plan"]), "unknown data keys survive")

				up, err := svc.Up(ctx, down)
				require.NoError(t, err)
				require.Nil(t, up.Maintenance)
				require.JSONEq(t, `null`, string(dataOf(t, central, tn.ID)["maintenance_mode"]), "as stancl's bringUpFromMaintenance")
				require.Len(t, changes, 2, "up is published")
				again, err := svc.Find(ctx, tn.ID)
				require.NoError(t, err)
				require.Nil(t, again.Maintenance)
			})
		}
	}
}

func TestMaintenanceFormAutoFollowsTheFleet(t *testing.T) {
	ctx := context.Background()
	env, central, svc, tn := flavourEnv(t, tenants.FlavourStancl)
	require.Equal(t, config.MaintenanceFormAuto, env.Config.Tenancy.MaintenanceForm)
	form, err := svc.MaintenanceFormInUse(ctx)
	require.NoError(t, err)
	require.Equal(t, tenants.MaintenanceExcept, form, "nobody down: stancl's current form")

	other, err := svc.Create(ctx, tenants.CreateRequest{Name: "Other", NoMigrate: true}, nil)
	require.NoError(t, err)
	// The Laravel app (stancl's first trait) put the other tenant down.
	_, err = central.Exec(`UPDATE tenants SET data = JSON_SET(data, '$.maintenance_mode', JSON_OBJECT('time', 1767225600, 'message', NULL, 'retry', NULL, 'allowed', JSON_ARRAY())) WHERE id = ?`, other.ID)
	require.NoError(t, err)
	form, err = svc.MaintenanceFormInUse(ctx)
	require.NoError(t, err)
	require.Equal(t, tenants.MaintenanceTime, form)
	down, err := svc.Down(ctx, tn, tenants.DownRequest{})
	require.NoError(t, err)
	require.Equal(t, tenants.MaintenanceTime, down.Maintenance.Form, "written in the form the fleet uses")

	down, err = svc.Down(ctx, tn, tenants.DownRequest{Form: tenants.MaintenanceExcept})
	require.NoError(t, err)
	require.Equal(t, tenants.MaintenanceExcept, down.Maintenance.Form, "an explicit form wins")
}
