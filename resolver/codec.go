package resolver

import (
	"encoding/json"
	"fmt"

	"github.com/tenancy-dev/tenancy/tenants"
)

// negativeValue marks an unknown domain in Redis.
const negativeValue = "-"

// cachedTenant is the compact form stored in Redis: what a web request
// needs to route to the tenant, never its database password or data.
type cachedTenant struct {
	ID          string   `json:"i"`
	Name        string   `json:"n,omitempty"`
	Status      string   `json:"s"`
	Database    string   `json:"d"`
	Server      string   `json:"v,omitempty"`
	Domains     []string `json:"m,omitempty"`
	HasHomepage bool     `json:"h,omitempty"`
	DBUser      string   `json:"u,omitempty"`
	// Maintenance is what the middleware needs to answer a tenant that
	// is down (its bypass secret included); nil when it is up.
	Maintenance *tenants.Maintenance `json:"w,omitempty"`
}

func compact(t tenants.Tenant) cachedTenant {
	return cachedTenant{
		ID: t.ID, Name: t.Name, Status: string(t.Status), Database: t.Database, Server: t.Server,
		Domains: t.Domains, HasHomepage: t.HasHomepage, DBUser: t.DBUser, Maintenance: t.Maintenance,
	}
}

func (c cachedTenant) tenant() tenants.Tenant {
	return tenants.Tenant{
		ID: c.ID, Name: c.Name, Status: tenants.Status(c.Status), Database: c.Database, Server: c.Server,
		Domains: c.Domains, HasHomepage: c.HasHomepage, DBUser: c.DBUser, Maintenance: c.Maintenance,
	}
}

func encodeTenant(t tenants.Tenant) (string, error) {
	b, err := json.Marshal(compact(t))
	if err != nil {
		return "", fmt.Errorf("encode tenant %s: %w", t.ID, err)
	}
	return string(b), nil
}

func decodeTenant(s string) (tenants.Tenant, error) {
	var c cachedTenant
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.ID == "" {
		return tenants.Tenant{}, fmt.Errorf("cached tenant %.40q is not tenancy's JSON: %v", s, err)
	}
	return c.tenant(), nil
}
