package lifecycle

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
)

// writer appends to table w of a tenant as an application would: each
// write resolves the tenant's domain (503 in maintenance: it waits) and
// inserts on the server the resolver names.
type writer struct {
	ts     *tenants.Service
	res    *resolver.Resolver
	domain string

	mu      sync.Mutex
	pools   map[string]*sqlx.DB
	acked   []int
	refused []time.Time // maintenance, or a failed write
	why     []string
	servers map[string]int
}

func (w *writer) run(ctx context.Context) {
	for n := 1; ctx.Err() == nil; n++ {
		if why := w.write(ctx, n); why != "" && ctx.Err() == nil {
			w.mu.Lock()
			w.refused = append(w.refused, time.Now())
			w.why = append(w.why, why)
			w.mu.Unlock()
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// write makes one write and says why it could not ("" when it did).
func (w *writer) write(ctx context.Context, n int) string {
	t, err := w.res.Resolve(ctx, w.domain)
	if err != nil {
		return err.Error()
	}
	if t.Maintenance != nil {
		return "maintenance"
	}
	w.mu.Lock()
	db := w.pools[t.Server]
	w.mu.Unlock()
	if db == nil {
		if db, err = w.ts.Servers().Open(ctx, t.Server, t.Database); err != nil {
			return err.Error()
		}
		w.mu.Lock()
		w.pools[t.Server] = db
		w.mu.Unlock()
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := db.ExecContext(wctx, "INSERT INTO w (n) VALUES (?)", n); err != nil {
		return t.Server + ": " + err.Error()
	}
	w.mu.Lock()
	w.acked = append(w.acked, n)
	w.servers[t.Server]++
	w.mu.Unlock()
	return ""
}

// TestMoveWithWriterBothFlavours moves a tenant holding the tricky-types
// fixture while a writer appends to it: every table's checksum matches
// the source's as frozen, the registry and the resolver name the second
// server, every write the writer saw succeed is on the target, and the
// writer was refused only inside the freeze window.
func TestMoveWithWriterBothFlavours(t *testing.T) {
	for _, flavour := range []tenants.Flavour{tenants.FlavourArtflow, tenants.FlavourStancl} {
		t.Run(string(flavour), func(t *testing.T) {
			f := newFixture(t, flavour)
			tn := f.tenant(t, "Moving "+string(flavour), true, trickyTypes...)
			res, closeRes, err := resolver.Open(f.ts)
			require.NoError(t, err)
			defer closeRes()
			w := &writer{ts: f.ts, res: res, domain: tn.PrimaryDomain(), pools: map[string]*sqlx.DB{}, servers: map[string]int{}}
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); w.run(ctx) }()
			defer func() {
				stop()
				<-done
				for _, db := range w.pools {
					db.Close()
				}
			}()
			require.Eventually(t, func() bool { w.mu.Lock(); defer w.mu.Unlock(); return len(w.acked) >= 20 }, time.Minute, 5*time.Millisecond)

			var frozeAt time.Time
			var phases []Phase
			m, err := f.ls.Move(context.Background(), MoveRequest{Tenant: tn, To: secondServer}, func(p Progress) {
				if p.Step == "freeze" {
					frozeAt = time.Now()
				}
				if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
					phases = append(phases, p.Phase)
				}
			})
			movedAt := time.Now()
			require.NoError(t, err)
			require.Equal(t, []Phase{PhaseCopying, PhaseFrozen, PhaseSwitched}, phases)
			require.Equal(t, PhaseDone, m.Phase)
			require.Positive(t, m.FreezeMS)
			require.NotNil(t, m.KeepUntil)

			// Writes go on, now on the second server.
			require.Eventually(t, func() bool { w.mu.Lock(); defer w.mu.Unlock(); return w.servers[secondServer] >= 20 }, time.Minute, 5*time.Millisecond)
			stop()
			<-done

			got, err := res.Resolve(context.Background(), tn.PrimaryDomain())
			require.NoError(t, err)
			require.Equal(t, secondServer, got.Server, "the resolver returns the new server")
			require.Nil(t, got.Maintenance)

			w.mu.Lock()
			defer w.mu.Unlock()
			var onTarget []int
			require.NoError(t, f.second.Select(&onTarget, "SELECT n FROM "+tenants.QuoteIdent(tn.Database)+".w ORDER BY n"))
			require.Subset(t, onTarget, w.acked, "every acknowledged write is on the target")
			require.Positive(t, w.servers["central"], "the writer wrote during the copy")
			t.Logf("copy %d ms, freeze %d ms; %d writes acknowledged (%v), %d refused", m.CopyMS, m.FreezeMS, len(w.acked), w.servers, len(w.refused))
			require.NotEmpty(t, w.refused, "the writer met the freeze")
			for i, at := range w.refused {
				require.False(t, at.Before(frozeAt), "refused at %s (%s), before the freeze began at %s", at, w.why[i], frozeAt)
				require.False(t, at.After(movedAt), "refused at %s (%s), after the move ended at %s", at, w.why[i], movedAt)
			}
			// The source is as it was frozen: the target matches it but
			// for the writes made since.
			src := checksumsOn(t, f.env.Server, tn.Database)
			dst := checksumsOn(t, f.second, tn.Database)
			delete(src, "w")
			delete(dst, "w")
			require.Equal(t, src, dst)
			f.requireMoved(t, tn, checksumsOn(t, f.second, tn.Database))
		})
	}
}

// TestMoveRefusals: an unknown server, the tenant's own server, a target
// that already holds the database; the dry run names each problem.
func TestMoveRefusals(t *testing.T) {
	f := newFixture(t, tenants.FlavourArtflow)
	tn := f.tenant(t, "Refused", false, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	ctx := context.Background()
	_, err := f.ls.Move(ctx, MoveRequest{Tenant: tn, To: "nowhere"}, nil)
	require.ErrorContains(t, err, `server "nowhere" is not configured`)
	_, err = f.ls.Move(ctx, MoveRequest{Tenant: tn, To: "central"}, nil)
	require.ErrorContains(t, err, "already on server central")
	_, err = f.ls.Move(ctx, MoveRequest{Tenant: tn}, nil)
	require.ErrorContains(t, err, "no unfinished move")

	plan, err := f.ls.Plan(ctx, tn, secondServer)
	require.NoError(t, err)
	require.Empty(t, plan.Problems)
	require.Equal(t, 1, plan.Tables)
	require.Positive(t, plan.Bytes)
	require.Greater(t, plan.Copy, plan.Freeze)

	_, err = f.second.Exec("CREATE DATABASE " + tenants.QuoteIdent(tn.Database))
	require.NoError(t, err)
	plan, err = f.ls.Plan(ctx, tn, secondServer)
	require.NoError(t, err)
	require.Len(t, plan.Problems, 1)
	_, err = f.ls.Move(ctx, MoveRequest{Tenant: tn, To: secondServer}, nil)
	require.ErrorContains(t, err, "already exists on second")
	moves, err := f.ls.Moves(ctx, "")
	require.NoError(t, err)
	require.Empty(t, moves, "a refused move is not recorded")
}

// TestCleanupDropsDueSources: once --keep-source is up, the cleanup drops
// the source database and the tenant's user there; a source some tenant
// uses again is kept.
func TestCleanupDropsDueSources(t *testing.T) {
	f := newFixture(t, tenants.FlavourArtflow)
	tn := f.tenant(t, "Cleaned", true, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	ctx := context.Background()
	m, err := f.ls.Move(ctx, MoveRequest{Tenant: tn, To: secondServer, KeepSource: time.Second}, nil)
	require.NoError(t, err)
	list, err := f.ls.Cleanup(ctx, true)
	require.NoError(t, err)
	require.Empty(t, list, "not due yet")
	require.Eventually(t, func() bool { return time.Now().After(*m.KeepUntil) }, 5*time.Second, 50*time.Millisecond)
	list, err = f.ls.Cleanup(ctx, true)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.True(t, f.databaseExists(t, f.env.Server, tn.Database), "a dry run drops nothing")
	list, err = f.ls.Cleanup(ctx, false)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Empty(t, list[0].Skipped)
	require.False(t, f.databaseExists(t, f.env.Server, tn.Database))
	var users int
	require.NoError(t, f.env.Server.Get(&users, "SELECT COUNT(*) FROM mysql.user WHERE User = ?", tn.DBUser))
	require.Zero(t, users)
	require.True(t, f.databaseExists(t, f.second, tn.Database), "the tenant's database is untouched")
	cleaned, err := f.ls.Moves(ctx, PhaseCleaned)
	require.NoError(t, err)
	require.Len(t, cleaned, 1)
}
