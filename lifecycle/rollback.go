package lifecycle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/tenants"
)

// rollback undoes a move that failed before its switch: the target
// database and user go, the tenant comes back up.
func (r *mover) rollback(ctx context.Context, cause error) (Move, error) {
	m := r.m
	r.barrier.release()
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	undo := tenants.DropDatabase(uctx, r.to, m.Database)
	if m.DBUser != "" {
		undo = errors.Join(undo, dropUser(uctx, r.to, m.DBUser))
	}
	if !m.WasDown {
		if t, err := r.s.tenants.Current(uctx, m.TenantID); err != nil {
			undo = errors.Join(undo, err)
		} else if _, err := r.s.tenants.Up(uctx, t); err != nil {
			undo = errors.Join(undo, err)
		}
	}
	m.Error = sql.NullString{String: cause.Error(), Valid: true}
	if undo != nil {
		return *m, fmt.Errorf("move tenant %s to %s: %w; rolling it back also failed (run `tenancy tenants move %s --abort` again): %v", m.TenantID, m.To, cause, m.TenantID, undo)
	}
	if err := setPhase(uctx, r.s.tenants.Central(), m, PhaseRolledBack); err != nil {
		return *m, errors.Join(cause, err)
	}
	return *m, fmt.Errorf("move tenant %s to %s: %w (rolled back: the tenant stays on %s)", m.TenantID, m.To, cause, m.From)
}

// unfinished explains a failure after the switch: the tenant is on the
// target; what is left is finished by resuming.
func (r *mover) unfinished(err error) error {
	return fmt.Errorf("move tenant %s to %s: the registry already points at %s, but finishing failed: %w; run `tenancy tenants move %s --resume` to finish", r.m.TenantID, r.m.To, r.m.To, err, r.m.TenantID)
}

// Abort rolls back a tenant's unfinished move that has not switched yet
// (its process was killed).
func (s *Service) Abort(ctx context.Context, t tenants.Tenant) (_ Move, err error) {
	if err := access.Require(ctx, ActionMove, t.ID); err != nil {
		return Move{}, err
	}
	defer access.Done(ctx, ActionMove, t.ID, &err, "abort")
	lock, err := s.lock(ctx, t)
	if err != nil {
		return Move{}, err
	}
	defer lock.Release()
	m, err := activeMove(ctx, s.tenants.Central(), t.ID)
	if err != nil {
		return Move{}, err
	}
	if m == nil {
		return Move{}, fmt.Errorf("tenant %s has no unfinished move", t.ID)
	}
	if m.Phase == PhaseSwitched {
		return *m, fmt.Errorf("the move of tenant %s has switched: the registry points at %s; finish it with --resume", t.ID, m.To)
	}
	r := &mover{s: s, m: m, t: t, report: reporter(nil)}
	if r.to, err = s.tenants.Servers().DB(ctx, m.To); err != nil {
		return *m, err
	}
	moved, err := r.rollback(ctx, errors.New("aborted"))
	if moved.Phase == PhaseRolledBack {
		return moved, nil
	}
	return moved, err
}

// lock refuses a move's write in read-only mode and takes the tenant's
// lock, which a move holds from start to end.
func (s *Service) lock(ctx context.Context, t tenants.Tenant) (*tenants.Lock, error) {
	if s.tenants.ReadOnly() {
		return nil, tenants.ErrReadOnly
	}
	return tenants.AcquireLock(ctx, s.tenants.Central(), t.ID)
}
