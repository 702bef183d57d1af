package doctor

import (
	"fmt"
	"time"
)

// Severity is how bad a finding is.
type Severity string

// Severities, from least to most severe.
const (
	Info  Severity = "info"
	Warn  Severity = "warn"
	Error Severity = "error"
)

func (s Severity) rank() int {
	switch s {
	case Warn:
		return 1
	case Error:
		return 2
	}
	return 0
}

// AtLeast reports whether s is as severe as min or more.
func (s Severity) AtLeast(min Severity) bool { return s.rank() >= min.rank() }

// ParseSeverity reads info, warn or error.
func ParseSeverity(v string) (Severity, error) {
	switch Severity(v) {
	case Info, Warn, Error:
		return Severity(v), nil
	}
	return "", fmt.Errorf("severity %q: use info, warn or error", v)
}

// FixKind says whether and how a finding can be repaired.
type FixKind string

// Fix kinds. Safe fixes run with --fix; destructive ones also need
// --allow-drop and a confirmation.
const (
	FixNone        FixKind = ""
	FixSafe        FixKind = "safe"
	FixDestructive FixKind = "destructive"
)

// Finding is one problem (or note) a check found. Text fields may hold
// registry values: untrusted, escaped by every front end that prints them.
type Finding struct {
	Check      string   `json:"check"`
	Severity   Severity `json:"severity"`
	Tenant     string   `json:"tenant,omitempty"`
	TenantName string   `json:"tenant_name,omitempty"`
	Server     string   `json:"server,omitempty"`
	// Object is what the finding is about: a database, user, domain,
	// catalog row or file.
	Object   string `json:"object,omitempty"`
	Evidence string `json:"evidence"`
	// Fix says what --fix would do ("" when nothing is done automatically);
	// FixKind whether that is safe or destructive.
	Fix     string  `json:"fix,omitempty"`
	FixKind FixKind `json:"fix_kind,omitempty"`

	// action is how the fix is applied (see fix.go).
	action action
}

// CheckResult is one check's outcome in a report.
type CheckResult struct {
	Name     string        `json:"name"`
	Findings int           `json:"findings"`
	Took     time.Duration `json:"took_ns"`
	// Error is set when the check could not run (a server down, a table
	// missing); its findings may then be incomplete.
	Error string `json:"error,omitempty"`
}

// Report is one doctor scan.
type Report struct {
	Findings []Finding     `json:"findings"`
	Checks   []CheckResult `json:"checks"`
	Tenants  int           `json:"tenants"`
	Servers  int           `json:"servers"`
	// ScanTook is the batched read of the registry, servers and catalog
	// that every check shares; each check's own time is in Checks.
	ScanTook time.Duration `json:"scan_took_ns"`
	Took     time.Duration `json:"took_ns"`
	// Queries counts the statements the scan sent to the database servers.
	Queries int `json:"queries"`
}

// Count returns how many findings are at least min.
func (r Report) Count(min Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity.AtLeast(min) {
			n++
		}
	}
	return n
}

// Counts returns the findings per severity.
func (r Report) Counts() map[Severity]int {
	out := map[Severity]int{Info: 0, Warn: 0, Error: 0}
	for _, f := range r.Findings {
		out[f.Severity]++
	}
	return out
}
