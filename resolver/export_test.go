package resolver

// SetAfterLoad makes r call fn between a central-database load and the
// stores that follow it (tests hold a load there to replay races). Set it
// before the first lookup.
func SetAfterLoad(r *Resolver, fn func(domain string)) { r.afterLoad = fn }
