package tenants

// SetBeforeStep installs the creation-step fault seam for tests.
func SetBeforeStep(s *Service, fn func(Step) error) { s.beforeStep = fn }
