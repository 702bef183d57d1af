package tenantlist

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/runs"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func TestRunsKeyOpensTheRunsScreen(t *testing.T) {
	m := newList(t, 12, true, 80, 22)
	msgs := uitest.Msgs(press(m, "w"))
	require.Equal(t, []any{common.OpenMsg{Name: runs.Name}}, toAny(msgs), "read-only too: the runs are read")
}

func toAny[T any](in []T) []any {
	out := make([]any, len(in))
	for i, v := range in {
		out[i] = v
	}
	return out
}

func TestStartRunTargetsMarksThenFilterThenCursor(t *testing.T) {
	m := newList(t, 12, false, 80, 22)
	press(m, "j")
	target, ok := m.runTarget()
	require.True(t, ok)
	require.Equal(t, []string{m.rows.at(1).ID}, target.Selection.Refs, "nothing marked: the cursor's tenant")
	require.Equal(t, "Globex", target.What)

	typeText(m, "/")
	typeText(m, "in")
	press(m, "enter")
	target, _ = m.runTarget()
	require.Equal(t, "in", target.Selection.Filter, "a filter selects what it matches")
	require.Empty(t, target.Selection.Refs)
	require.Contains(t, target.What, `matching "in"`)

	press(m, "space", "space")
	target, _ = m.runTarget()
	require.Len(t, target.Selection.Refs, 2, "marks win")
	require.Equal(t, "2 marked tenants", target.What)
	require.Empty(t, target.Selection.Filter)
}

func TestStartRunAsksFirstAndKeysAheadDoNothing(t *testing.T) {
	m := newList(t, 12, false, 80, 22)
	press(m, "space", "space")
	msgs := uitest.Msgs(press(m, "e"))
	require.Len(t, msgs, 1)
	form := msgs[0].(common.PushMsg).Screen
	form.SetSize(80, 22)
	require.Contains(t, uitest.Plain(form.View()), "Run on 2 marked tenants")
	require.Nil(t, press(m, "enter"), "keys typed ahead of the dialog do nothing beneath")
	require.Len(t, m.marks, 2)

	ro := newList(t, 12, true, 80, 22)
	require.Nil(t, press(ro, "e"), "read-only disables starting runs")
}
