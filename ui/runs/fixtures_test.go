package runs

import (
	"fmt"
	"testing"
	"time"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func at(minutesAgo int) *time.Time {
	t := uitest.Now.Add(-time.Duration(minutesAgo) * time.Minute)
	return &t
}

// runFixtures are runs in every state the list shows.
func runFixtures() []runRow {
	base := fleet.Run{Parallel: 4, PerServer: 2, StartedBy: "ops@deploy-1", Host: "deploy-1", PID: 4242}
	mk := func(id int64, state fleet.RunState, op, args, sel string, total, done, failed int, started int) fleet.Run {
		r := base
		r.ID, r.State, r.Operation, r.Args, r.Selection, r.Total, r.Done, r.Failed = id, state, op, args, sel, total, done, failed
		r.CreatedAt, r.StartedAt = *at(started), at(started)
		return r
	}
	running := mk(7, fleet.RunRunning, "exec", `{"argv":["php","artisan","tenants:migrate","--tenants={id}","--force"]}`, `{"all":true}`, 60, 0, 0, 2)
	paused := mk(6, fleet.RunPaused, "sql", `{"file":"add_index.sql"}`, `{"status":"active"}`, 40, 5, 0, 30)
	paused.Canary, paused.CanaryPending = 5, true
	failed := mk(5, fleet.RunFailed, "sql", `{"file":"backfill.sql"}`, `{"filter":"acme"}`, 12, 9, 3, 90)
	done := mk(4, fleet.RunDone, "exec", `{"argv":["true"]}`, `{"refs":["0","1","3"]}`, 3, 3, 0, 60*26)
	stale := mk(3, fleet.RunRunning, "exec", `{"argv":["sleep","5"]}`, `{"server":"eu"}`, 8, 0, 0, 60*50)
	return []runRow{
		{Run: running, alive: true, counts: map[fleet.ItemState]int{fleet.ItemDone: 21, fleet.ItemFailed: 1, fleet.ItemRunning: 4, fleet.ItemPending: 34}},
		{Run: paused, counts: map[fleet.ItemState]int{fleet.ItemDone: 5, fleet.ItemPending: 35}},
		{Run: failed}, {Run: done},
		{Run: stale, counts: map[fleet.ItemState]int{fleet.ItemDone: 2, fleet.ItemRunning: 1, fleet.ItemPending: 5}},
	}
}

// itemFixtures are n items over two servers in every state, with errors
// and output.
func itemFixtures(n int) []fleet.Item {
	states := []fleet.ItemState{fleet.ItemDone, fleet.ItemDone, fleet.ItemRunning, fleet.ItemPending, fleet.ItemFailed, fleet.ItemDone, fleet.ItemSkipped, fleet.ItemCancelled}
	names := []string{"Acme Corp", "Globex", "Initech", "Umbrella Corp", "Hooli", "Stark Industries", "Wayne Enterprises", "Wonka Industries"}
	out := make([]fleet.Item, n)
	for i := range out {
		it := fleet.Item{RunID: 7, TenantID: fmt.Sprintf("t%05d", i), TenantName: names[i%len(names)], Position: i,
			Server: []string{"central", "eu-west"}[(i+i/8)%2], Database: fmt.Sprintf("tenant_%05d", i), State: states[i%len(states)]}
		if i >= len(names) {
			it.TenantName = fmt.Sprintf("%s %d", it.TenantName, i)
		}
		switch it.State {
		case fleet.ItemDone:
			it.Attempts, it.StartedAt, it.FinishedAt = 1, at(2), at(1)
			code := 0
			it.Result = fleet.Result{Summary: "exit 0", ExitCode: &code, Output: "Migrating: 2026_01_01_add_orders\nMigrated:  2026_01_01_add_orders (41ms)\n"}
		case fleet.ItemRunning:
			it.Attempts, it.StartedAt = 1, at(1)
		case fleet.ItemFailed:
			it.Attempts, it.StartedAt, it.FinishedAt = 2, at(2), at(1)
			it.Host, it.PID = "worker-b", 77 // a queue worker took it after the first one died
			it.Error = "exit status 1: SQLSTATE[42S21]: Column already exists: 1060 Duplicate column name 'vip'"
			it.Result = fleet.Result{Output: "Migrating: 2026_01_01_add_vip\nIn Connection.php line 825:\n  SQLSTATE[42S21]: Column already exists: 1060 Duplicate column name 'vip'\n"}
		case fleet.ItemSkipped:
			it.Error = "not started: more than 2 items failed"
		case fleet.ItemCancelled:
			it.Error = "not started: the run was cancelled"
		}
		out[i] = it
	}
	return out
}

func newRunView(t testing.TB, items []fleet.Item, readOnly bool, w, h int) (*Run, *common.Context) {
	c := uitest.Context(t, readOnly, w, h)
	m := NewRun(c, NewFleet(c), 7, nil)
	m.SetSize(w, h)
	r := runFixtures()[0].Run
	r.Total = len(items)
	m.SetRun(r, true, items)
	return m, c
}

func newListView(t testing.TB, readOnly bool, w, h int) (*List, *common.Context) {
	c := uitest.Context(t, readOnly, w, h)
	m := NewList(c, NewFleet(c))
	m.SetSize(w, h)
	m.SetRows(runFixtures())
	return m, c
}
