package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMaintenanceFormKey(t *testing.T) {
	const head = "[central]\ndsn = \"root@tcp(127.0.0.1:3306)/c\"\n[tenancy]\n"
	for _, form := range []string{"auto", "except", "time"} {
		cfg, err := Parse(head + "maintenance_form = \"" + form + "\"\n")
		require.NoError(t, err, form)
		require.Equal(t, form, cfg.Tenancy.MaintenanceForm)
	}
	cfg, err := Parse(head)
	require.NoError(t, err)
	require.Equal(t, MaintenanceFormAuto, cfg.Tenancy.MaintenanceForm, "the default")
	_, err = Parse(head + "maintenance_form = \"laravel\"\n")
	require.ErrorContains(t, err, `tenancy.maintenance_form: "laravel" is not one of auto, except`)
	_, err = Parse(head + "maintenance_from = \"time\"\n")
	require.ErrorContains(t, err, `tenancy.maintenance_from: unknown key`)
}
