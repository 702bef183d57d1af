package tenants

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/config"
)

// Down puts a tenant into maintenance mode: stancl's data.maintenance_mode
// in the form the fleet uses ([tenancy] maintenance_form, or req.Form),
// so the Laravel app honours it too. Down on a tenant already down
// replaces its settings. The change is published (caches forget the
// tenant at once).
func (s *Service) Down(ctx context.Context, t Tenant, req DownRequest) (_ Tenant, err error) {
	if err := access.Require(ctx, access.TenantMaintenance, t.ID); err != nil {
		return t, err
	}
	defer access.Done(ctx, access.TenantMaintenance, t.ID, &err, "down")
	if s.readOnly {
		return t, ErrReadOnly
	}
	if err := req.Validate(); err != nil {
		return t, err
	}
	form := req.Form
	if form == "" {
		var err error
		if form, err = s.MaintenanceFormInUse(ctx); err != nil {
			return t, err
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	m := Maintenance{Since: &now, Message: req.Message, Retry: req.Retry, Secret: req.Secret, Allowed: req.Allowed}
	if err := s.reg.update(ctx, t.ID, attrs{keyMaintenance: encodeMaintenance(m, form)}); err != nil {
		return t, fmt.Errorf("put tenant %s down: %w", t.ID, err)
	}
	return s.changed(ctx, t.ID, t.Domains)
}

// Up takes a tenant out of maintenance mode as stancl's
// bringUpFromMaintenance does (maintenance_mode set to null). It is
// harmless on a tenant that is up.
func (s *Service) Up(ctx context.Context, t Tenant) (_ Tenant, err error) {
	if err := access.Require(ctx, access.TenantMaintenance, t.ID); err != nil {
		return t, err
	}
	defer access.Done(ctx, access.TenantMaintenance, t.ID, &err, "up")
	if s.readOnly {
		return t, ErrReadOnly
	}
	if err := s.reg.update(ctx, t.ID, attrs{keyMaintenance: nil}); err != nil {
		return t, fmt.Errorf("bring tenant %s up: %w", t.ID, err)
	}
	return s.changed(ctx, t.ID, t.Domains)
}

// MaintenanceFormInUse is the form Down writes: [tenancy] maintenance_form,
// or with "auto" the form of a tenant already down (the fleet's Laravel
// wrote it), else the except form (stancl v3's current trait).
func (s *Service) MaintenanceFormInUse(ctx context.Context) (MaintenanceForm, error) {
	switch f := s.cfg.Tenancy.MaintenanceForm; f {
	case config.MaintenanceFormExcept, config.MaintenanceFormTime:
		return MaintenanceForm(f), nil
	}
	form, err := s.reg.maintenanceFormInUse(ctx)
	if err != nil || form == "" {
		return MaintenanceExcept, err
	}
	return form, nil
}

// maintenanceFormInUse reads the data of tenants that mention
// maintenance_mode (a LIKE, so a data column that is not valid JSON
// cannot fail the query) and returns the first form it recognises.
func (r *Registry) maintenanceFormInUse(ctx context.Context) (MaintenanceForm, error) {
	rows, err := r.db.QueryContext(ctx, "SELECT `data` FROM `tenants` WHERE `data` LIKE ? LIMIT 1000", `%"maintenance\_mode"%`)
	if err != nil {
		return "", fmt.Errorf("read the maintenance form the fleet uses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var raw sql.NullString
		if err := rows.Scan(&raw); err != nil {
			return "", fmt.Errorf("read the maintenance form the fleet uses: %w", err)
		}
		t := r.fromRow(tenantRow{Data: raw})
		if t.Maintenance != nil && t.Maintenance.Form != "" {
			return t.Maintenance.Form, nil
		}
	}
	return "", rows.Err()
}
