// Package fleet runs one operation over a selection of tenants: a run.
// Runs and their items are recorded in the central database
// (tenancy_runs, tenancy_run_items), worked under limits in total and per
// database server, each item under its tenant's lock, and resumed after
// the process that worked them died. Operations (exec, sql; later
// migrate, backup, repair) plug in through the Operation interface.
package fleet
