// Package doctor holds the fleet's health checks and their fixes: what
// drifted between the central registry, the database servers (databases,
// users, grants, migrations), the backup catalog and its files. A scan
// reads each server in a few batched queries (never a connection per
// tenant); per-tenant fixes run as fleet runs (recorded, resumable), and
// destructive fixes back up before they drop.
package doctor
