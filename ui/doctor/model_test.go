package doctor

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/access"
	health "github.com/tenancy-dev/tenancy/doctor"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// fixtureReport is a report with findings of several checks and
// severities over uitest's tenants, in the service's order.
func fixtureReport() health.Report {
	ts := uitest.Tenants(12)
	f := func(check string, sev health.Severity, t tenants.Tenant, object, evidence, fix string, kind health.FixKind) health.Finding {
		return health.Finding{Check: check, Severity: sev, Tenant: t.ID, TenantName: t.Name, Server: t.Server, Object: object, Evidence: evidence, Fix: fix, FixKind: kind}
	}
	rep := health.Report{Tenants: len(ts), Servers: 1, Took: 1234 * time.Millisecond, Findings: []health.Finding{
		f("registry-status", health.Error, ts[1], "status", `status "suspended" is not one of active, inactive, blocked: the resolver and middleware treat the tenant as unknown (inactive)`, "none automatic (which status it means is a person's choice): tenancy tenants activate, deactivate or block", health.FixNone),
		f("database-missing", health.Error, ts[2], ts[2].Database, "the row's database "+ts[2].Database+" is not on server central", "create it and run the tenant migrations (run doctor-create-database)", health.FixSafe),
		f("database-missing", health.Error, ts[3], ts[3].Database, "the row's database "+ts[3].Database+" is not on server central", "create it and run the tenant migrations (run doctor-create-database)", health.FixSafe),
		{Check: "database-orphan", Severity: health.Warn, Server: "central", Object: "tenant_0f0e0d0c-1111-4222-8333-000000000abc", Evidence: "no tenant row references it (3 tables)", Fix: "back it up (kind orphan, outside retention, tenant id orphan_<database>), then drop it", FixKind: health.FixDestructive},
		{Check: "database-unmatched", Severity: health.Info, Server: "central", Object: "tenant_reports", Evidence: "unmatched, ignored: the middle is not an id of the fleet's form"},
		f("domain-none", health.Info, ts[4], "", "the tenant has no domain: no host resolves to it", "", health.FixNone),
	}}
	for i := 5; i < 12; i++ {
		rep.Findings = append(rep.Findings, f("domain-none", health.Info, ts[i], "", "the tenant has no domain: no host resolves to it", "", health.FixNone))
	}
	return rep
}

func newScreen(t *testing.T, readOnly bool, w, h int, rep health.Report) *Model {
	t.Helper()
	c := uitest.Context(t, readOnly, w, h)
	m := New(c)
	m.SetSize(w, h)
	m.SetReport(rep, uitest.Now.Add(-3*time.Minute))
	return m
}

func TestGoldenViews(t *testing.T) {
	for _, sz := range uitest.Sizes {
		w, h := sz[0], sz[1]-2
		m := newScreen(t, false, w, h, fixtureReport())
		uitest.Press(m, "down", "space")
		view := m.View()
		uitest.RequireLines(t, view, h)
		for _, l := range strings.Split(uitest.Plain(view), "\n") {
			require.LessOrEqual(t, len([]rune(l)), w, l)
		}
		uitest.Golden(t, fmt.Sprintf("health_%dx%d", sz[0], sz[1]), view)
	}
	empty := newScreen(t, false, 80, 22, health.Report{})
	require.Contains(t, uitest.Plain(empty.View()), "No findings: the fleet is healthy.")
	scanning := New(uitest.Context(t, false, 80, 22))
	scanning.SetSize(80, 22)
	require.Contains(t, uitest.Plain(scanning.View()), "scanning the fleet")
}

func TestCursorFiltersAndMarks(t *testing.T) {
	rep := fixtureReport()
	m := newScreen(t, false, 80, 22, rep)
	f, ok := m.current()
	require.True(t, ok, "the cursor starts on a finding, not a heading")
	require.Equal(t, "registry-status", f.Check)
	uitest.Press(m, "down")
	f, _ = m.current()
	require.Equal(t, "database-missing", f.Check, "the heading of database-missing is skipped")
	uitest.Press(m, "up", "up")
	f, _ = m.current()
	require.Equal(t, "registry-status", f.Check)

	// Severity filter: warn and worse, then errors only, then all.
	uitest.Press(m, "f")
	require.Contains(t, uitest.Plain(m.View()), "warn and worse")
	require.NotContains(t, uitest.Plain(m.View()), "domain-none")
	uitest.Press(m, "f")
	require.NotContains(t, uitest.Plain(m.View()), "database-orphan")
	uitest.Press(m, "f")
	require.Contains(t, uitest.Plain(m.View()), "domain-none")

	// Text filter.
	uitest.Press(m, "/")
	require.True(t, m.Capturing())
	for _, k := range uitest.Type("orphan") {
		m.Update(k)
	}
	uitest.Press(m, "enter")
	require.False(t, m.Capturing())
	f, _ = m.current()
	require.Equal(t, "database-orphan", f.Check)
	require.Len(t, m.list, 2, "one heading, one finding")
	uitest.Press(m, "esc")
	require.Len(t, m.list, len(rep.Findings)+5, "esc clears the filter")

	// Marks: only findings with a fix.
	m.cursor = m.step(-1, 1)
	msgs := uitest.Msgs(uitest.Press(m, "space"))
	require.Len(t, msgs, 1)
	require.Contains(t, msgs[0].(common.FlashMsg).Text, "no automatic fix")
	require.Empty(t, m.marks)
	uitest.Press(m, "down", "space", "space")
	require.Len(t, m.marks, 2)
	uitest.Press(m, "esc")
	require.Empty(t, m.marks, "esc clears the marks first")
	require.IsType(t, common.BackMsg{}, uitest.Msgs(uitest.Press(m, "esc"))[0])

	// A new scan keeps marks of findings still there, drops the others.
	next := fixtureReport()
	m.marks[findingKey(next.Findings[1])] = true
	next.Findings = next.Findings[:2]
	m.SetReport(next, uitest.Now)
	require.Len(t, m.marks, 1)
	next.Findings = next.Findings[:1]
	m.SetReport(next, uitest.Now)
	require.Empty(t, m.marks)
}

func pushed(t *testing.T, m *Model) *confirm.Model {
	t.Helper()
	msgs := uitest.Msgs(uitest.Press(m, "F"))
	require.Len(t, msgs, 1)
	p, ok := msgs[0].(common.PushMsg)
	require.True(t, ok, "%#v", msgs[0])
	d, ok := p.Screen.(*confirm.Model)
	require.True(t, ok)
	d.SetSize(80, 22)
	m.Update(common.PushedMsg{}) // the root pushed it: the guard lets keys through again
	return d
}

func TestFixConfirmationByRole(t *testing.T) {
	// Admin (no principal: the process's own operator): the safe fix and
	// the drop, the drop's database name typed.
	m := newScreen(t, false, 80, 22, fixtureReport())
	uitest.Press(m, "down", "space", "space", "space") // the two missing databases, the orphan (space moves down)
	d := pushed(t, m)
	view := uitest.Plain(d.View())
	require.Contains(t, view, "Fix 3 findings?")
	require.Contains(t, view, "Type tenant_0f0e0d0c-1111-4222-8333-000000000abc")
	require.False(t, d.Enabled())

	// An operator: the drop is left alone, the safe fixes asked.
	c := uitest.Context(t, false, 80, 22)
	c2 := common.NewContext(access.WithPrincipal(context.Background(), access.Principal{User: "otto", Role: access.Operator}), nil, c.Config, c.Keys, c.Styles)
	c2.Now, c2.Width, c2.Height = c.Now, 80, 22
	op := New(c2)
	op.SetSize(80, 22)
	op.SetReport(fixtureReport(), uitest.Now)
	uitest.Press(op, "down", "space", "down", "space") // a missing database, the orphan
	d = pushed(t, op)
	view = uitest.Plain(d.View())
	require.Contains(t, view, "Fix 1 finding?")
	require.Contains(t, view, "1 marked finding left alone")
	require.True(t, d.Enabled(), "no name to type without a drop")
	// Only the drop marked: refused with the reason.
	clear(op.marks)
	uitest.Press(op, "up", "space")
	msgs := uitest.Msgs(uitest.Press(op, "F"))
	require.Contains(t, msgs[0].(common.FlashMsg).Text, "need the admin role")

	// Read-only (viewer): no marks, F says why.
	ro := newScreen(t, true, 80, 22, fixtureReport())
	uitest.Press(ro, "down", "space")
	require.Empty(t, ro.marks)
	msgs = uitest.Msgs(uitest.Press(ro, "F"))
	require.Len(t, msgs, 1)
	require.Equal(t, tenants.ErrReadOnly.Error(), msgs[0].(common.FlashMsg).Text)
	for _, b := range ro.ShortHelp() {
		require.False(t, b.Help().Key == "F" && b.Enabled(), "the fix key is not offered (help hides disabled keys)")
	}
}

func TestIncompleteCheckIsSaid(t *testing.T) {
	rep := fixtureReport()
	rep.Checks = []health.CheckResult{{Name: "servers"}, {Name: "backups", Error: "the backup service is not open: backup checks skipped"}}
	m := newScreen(t, false, 80, 22, health.Report{})
	m.scanID = 7
	_, cmd := m.Update(scannedMsg{id: 7, rep: rep, at: uitest.Now})
	msgs := uitest.Msgs(cmd)
	require.Len(t, msgs, 1)
	flash := msgs[0].(common.FlashMsg)
	require.True(t, flash.Warn)
	require.Contains(t, flash.Text, "the backups check could not run everything")
	require.Contains(t, uitest.Plain(m.View()), "1 check incomplete")
}

func TestSlotText(t *testing.T) {
	text, short := slotText(fixtureReport())
	require.Equal(t, "health: 3 errors", text)
	require.Equal(t, "3 errors", short)
	text, _ = slotText(health.Report{})
	require.Equal(t, "health: ok", text)
}
