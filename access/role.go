package access

import (
	"fmt"
	"strings"
)

// Role is what a principal may do. Roles are ordered: each may do
// everything the ones before it may.
type Role string

// The roles.
const (
	// Viewer only reads: the dashboard is read-only and its MySQL
	// sessions are opened READ ONLY.
	Viewer Role = "viewer"
	// Operator changes tenants, backs up, runs fleet work and doctor's
	// repairs, but never deletes a tenant, restores over one, drops
	// anything or runs doctor's destructive fixes.
	Operator Role = "operator"
	// Admin may do everything.
	Admin Role = "admin"
)

// Roles lists the roles from least to most powerful.
var Roles = []Role{Viewer, Operator, Admin}

func (r Role) rank() int {
	for i, x := range Roles {
		if x == r {
			return i
		}
	}
	return -1
}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return r.rank() >= 0 }

// ReadOnly reports whether r may change nothing.
func (r Role) ReadOnly() bool { return r.rank() < Operator.rank() }

// AtLeast reports whether r may do what min may.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r.rank() >= min.rank() }

// ParseRole reads a role name (case-insensitive).
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", fmt.Errorf("unknown role %q: use viewer, operator or admin", s)
	}
	return r, nil
}
