package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
)

// DefaultKeepSource is how long a move keeps the source database
// (read-only) before `tenants move --cleanup` may drop it.
const DefaultKeepSource = 24 * time.Hour

// The points where tests pause a move to kill it.
const (
	pointCopy     = "copy"     // rows are being copied
	pointFrozen   = "frozen"   // writes frozen, second pass and verify done
	pointSwitched = "switched" // the registry points at the target
)

// MoveRequest says which tenant goes where.
type MoveRequest struct {
	Tenant tenants.Tenant
	// To is a [[servers]] name (or central). Empty resumes the tenant's
	// unfinished move.
	To string
	// KeepSource is how long the source stays (read-only) before a
	// cleanup may drop it; 0 takes DefaultKeepSource.
	KeepSource time.Duration
}

// Move moves a tenant's database to another server: copy (streamed),
// freeze writes (maintenance mode and a read lock on the source's
// tables, under the tenant's lock), copy again the tables whose CHECKSUM
// TABLE changed, verify every table's checksum on both sides, switch the
// registry (the user recreated on the target with its grants first),
// invalidate the cache, unfreeze; the source is left read-only for
// KeepSource. Each phase is recorded in tenancy_moves: a move whose
// process died is resumed by the next Move of the tenant (or rolled back
// by Abort). A failure before the switch rolls the move back.
func (s *Service) Move(ctx context.Context, req MoveRequest, progress func(Progress)) (_ Move, err error) {
	t := req.Tenant
	if err := access.Require(ctx, ActionMove, t.ID); err != nil {
		return Move{}, err
	}
	defer access.Done(ctx, ActionMove, t.ID, &err, "to="+req.To)
	lock, err := s.lock(ctx, t)
	if err != nil {
		return Move{}, err
	}
	defer lock.Release()
	ctx = tenants.WithHeldLock(ctx, lock)
	if t, err = s.tenants.Current(ctx, t.ID); err != nil {
		return Move{}, err
	}
	m, err := activeMove(ctx, s.tenants.Central(), t.ID)
	switch {
	case err != nil:
		return Move{}, err
	case m != nil && req.To != "" && req.To != m.To:
		return *m, fmt.Errorf("tenant %s has an unfinished move to %s (phase %s): resume it with `tenancy tenants move %s --resume` or roll it back with --abort", t.ID, m.To, m.Phase, t.ID)
	case m == nil && req.To == "":
		return Move{}, fmt.Errorf("tenant %s has no unfinished move to resume: give --to SERVER", t.ID)
	case m == nil:
		if m, err = s.start(ctx, t, req); err != nil {
			return Move{}, err
		}
	}
	r := &mover{s: s, m: m, t: t, report: reporter(progress)}
	if r.from, err = s.tenants.Servers().DB(ctx, m.From); err != nil {
		return *m, err
	}
	if r.to, err = s.tenants.Servers().DB(ctx, m.To); err != nil {
		return *m, err
	}
	return r.run(ctx)
}

// start checks the move can begin and records it.
func (s *Service) start(ctx context.Context, t tenants.Tenant, req MoveRequest) (*Move, error) {
	if _, ok := s.tenants.Config().Server(req.To); !ok {
		return nil, fmt.Errorf("server %q is not configured (known: %s)", req.To, strings.Join(s.tenants.Servers().Names(), ", "))
	}
	if req.To == t.Server {
		return nil, fmt.Errorf("tenant %s is already on server %s", t.ID, t.Server)
	}
	to, err := s.tenants.Servers().DB(ctx, req.To)
	if err != nil {
		return nil, err
	}
	if exists, err := tenants.DatabaseExists(ctx, to, t.Database); err != nil {
		return nil, err
	} else if exists {
		return nil, fmt.Errorf("database %s already exists on %s: a move never overwrites one (if an earlier move kept it there, run `tenancy tenants move --cleanup` once its time is up, or drop it)", t.Database, req.To)
	}
	keep := req.KeepSource
	if keep <= 0 {
		keep = DefaultKeepSource
	}
	m := &Move{TenantID: t.ID, Database: t.Database, DBUser: t.DBUser, From: t.Server, To: req.To,
		WasDown: t.Maintenance != nil, KeepSource: int64(keep / time.Second)}
	return m, insertMove(ctx, s.tenants.Central(), m)
}

// mover runs one move from its recorded phase.
type mover struct {
	s        *Service
	m        *Move
	t        tenants.Tenant
	from, to *sqlx.DB
	report   func(Progress)
	barrier  *barrier
	frozeAt  time.Time
	// copied holds the target's checksums taken right after the copy
	// (nothing else writes there), so that only the source's are read
	// inside the freeze; nil when resuming a frozen move.
	copied map[string]int64
}

func (r *mover) run(ctx context.Context) (Move, error) {
	defer r.barrier.release()
	if r.m.Phase == PhaseCopying {
		if err := r.copy(ctx); err != nil {
			return r.rollback(ctx, err)
		}
	}
	if r.m.Phase == PhaseFrozen {
		if err := r.freezeAndSwitch(ctx); err != nil {
			if r.m.Phase == PhaseFrozen {
				return r.rollback(ctx, err)
			}
			return *r.m, r.unfinished(err)
		}
	}
	if r.m.Phase == PhaseSwitched {
		if err := r.finish(ctx); err != nil {
			return *r.m, r.unfinished(err)
		}
	}
	return *r.m, nil
}

func (r *mover) step(step, msg string) {
	r.report(Progress{Phase: r.m.Phase, Step: step, Message: msg})
}

// copy makes the target database and streams the source into it. A
// target left by a killed copy is dropped first: the record says it is
// this move's.
func (r *mover) copy(ctx context.Context) error {
	m := r.m
	r.step("prepare", "create database "+m.Database+" on "+m.To)
	if err := tenants.DropDatabase(ctx, r.to, m.Database); err != nil {
		return err
	}
	var charset, collation string
	err := r.from.QueryRowxContext(ctx, "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", m.Database).Scan(&charset, &collation)
	if err != nil {
		return fmt.Errorf("read database %s on %s: %w", m.Database, m.From, err)
	}
	// Names read from information_schema, quoted as strings.
	if _, err := r.to.ExecContext(ctx, "CREATE DATABASE "+tenants.QuoteIdent(m.Database)+" CHARACTER SET "+tenants.QuoteString(charset)+" COLLATE "+tenants.QuoteString(collation)); err != nil {
		return fmt.Errorf("create database %s on %s: %w", m.Database, m.To, err)
	}
	if m.DBUser != "" {
		r.step("user", "recreate user "+m.DBUser+" on "+m.To)
		if err := copyUser(ctx, r.from, r.to, m.DBUser); err != nil {
			return err
		}
	}
	start, paused := time.Now(), false
	res, err := r.s.backups.Copy(ctx, r.t, m.To, m.Database, func(p backup.Progress) {
		r.report(Progress{Phase: PhaseCopying, Step: "copy", Copy: p})
		if p.Done > 0 && !paused {
			paused = true
			r.s.at(pointCopy)
		}
	})
	if err != nil {
		return err
	}
	r.step("checksum", "CHECKSUM TABLE of every table of the copy, before the freeze")
	if r.copied, err = checksums(ctx, r.to, m.Database, nil, r.workers()); err != nil {
		return err
	}
	m.Bytes, m.CopyMS = res.Bytes, time.Since(start).Milliseconds()
	return setPhase(ctx, r.s.tenants.Central(), m, PhaseFrozen)
}

// freezeAndSwitch freezes writes, copies what changed, verifies and
// switches the registry.
func (r *mover) freezeAndSwitch(ctx context.Context) error {
	m := r.m
	r.frozeAt = time.Now()
	r.step("freeze", "maintenance mode and a read lock on the source's tables")
	if !m.WasDown {
		down := tenants.DownRequest{Message: "This site is moving to another server and will be back in a moment.", Retry: 30}
		if _, err := r.s.tenants.Down(ctx, r.t, down); err != nil {
			return err
		}
	}
	var err error
	if r.barrier, err = holdBarrier(ctx, r.from, m.Database); err != nil {
		return err
	}
	r.step("compare", "CHECKSUM TABLE of every table of the source, against the copy's")
	src, dst, err := r.checksumBoth(ctx)
	if err != nil {
		return err
	}
	changed, extra := differences(src, dst)
	for _, n := range extra {
		if _, err := r.to.ExecContext(ctx, "DROP TABLE IF EXISTS "+tenants.QuoteIdent(m.Database)+"."+tenants.QuoteIdent(n)); err != nil {
			return fmt.Errorf("drop table %s, gone from the source, on the target: %w", n, err)
		}
	}
	if len(changed) > 0 {
		r.step("second pass", fmt.Sprintf("copy again %d changed table(s): %s", len(changed), strings.Join(changed, ", ")))
		if _, err := r.s.backups.CopyTables(ctx, r.t, m.To, m.Database, changed, nil); err != nil {
			return err
		}
		r.step("verify", "CHECKSUM TABLE of every table of the target")
		if dst, err = checksums(ctx, r.to, m.Database, nil, r.workers()); err != nil {
			return err
		}
		if changed, extra = differences(src, dst); len(changed)+len(extra) > 0 {
			return fmt.Errorf("verify the copy on %s: table(s) %s differ from the source's after the second pass", m.To, strings.Join(append(changed, extra...), ", "))
		}
	}
	r.s.at(pointFrozen)
	r.step("switch", "point the registry at "+m.To)
	tx, err := r.s.tenants.Central().BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("switch tenant %s to %s: %w", m.TenantID, m.To, err)
	}
	if err := switchServer(ctx, tx, m.TenantID, m.To); err != nil {
		_ = tx.Rollback()
		return err
	}
	// The phase commits with the registry: a resumed move knows for sure
	// whether the tenant was switched.
	if err := setPhase(ctx, tx, m, PhaseSwitched); err != nil {
		_ = tx.Rollback()
		m.Phase = PhaseFrozen
		return err
	}
	if err := tx.Commit(); err != nil {
		m.Phase = PhaseFrozen
		return fmt.Errorf("switch tenant %s to %s: %w", m.TenantID, m.To, err)
	}
	return nil
}

// checksumBoth reads every table's checksum of the source, and of the
// target unless the copy just took them, both servers at once.
func (r *mover) checksumBoth(ctx context.Context) (src, dst map[string]int64, err error) {
	if r.copied != nil {
		src, err = checksums(ctx, r.from, r.m.Database, nil, r.workers())
		return src, r.copied, err
	}
	done := make(chan error, 1)
	go func() {
		var err error
		dst, err = checksums(ctx, r.to, r.m.Database, nil, r.workers())
		done <- err
	}()
	src, err = checksums(ctx, r.from, r.m.Database, nil, r.workers())
	return src, dst, errors.Join(err, <-done)
}

func (r *mover) workers() int { return r.s.tenants.Config().Backup.Workers }

// differences lists the tables whose checksum differs or that the target
// lacks (changed), and those only the target has (extra).
func differences(src, dst map[string]int64) (changed, extra []string) {
	for n, sum := range src {
		if got, ok := dst[n]; !ok || got != sum {
			changed = append(changed, n)
		}
	}
	for n := range dst {
		if _, ok := src[n]; !ok {
			extra = append(extra, n)
		}
	}
	return changed, extra
}

// finish closes the source (its sessions ended, the user's writes there
// revoked), unfreezes and invalidates the cache.
func (r *mover) finish(ctx context.Context) error {
	m := r.m
	r.s.at(pointSwitched)
	r.step("close source", "end the sessions on the source and leave it read-only")
	var keep int64
	if r.barrier != nil {
		keep = r.barrier.id
	}
	if err := killSessions(ctx, r.from, m.Database, m.DBUser, keep); err != nil {
		return err
	}
	if m.DBUser != "" {
		if err := readOnlyUser(ctx, r.from, m.DBUser, m.Database); err != nil {
			return err
		}
	}
	r.barrier.release()
	t, err := r.s.tenants.Current(ctx, m.TenantID)
	if err != nil {
		return err
	}
	if !m.WasDown {
		r.step("unfreeze", "bring the tenant up")
		if _, err := r.s.tenants.Up(ctx, t); err != nil {
			return err
		}
	}
	if r.s.invalidate != nil {
		if err := r.s.invalidate(ctx, t.Domains); err != nil {
			return fmt.Errorf("the tenant is on %s but its cache entries could not be deleted (run `tenancy cache clear %s`): %w", m.To, m.TenantID, err)
		}
	}
	if !r.frozeAt.IsZero() {
		m.FreezeMS = time.Since(r.frozeAt).Milliseconds()
	}
	until := time.Now().UTC().Add(time.Duration(m.KeepSource) * time.Second)
	m.KeepUntil = &until
	return setPhase(ctx, r.s.tenants.Central(), m, PhaseDone)
}
