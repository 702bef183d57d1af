package doctor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	health "github.com/tenancy-dev/tenancy/doctor"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/keys"
	"github.com/tenancy-dev/tenancy/ui/styles"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// TestScanAndFixLive scans a real fleet with a tenant whose database was
// dropped: the screen lists it and the header slot says so; its fix,
// applied as the confirmation would, creates the database, and the scan
// that follows no longer finds it.
func TestScanAndFixLive(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the test MariaDB")
	}
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	ctx := context.Background()
	lost, err := svc.Create(ctx, tenants.CreateRequest{Name: "ui health lost"}, nil)
	require.NoError(t, err)
	_, err = svc.Create(ctx, tenants.CreateRequest{Name: "ui health fine"}, nil)
	require.NoError(t, err)
	env.Exec(t, "DROP DATABASE "+tenants.QuoteIdent(lost.Database))

	km, err := keys.New(nil, false)
	require.NoError(t, err)
	c := common.NewContext(ctx, svc, env.Config, km, styles.New(true))
	c.Width, c.Height = 80, 22
	m := New(c)
	m.SetSize(80, 22)
	out := uitest.Drive(m, m.Init())
	var slot common.SlotMsg
	var tasks []common.TaskMsg
	for _, msg := range out {
		switch msg := msg.(type) {
		case common.SlotMsg:
			slot = msg
		case common.TaskMsg:
			tasks = append(tasks, msg)
		}
	}
	require.Equal(t, SlotName, slot.Slot)
	require.Contains(t, slot.Text, "health: ")
	require.Contains(t, slot.Text, "error")
	require.Len(t, tasks, 2, "a footer task starts and ends")
	require.True(t, tasks[1].Done)
	require.NoError(t, m.err)
	var missing health.Finding
	for _, f := range m.rep.Findings {
		if f.Check == "database-missing" && f.Tenant == lost.ID {
			missing = f
		}
	}
	require.Equal(t, health.FixSafe, missing.FixKind, "%+v", m.rep.Findings)
	require.Contains(t, uitest.Plain(m.View()), "database-missing")

	// Mark it and fix it as the dialog's action does.
	for i, e := range m.list {
		if !e.heading() && findingKey(m.rep.Findings[e.finding]) == findingKey(missing) {
			m.cursor = i
		}
	}
	uitest.Press(m, "space")
	plan := health.PlanFixes(health.Report{Findings: m.targets()}, false)
	require.Len(t, plan.Runs, 1)
	out = uitest.Drive(m, apply(c, plan, false))
	require.False(t, m.Busy())
	ok, err := tenants.DatabaseExists(ctx, env.Server, lost.Database)
	require.NoError(t, err)
	require.True(t, ok, "the fix created the database")
	for _, f := range m.rep.Findings {
		require.False(t, f.Check == "database-missing" && f.Tenant == lost.ID, "the rescan no longer finds it")
	}
	require.Empty(t, m.marks)
	var flashed bool
	for _, msg := range out {
		if f, ok := msg.(common.FlashMsg); ok {
			flashed = true
			require.False(t, f.Error, f.Text)
		}
	}
	require.True(t, flashed)

	// Reopened, the screen shows the last scan at once.
	again := New(c)
	require.NotNil(t, again.rep)
}
