package tenants

import "context"

// Get reads one tenant by its exact id in one round trip, without loading
// the registry.
func (s *Service) Get(ctx context.Context, id string) (Tenant, error) {
	return s.reg.Get(ctx, id)
}

// Current reads one tenant as Get does, without its Index (left 0): Get
// counts the tenants listed before it, a scan of the registry that work on
// one tenant (a queued item, a worker's lookup) does not need.
func (s *Service) Current(ctx context.Context, id string) (Tenant, error) {
	return s.reg.get(ctx, id, false)
}
