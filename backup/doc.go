// Package backup holds tenancy's backups and restores: the native dump
// engine (consistent snapshot over several connections, parallel and
// streamed, compressed by independent frames), the mysqldump engine, the
// stores backups live in (a folder written atomically, or an S3-compatible
// bucket through streamed multipart uploads), encryption at rest with age,
// the catalog (the central tenant_backups table and each tenant's
// metadata.json), verification, the restore engine with its
// file guard (what of a dump may run) and atomic swap, and the retention
// policy. Statements are split by package sqlsplit.
//
// The service never prints: it reports through a func(Progress).
package backup

import "time"

// Kinds of backup. Final and orphan backups hold data as full ones do;
// they are kept apart from retention (a cleanup never counts or removes
// them): final is a tenant's last backup before its deletion, orphan a
// database's before doctor drops it.
const (
	KindFull      = "full"
	KindStructure = "structure"
	KindFinal     = "final"
	KindOrphan    = "orphan"
)

// HasData reports whether backups of kind hold the tables' rows.
func HasData(kind string) bool { return kind != KindStructure }

// Retained reports whether retention applies to backups of kind.
func Retained(kind string) bool { return kind != KindFinal && kind != KindOrphan }

// Progress is one report from a running backup or restore. Done and Total
// count rows (Total is the server's estimate); Bytes counts uncompressed
// SQL, Written the bytes that reached the file.
type Progress struct {
	Step       string `json:"step"`
	Table      string `json:"table,omitempty"`
	TableDone  int64  `json:"table_rows,omitempty"`
	TableTotal int64  `json:"table_estimate,omitempty"`
	Done       int64  `json:"rows"`
	Total      int64  `json:"estimate"`
	Bytes      int64  `json:"bytes"`
	Written    int64  `json:"written"`
	// EstimateBytes is the server's estimate of the data's size.
	EstimateBytes int64         `json:"estimate_bytes,omitempty"`
	Elapsed       time.Duration `json:"elapsed_ns"`
}

// Progress steps.
const (
	StepSnapshot = "snapshot"
	StepSchema   = "schema"
	StepData     = "data"
	StepObjects  = "objects"
	StepFinish   = "finish"
	StepVerify   = "verify"
	StepLoad     = "load"
	StepSwap     = "swap"
)
