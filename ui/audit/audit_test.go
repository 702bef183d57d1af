package audit

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/audit"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// entries are n entries, newest first (ids n down to 1), of every
// outcome, over three users.
func entries(n int) []audit.Entry {
	users := []string{"ada", "otto", "vera", "deploy@ci-runner-1"}
	actions := []access.Action{access.TenantStatus, access.TenantDelete, access.BackupCreate, access.RunStartSQL, access.TenantDomainAdd}
	out := make([]audit.Entry, n)
	for i := range out {
		id := int64(n - i)
		e := access.Entry{Time: uitest.Now.Add(-time.Duration(i*7) * time.Minute), User: users[i%len(users)], Role: access.Operator,
			Via: "ssh", Remote: "10.0.0.7:51234", Action: actions[i%len(actions)], Target: fmt.Sprintf("9b2f%04x-1111-4222-8333-4444", id),
			Outcome: access.OutcomeOK}
		switch i % 6 {
		case 1:
			e.Outcome, e.Error = access.OutcomeDenied, fmt.Sprintf(`permission denied: operator %q may not %s (it needs the admin role; ask an admin)`, e.User, e.Action)
		case 4:
			e.Outcome, e.Error = access.OutcomeFailed, "drop database tenant_acme: Error 1010: Error dropping database (can't rmdir './tenant_acme', errno: 39 \"Directory not empty\")"
		}
		if e.Action == access.TenantStatus {
			e.Detail = "status=blocked"
		}
		if e.User == "deploy@ci-runner-1" {
			e.Via, e.Remote, e.Role = "cli", "", access.Admin
		}
		out[i] = audit.Entry{ID: id, Entry: e}
	}
	return out
}

func newView(t testing.TB, readOnly bool, w, h int, rows []audit.Entry, more bool) *Model {
	c := uitest.Context(t, readOnly, w, h)
	m := New(c, "")
	m.SetSize(w, h)
	m.SetRows(rows, more)
	return m
}

func TestGoldenViews(t *testing.T) {
	for _, sz := range uitest.Sizes {
		w, h := sz[0], sz[1]-2
		m := newView(t, true, w, h, entries(60), true)
		uitest.Press(m, "down")
		uitest.RequireLines(t, m.View(), h)
		uitest.Golden(t, fmt.Sprintf("audit_%dx%d", sz[0], sz[1]), m.View())

		uitest.Press(m, "down", "down", "down", "enter")
		uitest.RequireLines(t, m.View(), h)
		uitest.Golden(t, fmt.Sprintf("audit_entry_%dx%d", sz[0], sz[1]), m.View())
		uitest.Press(m, "esc")
		require.False(t, m.expanded)

		empty := newView(t, true, w, h, nil, false)
		require.Contains(t, uitest.Plain(empty.View()), "No changes yet")
		uitest.RequireLines(t, empty.View(), h)
	}
}

// Every row is one line of the width; the selected entry's error is
// shown whole below the table (at 80x24 the longest fits the pane).
func TestRowsAndPane(t *testing.T) {
	m := newView(t, false, 80, 22, entries(30), false)
	uitest.Press(m, "down", "down", "down", "down")
	plain := uitest.Plain(m.View())
	lines := strings.Split(plain, "\n")
	for _, l := range lines {
		require.LessOrEqual(t, len([]rune(l)), 80, "%q", l)
	}
	e, _ := m.Cursor()
	require.Equal(t, access.OutcomeFailed, e.Outcome)
	flat := strings.Join(strings.Fields(plain), " ")
	require.Contains(t, flat, strings.Join(strings.Fields("error: "+e.Error), " "))
	require.Contains(t, plain, "Audit · 30 entries, newest first")
}

func TestFilterWords(t *testing.T) {
	require.Equal(t, audit.Filter{User: "ada", Target: "Acme", Action: "tenant", Match: "blocked x"},
		parseFilter(" user:ada tenant:Acme  action:tenant blocked x "))
	require.Equal(t, audit.Filter{Target: "t1", Match: "http://x"}, parseFilter("target:t1 http://x"))
}

// A reader over a slice, newest first, as audit.Newest pages the table.
func sliceReader(all []audit.Entry, reads *[]audit.Filter) Reader {
	return func(_ context.Context, f audit.Filter) ([]audit.Entry, error) {
		*reads = append(*reads, f)
		var out []audit.Entry
		for _, e := range all {
			if (f.Before == 0 || e.ID < f.Before) && (f.User == "" || e.User == f.User) && len(out) < f.Limit {
				out = append(out, e)
			}
		}
		return out, nil
	}
}

// The screen reads a page at a time, the next one when the cursor nears
// the end of what it read; a filter reads afresh.
func TestReadsPagesAsTheCursorGoes(t *testing.T) {
	all := entries(450)
	var reads []audit.Filter
	c := uitest.Context(t, true, 80, 22)
	m := New(c, "")
	m.SetSize(80, 22)
	m.read = sliceReader(all, &reads)
	require.Empty(t, uitest.Drive(m, m.Init()))
	require.Equal(t, pageSize, len(m.rows))
	require.True(t, m.more)
	require.Contains(t, uitest.Plain(m.View()), "200+ entries")

	require.Empty(t, uitest.Drive(m, uitest.Press(m, "pgdown")))
	require.Equal(t, pageSize, len(m.rows), "far from the end: no read")
	for range 40 {
		uitest.Drive(m, uitest.Press(m, "pgdown"))
	}
	require.Equal(t, 450, len(m.rows))
	require.False(t, m.more)
	require.Equal(t, []int64{0, 251, 51}, []int64{reads[0].Before, reads[1].Before, reads[2].Before})
	uitest.Drive(m, uitest.Press(m, "G"))
	e, _ := m.Cursor()
	require.Equal(t, int64(1), e.ID)

	uitest.Press(m, "/")
	require.True(t, m.Capturing())
	for _, k := range uitest.Type("user:vera") {
		m.Update(k)
	}
	uitest.Drive(m, uitest.Press(m, "enter"))
	require.False(t, m.Capturing())
	require.Equal(t, "vera", reads[len(reads)-1].User)
	require.Equal(t, 112, len(m.rows))
	require.Zero(t, m.cursor)
	require.Contains(t, uitest.Plain(m.View()), "filter user:vera")

	// esc clears the filter, then leaves.
	uitest.Drive(m, uitest.Press(m, "esc"))
	require.Equal(t, pageSize, len(m.rows))
	require.Equal(t, []tea.Msg{common.BackMsg{}}, uitest.Msgs(uitest.Press(m, "esc")))
}
