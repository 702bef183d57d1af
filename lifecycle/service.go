package lifecycle

import (
	"context"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
)

// The actions this package checks and audits (access's table gives their
// roles). A clone creates a tenant (access.TenantCreate); an operator may
// move a tenant (its source is kept, read-only); the cleanup drops
// databases, so it needs an admin, as a restore over a tenant does.
const (
	ActionMove    = access.TenantMove
	ActionCleanup = access.TenantMoveCleanup
)

// Service clones and moves tenants.
type Service struct {
	tenants    *tenants.Service
	backups    *backup.Service
	invalidate func(ctx context.Context, domains []string) error

	// pause, when set (by tests), runs at the named points of a move
	// (pointCopy, pointFrozen, pointSwitched): the kill tests' gate.
	pause func(point string)
}

// Options tune the service.
type Options struct {
	// Invalidate, when set, deletes the resolver cache's entries of the
	// domains (the CLI passes its resolver.Invalidator's): a move calls it
	// once the registry points at the new server.
	Invalidate func(ctx context.Context, domains []string) error
}

// Open returns the service, creating the moves table when it is absent
// (unless read-only).
func Open(ctx context.Context, ts *tenants.Service, bs *backup.Service, opts Options) (*Service, error) {
	if !ts.ReadOnly() {
		if _, err := Init(ctx, ts.Central()); err != nil {
			return nil, err
		}
	}
	return &Service{tenants: ts, backups: bs, invalidate: opts.Invalidate}, nil
}

// Progress is one report from a clone or a move: the phase and step it
// is in, and while data is copied the copy's own progress.
type Progress struct {
	Phase   Phase           `json:"phase"`
	Step    string          `json:"step"`
	Copy    backup.Progress `json:"copy"`
	Message string          `json:"message,omitempty"`
}

func (s *Service) at(point string) {
	if s.pause != nil {
		s.pause(point)
	}
}
