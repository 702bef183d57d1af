package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
)

// CloneRequest names the tenant to copy and the new one.
type CloneRequest struct {
	Source  tenants.Tenant
	Name    string
	Domains []string
	// Server defaults to the server with the fewest tenants.
	Server string
}

// Clone creates a tenant through the tenant service's create path (its
// naming, a database user when Source has one, grants, records) whose
// database is a copy of Source's as of one instant, streamed with no
// file. The new tenant stays inactive until its data is in, then takes
// Source's status. If anything fails, the new tenant is deleted whole
// (database, user, records).
func (s *Service) Clone(ctx context.Context, req CloneRequest, progress func(Progress)) (t tenants.Tenant, err error) {
	if err := access.Require(ctx, access.TenantCreate, req.Name); err != nil {
		return tenants.Tenant{}, err
	}
	defer func() {
		access.Done(ctx, access.TenantCreate, cloneTarget(req, t), &err, "clone of "+req.Source.ID)
	}()
	report := reporter(progress)
	withUser := req.Source.DBUser != ""
	report(Progress{Step: "create", Message: "create tenant " + req.Name})
	t, err = s.tenants.Create(ctx, tenants.CreateRequest{
		Name: req.Name, Domains: req.Domains, Server: req.Server,
		Status: tenants.StatusInactive, DBUser: &withUser, NoMigrate: true,
	}, nil)
	if err != nil {
		return tenants.Tenant{}, err
	}
	status := req.Source.Status
	if !status.Known() {
		status = tenants.StatusInactive
	}
	_, err = s.backups.Copy(ctx, req.Source, t.Server, t.Database, func(p backup.Progress) {
		report(Progress{Step: "copy", Copy: p})
	})
	if err == nil && status != tenants.StatusInactive {
		t, err = s.tenants.SetStatus(ctx, t, status)
	}
	if err != nil {
		// Undo on a context of its own: a cancelled clone leaves nothing.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		uctx = access.Within(uctx, access.TenantDelete)
		if derr := s.tenants.Delete(uctx, t, tenants.DeleteOptions{}, nil); derr != nil {
			return tenants.Tenant{}, errors.Join(fmt.Errorf("clone %s: %w", req.Source.ID, err),
				fmt.Errorf("deleting the half-made clone %s also failed, delete it with `tenancy tenants delete %s`: %w", t.ID, t.ID, derr))
		}
		return tenants.Tenant{}, fmt.Errorf("clone %s: %w (the new tenant was deleted)", req.Source.ID, err)
	}
	report(Progress{Step: "done"})
	return t, nil
}

// cloneTarget names the clone in the audit log: its id once made.
func cloneTarget(req CloneRequest, t tenants.Tenant) string {
	if t.ID != "" {
		return t.ID
	}
	return req.Name
}

// reporter never returns nil.
func reporter(fn func(Progress)) func(Progress) {
	if fn == nil {
		return func(Progress) {}
	}
	return fn
}
