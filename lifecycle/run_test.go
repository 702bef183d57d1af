package lifecycle

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

// thirdServer is another [[servers]] name for the main test server: its
// tenants' moves start from a server other than central, so the engine's
// limit per source server lets them run beside central's.
const thirdServer = "third"

// smallTable is a tenant schema that moves quickly.
var smallTable = []string{
	"CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(50))",
	"INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_2000",
}

// fleetService opens the runs service with the move operation known.
func (f *fixture) fleetService(t *testing.T) *fleet.Service {
	t.Helper()
	ops := fleet.DefaultOperations()
	Register(ops)
	fs, err := fleet.Open(context.Background(), f.ts, ops)
	require.NoError(t, err)
	return fs
}

func ids(list ...tenants.Tenant) []string {
	var out []string
	for _, tn := range list {
		out = append(out, tn.ID)
	}
	return out
}

// TestMoveRunToSecondServer moves four tenants (two from central, two
// from a third server name) to the second server as one run with
// --per-server 1: the run is done, every item says what it copied, every
// tenant's registry row names the second server and every table's
// checksum there matches the source's. The engine starts a central and a
// third item at once (their sources differ), but the moves themselves
// never overlap: each took the target's one slot.
func TestMoveRunToSecondServer(t *testing.T) {
	f := newFixture(t, tenants.FlavourArtflow)
	f.env.Config.Servers = append(f.env.Config.Servers, config.Server{Name: thirdServer, DSN: testdb.DSN()})
	ctx := context.Background()
	list := []tenants.Tenant{
		f.tenant(t, "Run A", true, trickyTypes...),
		f.tenant(t, "Run B", false, smallTable...),
		f.tenantOn(t, thirdServer, "Run C", true, smallTable...),
		f.tenantOn(t, thirdServer, "Run D", false, smallTable...),
	}
	before := map[string]map[string]int64{}
	for _, tn := range list {
		before[tn.ID] = checksumsOn(t, f.env.Server, tn.Database)
	}

	fs := f.fleetService(t)
	op, err := NewMoveOp(secondServer, nil, time.Hour, 1, 0)
	require.NoError(t, err)
	run, err := fs.Create(ctx, fleet.CreateRequest{Operation: op, Selection: fleet.Selection{Refs: ids(list...)},
		Limits: fleet.Limits{Parallel: 4, PerServer: 1}})
	require.NoError(t, err)
	run, err = fs.Work(ctx, run.ID, fleet.WorkOptions{})
	require.NoError(t, err)
	require.Equal(t, fleet.RunDone, run.State, run.Error)

	items, err := fs.Items(ctx, run.ID)
	require.NoError(t, err)
	require.Len(t, items, len(list))
	byServer := map[string][]fleet.Item{}
	for _, it := range items {
		require.Equal(t, fleet.ItemDone, it.State, it.Error)
		require.Contains(t, it.Result.Summary, "moved "+it.Server+" -> "+secondServer)
		require.Contains(t, it.Result.Summary, "writes frozen")
		byServer[it.Server] = append(byServer[it.Server], it)
	}
	for _, tn := range list {
		got, err := f.ts.Get(ctx, tn.ID)
		require.NoError(t, err)
		require.Equal(t, secondServer, got.Server, "the registry points at the target")
		require.Nil(t, got.Maintenance, "the tenant is up again")
		require.Equal(t, before[tn.ID], checksumsOn(t, f.second, tn.Database), "tenant %s: every table's checksum matches", tn.Name)
	}

	moves, err := f.ls.Moves(ctx, PhaseDone)
	require.NoError(t, err)
	require.Len(t, moves, len(list))
	slices.SortFunc(moves, func(a, b Move) int { return a.StartedAt.Compare(b.StartedAt) })
	for i := 1; i < len(moves); i++ {
		require.False(t, moves[i].StartedAt.Before(*moves[i-1].FinishedAt),
			"the move of %s started at %s, before the move of %s ended at %s: the target's limit of 1 did not hold",
			moves[i].TenantID, moves[i].StartedAt, moves[i-1].TenantID, *moves[i-1].FinishedAt)
	}
	c, th := byServer[config.CentralServerName][0], byServer[thirdServer][0]
	require.True(t, c.StartedAt.Before(*th.FinishedAt) && th.StartedAt.Before(*c.FinishedAt),
		"the engine ran a central and a third item at once (so the target's slot is what kept their moves apart)")
}

// TestMoveRunResumedAndRetried: a run whose process died after moving a
// tenant but before recording its item is resumed: that tenant is done
// ("already on second"), not failed; a tenant whose plan is refused (its
// database already exists on the target) fails with the plan's problem,
// which the dry run showed; once that is fixed, a run of the failed items
// (its operation rebuilt from the recorded arguments, as `runs resume`,
// the dashboard and workers do) moves it. On the stancl flavour.
func TestMoveRunResumedAndRetried(t *testing.T) {
	f := newFixture(t, tenants.FlavourStancl)
	ctx := context.Background()
	a := f.tenant(t, "Again A", true, smallTable...)
	b := f.tenant(t, "Again B", false, smallTable...)
	c := f.tenant(t, "Again C", false, smallTable...)
	_, err := f.second.Exec("CREATE DATABASE " + tenants.QuoteIdent(c.Database))
	require.NoError(t, err)

	fs := f.fleetService(t)
	op, err := NewMoveOp(secondServer, nil, 0, 2, 0)
	require.NoError(t, err)
	op.WithService(f.ls)
	req := fleet.CreateRequest{Operation: op, Selection: fleet.Selection{Refs: ids(a, b, c)}, Limits: fleet.Limits{Parallel: 2, PerServer: 2}}
	plan, err := fs.Plan(ctx, req)
	require.NoError(t, err)
	require.Len(t, plan.Items, 3)
	actions := map[string]string{}
	for _, it := range plan.Items {
		actions[it.Tenant.ID] = it.Action
	}
	require.Contains(t, actions[a.ID], "central -> second")
	require.Contains(t, actions[a.ID], "writes frozen ~")
	require.Contains(t, actions[c.ID], "refused: database "+c.Database+" already exists on second")

	run, err := fs.Create(ctx, req)
	require.NoError(t, err)
	// A process died after moving a, before recording its item.
	_, err = f.ls.Move(ctx, MoveRequest{Tenant: a, To: secondServer}, nil)
	require.NoError(t, err)
	_, err = f.central.Exec("UPDATE `tenancy_run_items` SET `state` = ?, `attempts` = 1, `started_at` = UTC_TIMESTAMP(6) WHERE `run_id` = ? AND `tenant_id` = ?", fleet.ItemRunning, run.ID, a.ID)
	require.NoError(t, err)
	_, err = f.central.Exec("UPDATE `tenancy_runs` SET `state` = ?, `host` = 'gone', `pid` = 1 WHERE `id` = ?", fleet.RunRunning, run.ID)
	require.NoError(t, err)

	run, err = fs.Work(ctx, run.ID, fleet.WorkOptions{})
	require.NoError(t, err)
	require.Equal(t, fleet.RunFailed, run.State)
	items, err := fs.Items(ctx, run.ID)
	require.NoError(t, err)
	got := map[string]fleet.Item{}
	for _, it := range items {
		got[it.TenantID] = it
	}
	require.Equal(t, fleet.ItemDone, got[a.ID].State, got[a.ID].Error)
	require.Equal(t, "already on second", got[a.ID].Result.Summary)
	require.Equal(t, 2, got[a.ID].Attempts)
	require.Equal(t, fleet.ItemDone, got[b.ID].State, got[b.ID].Error)
	require.Contains(t, got[b.ID].Result.Summary, "moved central -> second")
	require.Equal(t, fleet.ItemFailed, got[c.ID].State)
	require.Contains(t, got[c.ID].Error, "already exists on second")

	_, err = f.second.Exec("DROP DATABASE " + tenants.QuoteIdent(c.Database))
	require.NoError(t, err)
	// The rebuilt operation opens its own service, whose cache invalidator
	// comes from the config (as in a worker or the dashboard): c's cached
	// entry goes once c is on the second server.
	cfg := f.env.Config
	cfg.Redis.URL, cfg.Cache.KeyPrefix, cfg.Cache.Channel = "redis://"+testdb.RedisAddr()+"/0", f.env.Prefix+":", f.env.Prefix+":invalidate"
	rc, err := resolver.NewRedisClient(cfg.Redis.URL, time.Second)
	require.NoError(t, err)
	defer rc.Close()
	cached := cfg.Cache.KeyPrefix + "domain:{" + c.PrimaryDomain() + "}"
	require.NoError(t, rc.Set(ctx, cached, "stale", time.Minute).Err())
	defer rc.Del(ctx, cached, cfg.Cache.KeyPrefix+"version:{"+c.PrimaryDomain()+"}")
	rebuilt, err := fs.Operations().Build(run.Operation, json.RawMessage(run.Args))
	require.NoError(t, err)
	require.Equal(t, op.Scope, rebuilt.(*MoveOp).Scope, "the slots' scope is recorded with the run")
	retry, err := fs.Create(ctx, fleet.CreateRequest{Operation: rebuilt, Selection: fleet.Selection{FailedOf: run.ID}, Limits: fleet.Limits{Parallel: 2, PerServer: 2}})
	require.NoError(t, err)
	require.Equal(t, 1, retry.Total)
	retry, err = fs.Work(ctx, retry.ID, fleet.WorkOptions{})
	require.NoError(t, err)
	require.Equal(t, fleet.RunDone, retry.State, retry.Error)
	require.Zero(t, rc.Exists(ctx, cached).Val(), "the moved tenant's cache entry was deleted")
	for _, tn := range []tenants.Tenant{a, b, c} {
		now, err := f.ts.Get(ctx, tn.ID)
		require.NoError(t, err)
		require.Equal(t, secondServer, now.Server)
	}
	plan, err = fs.Plan(ctx, fleet.CreateRequest{Operation: op, Selection: fleet.Selection{Refs: ids(a)}})
	require.NoError(t, err)
	require.Equal(t, "nothing: already on second", plan.Items[0].Action)
}

// TestMoveSlots: a move takes a slot of each of its servers or none; it
// waits while one end has no free slot, and gets it once it is given
// back; the limit is per server; a long server name still makes a valid
// lock name.
func TestMoveSlots(t *testing.T) {
	db := testdb.New(t).Server
	ctx := context.Background()
	pool := slots{central: db, scope: newScope(), per: 1}

	xy, _, err := pool.take(ctx, "x", "y")
	require.NoError(t, err)
	z, _, err := pool.take(ctx, "z")
	require.NoError(t, err, "another server's slot is free")
	short, cancel := context.WithTimeout(ctx, 600*time.Millisecond)
	_, _, err = pool.take(short, "w", "y")
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded, "y's one slot is held")
	w, _, err := pool.take(ctx, "w")
	require.NoError(t, err, "the waiting move gave w's slot back: all or none")
	w.release()

	got := make(chan error, 1)
	go func() {
		h, _, err := pool.take(ctx, "y", "w")
		h.release()
		got <- err
	}()
	xy.release()
	select {
	case err := <-got:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("the slot given back was never taken")
	}
	z.release()

	two := slots{central: db, scope: newScope(), per: 2}
	h1, _, err := two.take(ctx, "x")
	require.NoError(t, err)
	h2, _, err := two.take(ctx, "x")
	require.NoError(t, err, "a limit of 2 holds two moves")
	h1.release()
	h2.release()

	long := strings.Repeat("s", 100)
	require.LessOrEqual(t, len(pool.lockName(long, 9)), 64)
	h, _, err := pool.take(ctx, long)
	require.NoError(t, err)
	h.release()
}
