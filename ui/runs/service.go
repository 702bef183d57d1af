// Package runs is the dashboard's fleet runs screen: the runs recorded in
// the central database (operation, selection, counts, who started them),
// one run's live view (progress bar, a line per server, its items
// filterable by state, the selected item's error and output), the
// actions on a run (cancel, resume, retry failed, continue after the
// canary, each behind a confirmation), and the dialog that starts a run
// on tenants chosen in the tenants table.
package runs

import (
	"context"
	"errors"
	"sync"

	"github.com/tenancy-dev/tenancy/doctor"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/lifecycle"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// Fleet opens the fleet service once for the screens that share it (the
// runs list, the run views it opens, the start dialog): the first caller
// opens it on its goroutine, the others reuse it.
type Fleet struct {
	c   *common.Context
	mu  sync.Mutex
	svc *fleet.Service
	// ops are the operations runs are rebuilt with (the defaults,
	// doctor's repairs and moves, so their runs resume and retry here too).
	ops *fleet.Operations
}

// NewFleet returns an unopened service holder for c.
func NewFleet(c *common.Context) *Fleet {
	ops := doctor.Operations(c.Config)
	lifecycle.Register(ops)
	return &Fleet{c: c, ops: ops}
}

// errNoDatabase is what a screen built without a tenant service says.
var errNoDatabase = errors.New("runs need the central database (no tenant service)")

// Service opens the fleet service (creating the runs tables unless
// read-only) or returns the one opened before.
func (f *Fleet) Service(ctx context.Context) (*fleet.Service, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.svc != nil {
		return f.svc, nil
	}
	if f.c.Service == nil {
		return nil, errNoDatabase
	}
	svc, err := fleet.Open(ctx, f.c.Service, f.ops)
	if err != nil {
		return nil, err
	}
	f.svc = svc
	return svc, nil
}

// fleetOf returns the holder passed as a screen's data, or a new one.
func fleetOf(c *common.Context, data any) *Fleet {
	switch d := data.(type) {
	case *Fleet:
		return d
	case *Job:
		return d.fleet
	}
	return NewFleet(c)
}
