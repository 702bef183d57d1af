package tenants

import "context"

// Get reads one tenant by its exact id in one round trip, without loading
// the registry (a queued run's worker looks up each item's tenant).
func (s *Service) Get(ctx context.Context, id string) (Tenant, error) {
	return s.reg.Get(ctx, id)
}
