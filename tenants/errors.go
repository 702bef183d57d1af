package tenants

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// AmbiguousError is returned when a reference matches several tenants.
type AmbiguousError struct {
	Ref        string
	Candidates []Tenant
}

func (e *AmbiguousError) Error() string {
	var parts []string
	for _, t := range e.Candidates {
		parts = append(parts, fmt.Sprintf("[%d] %s (%s)", t.Index, t.Name, t.ID))
	}
	return fmt.Sprintf("%q matches %d tenants: %s; use the id or index instead", e.Ref, len(e.Candidates), strings.Join(parts, ", "))
}

// LockedError is returned when another operation holds a tenant's lock.
type LockedError struct {
	TenantID string
	Holder   string
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("tenant %s is busy: another operation holds its lock (%s); wait for it to finish and try again", e.TenantID, e.Holder)
}

// StepError tells which creation step failed and whether the rollback
// left nothing behind.
type StepError struct {
	Step       Step
	Err        error
	RolledBack bool
	// RollbackErr is set when undoing a step failed too.
	RollbackErr error
}

func (e *StepError) Error() string {
	msg := fmt.Sprintf("create tenant: step %s failed: %v", e.Step, e.Err)
	if e.RollbackErr != nil {
		return msg + fmt.Sprintf("; rolling back also failed (%v): check the server for leftovers", e.RollbackErr)
	}
	return msg + "; everything already done was rolled back"
}

func (e *StepError) Unwrap() error { return e.Err }

func asMySQL(err error, target **mysql.MySQLError) bool {
	return errors.As(err, target)
}
