package doctor

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
)

// checkRegistry looks at the rows' own values: a status outside the enum,
// names holding control or invisible characters, rows on a server the
// config does not name.
func (s *Service) checkRegistry(_ context.Context, snap *snapshot, _ Options) ([]Finding, error) {
	var out []Finding
	for i := range snap.all {
		t := &snap.all[i]
		if !t.Status.Known() {
			out = append(out, tenantFinding("registry-status", Error, t, "status",
				fmt.Sprintf("status %q is not one of active, inactive, blocked: the resolver and middleware treat the tenant as unknown", string(t.Status))))
		}
		if hasControl(t.Name) {
			out = append(out, tenantFinding("registry-name", Warn, t, "name",
				fmt.Sprintf("the name holds control, escape or invisible characters (shown escaped: %s)", termtext.Line(t.Name))))
		}
		if _, ok := s.ts.Config().Server(t.Server); !ok {
			out = append(out, tenantFinding("registry-server", Error, t, t.Server,
				fmt.Sprintf("the row's server %q (data.tenancy_db_connection) is not configured (servers: %s)", t.Server, strings.Join(s.ts.Servers().Names(), ", "))))
		}
	}
	return out, nil
}

func hasControl(s string) bool {
	if !termtext.Safe(s) {
		return true
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return true
		}
	}
	return false
}

// checkDomains looks at the domains table as a whole: duplicates that
// differ only in case, rows of tenants that do not exist, names that are
// not valid host names, and tenants without any domain.
func (s *Service) checkDomains(_ context.Context, snap *snapshot, _ Options) ([]Finding, error) {
	var out []Finding
	byLower := map[string][]domainRow{}
	hasDomain := map[string]bool{}
	for _, d := range snap.domains {
		byLower[strings.ToLower(strings.TrimSuffix(d.Domain, "."))] = append(byLower[strings.ToLower(strings.TrimSuffix(d.Domain, "."))], d)
		t, ok := snap.byID[d.TenantID]
		if !ok {
			out = append(out, Finding{Check: "domain-orphan", Severity: Warn, Tenant: d.TenantID, Object: d.Domain,
				Evidence: fmt.Sprintf("domain %s (row %d) belongs to tenant %s, which has no row", d.Domain, d.ID, d.TenantID),
				Fix:      "none automatic: remove the row (or restore the tenant) after checking who uses the domain"})
			continue
		}
		hasDomain[t.ID] = true
		if norm, err := tenants.NormalizeDomain(d.Domain); err != nil || norm != d.Domain && norm != strings.ToLower(d.Domain) {
			why := "it is not lower case"
			if err != nil {
				why = err.Error()
			}
			out = append(out, tenantFinding("domain-invalid", Warn, t, d.Domain, fmt.Sprintf("domain %s is not a valid host name: %s", d.Domain, why)))
		}
	}
	keys := make([]string, 0, len(byLower))
	for k := range byLower {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rows := byLower[k]
		if len(rows) < 2 {
			continue
		}
		var parts []string
		for _, r := range rows {
			parts = append(parts, fmt.Sprintf("%s (row %d, tenant %s)", r.Domain, r.ID, r.TenantID))
		}
		f := Finding{Check: "domain-case-duplicate", Severity: Error, Object: k,
			Evidence: "domains that differ only in case (a host name is case-insensitive, so which tenant answers depends on the lookup): " + strings.Join(parts, ", ")}
		if t, ok := snap.byID[rows[0].TenantID]; ok {
			f.Tenant, f.TenantName, f.Server = t.ID, t.Name, t.Server
		}
		out = append(out, f)
	}
	for i := range snap.all {
		t := &snap.all[i]
		if !hasDomain[t.ID] {
			out = append(out, tenantFinding("domain-none", Info, t, "", "the tenant has no domain: no host resolves to it"))
		}
	}
	return out, nil
}
