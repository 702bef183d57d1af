// Package audit is who changed what: an access.Sink that appends every
// action users take (allowed, refused or failed) to the central table
// tenancy_audit, which tenancy only ever inserts into, and the reader
// behind `tenancy audit`.
package audit
