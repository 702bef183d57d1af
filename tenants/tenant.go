// Package tenants holds the central registry of tenants and their domains
// (compatible with stancl/tenancy v3 and artflow-studio/tenancy), the tenant
// service that creates, finds, changes and deletes tenants, the physical
// database manager with per-tenant users and grants, tenant migrations,
// and the cross-process tenant locks.
package tenants

import (
	"encoding/json"
	"time"
)

// Status is a tenant's state. Values outside the known three can exist in
// a registry written by another tool; they are shown as they are.
type Status string

// Known statuses (artflow's enum).
const (
	StatusActive   Status = "active"
	StatusInactive Status = "inactive"
	StatusBlocked  Status = "blocked"
)

// Statuses lists the known statuses in display order.
var Statuses = []Status{StatusActive, StatusInactive, StatusBlocked}

// Known reports whether s is one of the three statuses tenancy writes.
func (s Status) Known() bool {
	return s == StatusActive || s == StatusInactive || s == StatusBlocked
}

// Tenant is one row of the central registry with its domains.
type Tenant struct {
	// Index is the tenant's stable position in the registry ordered by
	// creation time then id, shown as [N].
	Index          int        `json:"index"`
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	Status         Status     `json:"status"`
	Database       string     `json:"database"`
	Server         string     `json:"server"`
	Domains        []string   `json:"domains"`
	HasHomepage    bool       `json:"has_homepage"`
	DBUser         string     `json:"db_user,omitempty"`
	CreatedAt      *time.Time `json:"created_at"`
	UpdatedAt      *time.Time `json:"updated_at"`
	LastAccessedAt *time.Time `json:"last_accessed_at"`
	// Settings is artflow's settings column, as stored.
	Settings json.RawMessage `json:"settings,omitempty"`
	// Maintenance is stancl's data.maintenance_mode, read from either of
	// its forms; nil when the tenant is up (tenants/maintenance.go).
	Maintenance *Maintenance `json:"maintenance,omitempty"`
	// Data is the raw data column, every key kept (passwords included:
	// never print it unredacted).
	Data map[string]json.RawMessage `json:"-"`

	dbPassword string
}

// DBPassword returns the per-tenant database user's password, if any.
func (t Tenant) DBPassword() string { return t.dbPassword }

// PrimaryDomain returns the first domain, or "".
func (t Tenant) PrimaryDomain() string {
	if len(t.Domains) == 0 {
		return ""
	}
	return t.Domains[0]
}

// stancl's internal data keys, which tenancy honours.
const (
	keyDBName       = "tenancy_db_name"
	keyDBConnection = "tenancy_db_connection"
	keyDBUsername   = "tenancy_db_username"
	keyDBPassword   = "tenancy_db_password"
)
