package fleet

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tenancy-dev/tenancy/tenants"
)

// StatusName is the status operation's name.
const StatusName = "status"

// Status sets each tenant's status (active, inactive, blocked) in the
// registry, as `tenancy tenants activate|deactivate|block` does for one:
// over many tenants it is a run, so every change is recorded per tenant
// and a killed bulk change resumes.
type Status struct {
	Status tenants.Status `json:"status"`
}

// NewStatus checks and returns a status operation.
func NewStatus(st tenants.Status) (*Status, error) {
	if !st.Known() {
		return nil, fmt.Errorf("status %q is not one of active, inactive, blocked", st)
	}
	return &Status{Status: st}, nil
}

func statusFactory(args json.RawMessage) (Operation, error) {
	var s Status
	if err := json.Unmarshal(args, &s); err != nil {
		return nil, fmt.Errorf("status run's recorded arguments: %w", err)
	}
	return NewStatus(s.Status)
}

// Name implements Operation.
func (s *Status) Name() string { return StatusName }

// Args implements Operation.
func (s *Status) Args() any { return s }

// Describe implements Operation.
func (s *Status) Describe(t tenants.Tenant) string {
	if t.Status == s.Status {
		return fmt.Sprintf("leave it %s (it is already)", s.Status)
	}
	return fmt.Sprintf("set its status %s -> %s", t.Status, s.Status)
}

// Do implements Operation: the registry write goes through the tenant
// service (its role check, audit entry and cache invalidation).
func (s *Status) Do(ctx context.Context, env Env, t tenants.Tenant) (Result, error) {
	if _, err := env.Tenants.SetStatus(ctx, t, s.Status); err != nil {
		return Result{}, err
	}
	return Result{Summary: fmt.Sprintf("%s -> %s", t.Status, s.Status)}, nil
}
