package fleet

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// TestPerServerLimit: with --per-server 2 over two servers, no server
// ever runs more than 2 items, counted by the engine and on the server
// (PROCESSLIST rows executing the script's DO SLEEP per tenant database).
func TestPerServerLimit(t *testing.T) {
	f := newFixture(t, "s1", "s2")
	list := append(f.tenants(t, 6, "s1"), f.tenants(t, 6, "s2")...)
	serverOf := map[string]string{}
	for _, tn := range list {
		serverOf[tn.Database] = tn.Server
	}
	run := f.create(t, f.sqlOp(t, "DO SLEEP(0.05);\nINSERT INTO hits VALUES (1);", false),
		Selection{Refs: refs(list)}, Limits{Parallel: 8, PerServer: 2})

	// The watcher samples the server until the run ends.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	serverMax := map[string]int{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			var dbs []string
			err := f.env.Server.Select(&dbs, "SELECT DB FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO LIKE 'DO SLEEP%' AND DB LIKE ?",
				strings.ReplaceAll(f.env.Prefix, "_", `\_`)+"%")
			if err != nil {
				continue
			}
			now := map[string]int{}
			for _, db := range dbs {
				now[serverOf[db]]++
			}
			for s, n := range now {
				serverMax[s] = max(serverMax[s], n)
			}
		}
	}()
	engineMax := map[string]int{}
	done, err := f.fs.Work(context.Background(), run.ID, WorkOptions{Report: func(p Progress) {
		for s, n := range p.PerServer {
			engineMax[s] = max(engineMax[s], n)
		}
		require.LessOrEqual(t, p.Running, 8)
	}})
	close(stop)
	wg.Wait()
	require.NoError(t, err)
	require.Equal(t, RunDone, done.State)
	require.Equal(t, 12, done.Done)
	for _, s := range []string{"s1", "s2"} {
		require.LessOrEqual(t, engineMax[s], 2, "engine: server %s", s)
		require.LessOrEqual(t, serverMax[s], 2, "server side: server %s", s)
		require.GreaterOrEqual(t, serverMax[s], 1, "the watcher saw server %s work", s)
	}
	require.Equal(t, 2, max(engineMax["s1"], engineMax["s2"]), "the limit is used, not only respected")
	for _, tn := range list {
		require.Equal(t, 1, f.hits(t, tn))
	}
}

// TestSQLFailsOnThreeThenFailedOf: an ALTER that fails where the column
// exists fails those 3 tenants with the server's error, the others are
// done and the run is failed; after the fix, --failed-of finishes.
func TestSQLFailsOnThreeThenFailedOf(t *testing.T) {
	f := newFixture(t)
	list := f.tenants(t, 10, config.CentralServerName)
	bad := map[string]bool{}
	for _, tn := range list[2:5] {
		f.execIn(t, tn, "ALTER TABLE hits ADD COLUMN extra INT")
		bad[tn.ID] = true
	}
	op := f.sqlOp(t, "ALTER TABLE hits ADD COLUMN extra INT;\nINSERT INTO hits (n, extra) VALUES (1, 2);", false)
	run := f.create(t, op, Selection{All: true}, Limits{Parallel: 3})
	got, err := f.fs.Work(context.Background(), run.ID, WorkOptions{})
	require.NoError(t, err)
	require.Equal(t, RunFailed, got.State)
	require.Equal(t, 7, got.Done)
	require.Equal(t, 3, got.Failed)
	require.Contains(t, got.Error, "3 of 10 items failed")
	for id, it := range f.items(t, run.ID) {
		if bad[id] {
			require.Equal(t, ItemFailed, it.State)
			require.Contains(t, it.Error, "Duplicate column name 'extra'")
			require.Contains(t, it.Error, "statement 1 of test.sql")
			continue
		}
		require.Equal(t, ItemDone, it.State, it.Error)
		require.Equal(t, 2, it.Result.Statements)
	}
	// The fix: drop the column where it was in the way, retry the failed.
	for _, tn := range list[2:5] {
		f.execIn(t, tn, "ALTER TABLE hits DROP COLUMN extra")
	}
	retry := f.create(t, op, Selection{FailedOf: run.ID}, Limits{})
	require.Equal(t, 3, retry.Total)
	got, err = f.fs.Work(context.Background(), retry.ID, WorkOptions{})
	require.NoError(t, err)
	require.Equal(t, RunDone, got.State)
	require.Equal(t, 3, got.Done)
	for _, tn := range list {
		require.Equal(t, 1, f.hits(t, tn), tn.Name)
	}
}

// TestTwoRunnersSameSelection: two runs over the same tenants at once
// never work one tenant in both at the same time (the tenant lock), and
// both finish every tenant.
func TestTwoRunnersSameSelection(t *testing.T) {
	f := newFixture(t)
	list := f.tenants(t, 8, config.CentralServerName)
	rec := newRecorder(15 * time.Millisecond)
	f.fs.ops.Register("record", func(json.RawMessage) (Operation, error) { return rec, nil })
	a := f.create(t, rec, Selection{All: true}, Limits{Parallel: 4})
	b := f.create(t, rec, Selection{All: true, Order: OrderName}, Limits{Parallel: 4})
	var wg sync.WaitGroup
	results := make([]Run, 2)
	errs := make([]error, 2)
	for i, id := range []int64{a.ID, b.ID} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = f.fs.Work(context.Background(), id, fastTick)
		}()
	}
	wg.Wait()
	for i := range results {
		require.NoError(t, errs[i])
		require.Equal(t, RunDone, results[i].State)
		require.Equal(t, len(list), results[i].Done)
	}
	require.Empty(t, rec.overlaps)
	for _, tn := range list {
		iv := rec.intervals[tn.ID]
		require.Len(t, iv, 2)
		first, second := iv[0], iv[1]
		require.False(t, second[0].Before(first[1]), "tenant %s worked by both runs at once", tn.Name)
	}
}

// TestCanaryThenContinue: a canary of 3 pauses the run after 3 items;
// it will not resume without Continue, which finishes it.
func TestCanaryThenContinue(t *testing.T) {
	f := newFixture(t)
	list := f.tenants(t, 8, config.CentralServerName)
	op := f.sqlOp(t, "INSERT INTO hits VALUES (1)", false)
	run := f.create(t, op, Selection{All: true}, Limits{Parallel: 4, Canary: 3})
	got, err := f.fs.Work(context.Background(), run.ID, WorkOptions{})
	require.NoError(t, err)
	require.Equal(t, RunPaused, got.State)
	require.Equal(t, 3, got.Done)
	require.Nil(t, got.FinishedAt)
	_, err = f.fs.Work(context.Background(), run.ID, WorkOptions{})
	require.ErrorContains(t, err, "paused after its canary")
	got, err = f.fs.Continue(context.Background(), run.ID, WorkOptions{})
	require.NoError(t, err)
	require.Equal(t, RunDone, got.State)
	require.Equal(t, 8, got.Done)
	for _, tn := range list {
		require.Equal(t, 1, f.hits(t, tn))
	}
}

// TestMaxFailures: once more than 2 items failed no new item starts; the
// rest are skipped and the run is failed; Work again resumes the skipped.
func TestMaxFailures(t *testing.T) {
	f := newFixture(t)
	f.tenants(t, 8, config.CentralServerName)
	op := f.sqlOp(t, "INSERT INTO missing_table VALUES (1)", false)
	mf, err := ParseMaxFailures("2")
	require.NoError(t, err)
	run := f.create(t, op, Selection{All: true}, Limits{Parallel: 1, MaxFailures: mf})
	got, err := f.fs.Work(context.Background(), run.ID, WorkOptions{})
	require.NoError(t, err)
	require.Equal(t, RunFailed, got.State)
	require.Equal(t, 3, got.Failed)
	require.Equal(t, 5, got.Skipped)
	require.Contains(t, got.Error, "max failures 2")
	for _, it := range f.items(t, run.ID) {
		if it.State == ItemSkipped {
			require.Equal(t, 0, it.Attempts)
		}
	}

	pct, err := ParseMaxFailures("50%")
	require.NoError(t, err)
	require.False(t, pct.Exceeded(4, 8))
	require.True(t, pct.Exceeded(5, 8))
	_, err = ParseMaxFailures("x%")
	require.Error(t, err)
}

// TestCancel: cancelling the context stops new items, lets running ones
// finish and records cancelled; Cancel from "another process" does the
// same through the run row; resuming finishes the run.
func TestCancel(t *testing.T) {
	f := newFixture(t)
	list := f.tenants(t, 10, config.CentralServerName)
	op := f.sqlOp(t, "DO SLEEP(0.02); INSERT INTO hits VALUES (1)", false)
	run := f.create(t, op, Selection{All: true}, Limits{Parallel: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := fastTick
	opts.Report = func(p Progress) {
		if p.Done >= 2 {
			cancel()
		}
	}
	got, err := f.fs.Work(ctx, run.ID, opts)
	require.NoError(t, err)
	require.Equal(t, RunCancelled, got.State)
	c := countStates(f.items(t, run.ID))
	require.Zero(t, c[ItemRunning])
	require.Zero(t, c[ItemPending])
	require.GreaterOrEqual(t, c[ItemDone], 2)
	require.Equal(t, 10, c[ItemDone]+c[ItemCancelled])

	// Cancel from elsewhere while it works.
	var once sync.Once
	opts.Report = func(p Progress) {
		if p.Done >= c[ItemDone]+2 {
			once.Do(func() {
				_, alive, err := f.fs.Cancel(context.Background(), run.ID)
				require.NoError(t, err)
				require.True(t, alive)
			})
		}
	}
	got, err = f.fs.Work(context.Background(), run.ID, opts)
	require.NoError(t, err)
	require.Equal(t, RunCancelled, got.State)

	// Cancel with nobody working it, then resume to the end.
	got, err = f.fs.Work(context.Background(), run.ID, WorkOptions{})
	require.NoError(t, err)
	require.Equal(t, RunDone, got.State)
	for _, tn := range list {
		require.Equal(t, 1, f.hits(t, tn))
	}
	_, _, err = f.fs.Cancel(context.Background(), run.ID)
	require.ErrorContains(t, err, "already done")

	// A run nobody works is cancelled on the spot.
	idle := f.create(t, op, Selection{All: true}, Limits{})
	got, alive, err := f.fs.Cancel(context.Background(), idle.ID)
	require.NoError(t, err)
	require.False(t, alive)
	require.Equal(t, RunCancelled, got.State)
	require.Equal(t, 10, got.Cancelled)
}

// TestServerDown: the items of a server that does not answer fail fast
// with a sentence naming it; the others finish.
func TestServerDown(t *testing.T) {
	f := newFixture(t)
	f.env.Config.Servers = append(f.env.Config.Servers, config.Server{Name: "gone", DSN: "root@tcp(127.0.0.1:1)/"})
	up := f.tenants(t, 3, config.CentralServerName)
	for i := 0; i < 4; i++ {
		_, err := f.central.Exec("INSERT INTO tenants (id, name, `database`, status, data, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, NOW(), NOW())",
			"gone-"+string(rune('a'+i)), "Gone "+string(rune('A'+i)), f.env.Prefix+"gone_"+string(rune('a'+i)), `{"tenancy_db_connection":"gone"}`)
		require.NoError(t, err)
	}
	run := f.create(t, f.sqlOp(t, "INSERT INTO hits VALUES (1)", false), Selection{All: true}, Limits{Parallel: 2})
	require.Equal(t, 7, run.Total)
	start := time.Now()
	got, err := f.fs.Work(context.Background(), run.ID, WorkOptions{})
	require.NoError(t, err)
	require.Less(t, time.Since(start), 30*time.Second)
	require.Equal(t, RunFailed, got.State)
	require.Equal(t, 3, got.Done)
	require.Equal(t, 4, got.Failed)
	for _, it := range f.items(t, run.ID) {
		if it.Server == "gone" {
			require.Contains(t, it.Error, "database server gone cannot be reached")
		}
	}
	for _, tn := range up {
		require.Equal(t, 1, f.hits(t, tn))
	}
}

// TestPlanChangesNothing: the dry run describes each item and records
// nothing; selection flags combine.
func TestPlanChangesNothing(t *testing.T) {
	f := newFixture(t, "s1")
	a := f.tenants(t, 3, config.CentralServerName)
	f.tenants(t, 2, "s1")
	op := f.sqlOp(t, "INSERT INTO hits VALUES (1); INSERT INTO hits VALUES (2)", true)
	p, err := f.fs.Plan(context.Background(), CreateRequest{Operation: op, Selection: Selection{All: true, Skip: []string{a[0].ID}}})
	require.NoError(t, err)
	require.Len(t, p.Items, 4)
	require.Equal(t, map[string]int{config.CentralServerName: 2, "s1": 2}, p.PerServer)
	require.Contains(t, p.Items[0].Action, "run 2 statements of test.sql in "+p.Items[0].Tenant.Database)
	require.Contains(t, p.Items[0].Action, "in one transaction")
	p, err = f.fs.Plan(context.Background(), CreateRequest{Operation: op, Selection: Selection{Server: "s1", Order: OrderSize}})
	require.NoError(t, err)
	require.Len(t, p.Items, 2)
	runs, err := f.fs.List(context.Background(), 10)
	require.NoError(t, err)
	require.Empty(t, runs)
	for _, tn := range a {
		require.Zero(t, f.hits(t, tn))
	}
	_, err = f.fs.Plan(context.Background(), CreateRequest{Operation: op, Selection: Selection{}})
	require.ErrorContains(t, err, "select tenants")
	_, err = f.fs.Plan(context.Background(), CreateRequest{Operation: op, Selection: Selection{Status: tenants.StatusBlocked}})
	require.ErrorContains(t, err, "matches no tenant")
}

// TestItemReadsItsTenantUnderItsLock: an item works on its tenant as the
// registry has it when the item starts, not as the run's list had it
// (a move or a new database name in between), and fails, doing nothing,
// when its tenant has left the registry.
func TestItemReadsItsTenantUnderItsLock(t *testing.T) {
	f := newFixture(t)
	list := f.tenants(t, 3, config.CentralServerName)
	run := f.create(t, f.sqlOp(t, "INSERT INTO hits VALUES (1);", false), Selection{All: true}, Limits{Parallel: 1})
	// After the run is made: tenant 0 now lives in another database,
	// tenant 1 is gone from the registry.
	moved := list[0]
	moved.Database = f.env.Prefix + "moved_" + uuid.NewString()[:6]
	_, err := f.env.Server.Exec("CREATE DATABASE " + tenants.QuoteIdent(moved.Database))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = f.env.Server.Exec("DROP DATABASE IF EXISTS " + tenants.QuoteIdent(moved.Database)) })
	f.execIn(t, moved, "CREATE TABLE hits (n INT)")
	_, err = f.central.Exec("UPDATE `tenants` SET `database` = ? WHERE `id` = ?", moved.Database, moved.ID)
	require.NoError(t, err)
	_, err = f.central.Exec("DELETE FROM `tenants` WHERE `id` = ?", list[1].ID)
	require.NoError(t, err)

	got, err := f.fs.Work(context.Background(), run.ID, WorkOptions{})
	require.NoError(t, err)
	require.Equal(t, RunFailed, got.State)
	require.Equal(t, 1, f.hits(t, moved), "the item worked in the tenant's database as the registry has it now")
	require.Equal(t, 0, f.hits(t, list[0]), "not in the database the run's list named")
	items := f.items(t, run.ID)
	require.Equal(t, ItemFailed, items[list[1].ID].State)
	require.Contains(t, items[list[1].ID].Error, "no longer in the registry; nothing was done")
	require.Equal(t, 0, f.hits(t, list[1]))
	require.Equal(t, ItemDone, items[list[2].ID].State)
	require.Equal(t, 1, f.hits(t, list[2]))
}
