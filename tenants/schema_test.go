package tenants

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFlavourFromColumns(t *testing.T) {
	for _, tc := range []struct {
		cols []string
		want Flavour
	}{
		{[]string{"id", "data", "created_at", "updated_at"}, FlavourStancl},
		{[]string{"id", "data", "created_at", "updated_at", "plan"}, FlavourStancl},
		{[]string{"id", "data", "name", "status", "database", "has_homepage", "settings", "last_accessed_at"}, FlavourArtflow},
		{[]string{"id", "data", "name"}, FlavourStancl}, // a custom name column alone is still stancl
	} {
		c := columns{}
		for _, n := range tc.cols {
			c[n] = true
		}
		require.Equal(t, tc.want, c.flavour(), "%v", tc.cols)
	}
}

func TestAttributesSplitByFlavour(t *testing.T) {
	stancl := &Registry{cols: columns{"id": true, "data": true}}
	cols, data, err := stancl.split(attrs{"name": "Acme", "status": StatusActive, keyDBName: "db1"})
	require.NoError(t, err)
	require.Empty(t, cols, "a stancl table keeps every attribute in data")
	require.JSONEq(t, `"Acme"`, string(data["name"]))
	require.JSONEq(t, `"db1"`, string(data[keyDBName]))

	artflow := &Registry{cols: columns{"id": true, "data": true, "name": true, "status": true}}
	cols, data, err = artflow.split(attrs{"name": "Acme", "status": StatusActive, keyDBName: "db1"})
	require.NoError(t, err)
	require.Equal(t, attrs{"name": "Acme", "status": StatusActive}, cols)
	require.Len(t, data, 1)
}
