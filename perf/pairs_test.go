package perf

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
)

func TestPairsToTry(t *testing.T) {
	fleet := func(n int, withUser func(int) bool) []tenants.Tenant {
		out := make([]tenants.Tenant, n)
		for i := range out {
			out[i].ID = fmt.Sprint(i)
			if withUser(i) {
				out[i].DBUser = "u" + out[i].ID
			}
		}
		return out
	}
	pairs, possible := pairsToTry(fleet(3, func(i int) bool { return i != 1 }))
	require.Equal(t, 4, possible)
	require.ElementsMatch(t, [][2]int{{0, 1}, {0, 2}, {2, 0}, {2, 1}}, pairs, "every ordered pair from a tenant with a user")

	pairs, possible = pairsToTry(fleet(12, func(int) bool { return true }))
	require.Equal(t, 12*11, possible)
	require.Len(t, pairs, 24, "a neighbour and one random other each beyond 10 tenants")
	for i, p := range pairs {
		require.NotEqual(t, p[0], p[1])
		if i%2 == 0 {
			require.Equal(t, (p[0]+1)%12, p[1])
		} else {
			require.NotEqual(t, pairs[i-1][1], p[1], "the random other is not the neighbour")
		}
	}
	_, possible = pairsToTry(fleet(4, func(int) bool { return false }))
	require.Zero(t, possible)
}
