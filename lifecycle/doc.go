// Package lifecycle holds the tenant operations that copy a database
// from one place to another: clone (a new tenant whose database is a
// copy of another's), move to another database server (copy, freeze,
// copy what changed, verify, switch the registry, unfreeze; every phase
// recorded in the central table tenancy_moves so that a killed move is
// resumed or rolled back), the cleanup of the sources moves kept, and
// the rebalance plan. The copies stream through backup.Service.Copy.
//
// The service never prints: it reports through a func(Progress).
package lifecycle
