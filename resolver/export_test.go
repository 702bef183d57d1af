package resolver

import "time"

// SetAfterLoad makes r call fn between a central-database load and the
// stores that follow it (tests hold a load there to replay races). Set it
// before the first lookup.
func SetAfterLoad(r *Resolver, fn func(domain string)) { r.afterLoad = fn }

// SetClock makes r's in-process tier read the time from now instead of
// the real clock (tests move it by hand). Set it before the first lookup.
func SetClock(r *Resolver, now func() time.Time) { r.clock = now }

// DomainKey is the Redis key holding r's cached answer for domain.
func DomainKey(r *Resolver, domain string) string { return r.inv.keys.domain(domain) }
