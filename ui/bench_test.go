package ui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/ui/runs"
	"github.com/tenancy-dev/tenancy/ui/tenantlist"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// BenchmarkFrame10k renders a whole frame (header, table, footer) at
// 120x40 with 10,000 tenants loaded.
func BenchmarkFrame10k(b *testing.B) {
	t := &testing.T{}
	c := uitest.Context(t, false, 120, 38)
	m, err := New(c, NewRegistry(), Home)
	if err != nil {
		b.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.stack[0].(*tenantlist.Model).SetTenants(uitest.Tenants(10000))
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkRunFrame10k renders a whole frame (header, a run's live
// view, footer) at 120x40 with a run of 10,000 items; the cursor is
// mid-table so the table scrolls.
func BenchmarkRunFrame10k(b *testing.B) {
	t := &testing.T{}
	c := uitest.Context(t, false, 120, 38)
	m, err := New(c, NewRegistry(), Home)
	if err != nil {
		b.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	run := runs.NewRun(c, runs.NewFleet(c), 7, nil)
	run.SetRun(fleet.Run{ID: 7, Operation: "exec", Args: `{"argv":["php","artisan","migrate"]}`, State: fleet.RunRunning,
		Total: 10000, Parallel: 8, PerServer: 4, StartedBy: "ops@deploy-1", CreatedAt: uitest.Now}, true, benchItems(10000))
	m.push(run)
	for range 5000 {
		run.Update(uitest.Key("j"))
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

func benchItems(n int) []fleet.Item {
	states := []fleet.ItemState{fleet.ItemDone, fleet.ItemDone, fleet.ItemRunning, fleet.ItemPending, fleet.ItemFailed}
	out := make([]fleet.Item, n)
	start, end := uitest.Now.Add(-time.Minute), uitest.Now
	for i := range out {
		out[i] = fleet.Item{RunID: 7, TenantID: fmt.Sprintf("t%05d", i), TenantName: fmt.Sprintf("Tenant %d", i), Position: i,
			Server: fmt.Sprintf("db%d", i%4), Database: fmt.Sprintf("tenant_%05d", i), State: states[i%len(states)],
			Attempts: 1, StartedAt: &start, FinishedAt: &end, Error: "exit status 1: Duplicate column name 'vip'",
			Result: fleet.Result{Summary: "exit 1", Output: "Migrating\nIn Connection.php line 825:\n  SQLSTATE[42S21]\n"}}
	}
	return out
}
