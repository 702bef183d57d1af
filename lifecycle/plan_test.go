package lifecycle

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
)

func TestPlanRebalance(t *testing.T) {
	at := func(id, server string, bytes int64) sized {
		return sized{t: tenants.Tenant{ID: id, Name: id, Server: server}, bytes: bytes}
	}
	for _, tc := range []struct {
		name   string
		list   []sized
		moves  []PlannedMove
		after  map[string]int64
		spread int64
	}{
		{"even already", []sized{at("a", "x", 10), at("b", "y", 10)}, nil, map[string]int64{"x": 10, "y": 10, "z": 0}, 10},
		{"one big server", []sized{at("a", "x", 60), at("b", "x", 30), at("c", "x", 20), at("d", "x", 10)},
			// 120 on x: the tenant nearest half the gap goes first.
			[]PlannedMove{{Tenant: "a", Name: "a", From: "x", To: "y", Bytes: 60}, {Tenant: "b", Name: "b", From: "x", To: "z", Bytes: 30}},
			map[string]int64{"x": 30, "y": 60, "z": 30}, 30},
		{"a tenant larger than the gap stays", []sized{at("a", "x", 100), at("b", "y", 10)}, nil, map[string]int64{"x": 100, "y": 10, "z": 0}, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := planRebalance([]string{"x", "y", "z"}, tc.list)
			require.Equal(t, tc.moves, plan.Moves)
			lo, hi := int64(-1), int64(0)
			for _, s := range plan.Servers {
				require.Equal(t, tc.after[s.Server], s.After, s.Server)
				hi = max(hi, s.After)
				if lo < 0 || s.After < lo {
					lo = s.After
				}
			}
			require.Equal(t, tc.spread, hi-lo)
		})
	}
}
