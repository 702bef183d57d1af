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
			out = append(out, statusFinding(t))
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

// statusFinding reports a status outside the enum. Only a known status
// written in another case or with spaces ("Active ") is set automatically:
// which known status another word means is not ours to guess (the seed's
// `suspended` reads as inactive to tenancy's middleware, but an admin
// suspending a tenant may have meant blocked).
func statusFinding(t *tenants.Tenant) Finding {
	f := tenantFinding("registry-status", Error, t, "status",
		fmt.Sprintf("status %q is not one of active, inactive, blocked: the resolver and middleware treat the tenant as unknown (inactive)", string(t.Status)))
	known := tenants.Status(strings.ToLower(strings.TrimSpace(string(t.Status))))
	if known.Known() {
		f.Fix, f.FixKind, f.action = "set the status to "+string(known), FixSafe, action{kind: actSetStatus, status: string(known)}
		return f
	}
	f.Fix = "none automatic (which status it means is a person's choice): tenancy tenants activate, deactivate or block"
	return f
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

// domainKey is a domain in the form NormalizeDomain gives it, without
// its validation: rows with the same key answer the same host.
func domainKey(d string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
}

// checkDomains looks at the domains table as a whole: duplicates that
// differ only in case, rows of tenants that do not exist, names that are
// not valid host names, and tenants without any domain.
func (s *Service) checkDomains(_ context.Context, snap *snapshot, _ Options) ([]Finding, error) {
	var out []Finding
	byKey := map[string][]domainRow{}
	hasDomain := map[string]bool{}
	for _, d := range snap.domains {
		byKey[domainKey(d.Domain)] = append(byKey[domainKey(d.Domain)], d)
	}
	for _, d := range snap.domains {
		t, ok := snap.byID[d.TenantID]
		if !ok {
			out = append(out, Finding{Check: "domain-orphan", Severity: Warn, Tenant: d.TenantID, Object: d.Domain,
				Evidence: fmt.Sprintf("domain %s (row %d) belongs to tenant %s, which has no row", d.Domain, d.ID, d.TenantID),
				Fix:      "delete the domain row (the only record of the lost tenant's domain: re-add it with tenants domains add if the tenant comes back)",
				FixKind:  FixDestructive, action: action{kind: actDeleteDomain, row: d.ID, domain: d.Domain}})
			continue
		}
		hasDomain[t.ID] = true
		if f, bad := invalidDomain(t, d, len(byKey[domainKey(d.Domain)]) > 1); bad {
			out = append(out, f)
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if rows := byKey[k]; len(rows) > 1 {
			out = append(out, caseDuplicate(snap, k, rows))
		}
	}
	for i := range snap.all {
		t := &snap.all[i]
		if !hasDomain[t.ID] {
			out = append(out, tenantFinding("domain-none", Info, t, "", "the tenant has no domain: no host resolves to it"))
		}
	}
	return out, nil
}

// invalidDomain reports a domain that is not a valid host name, or not in
// its normal form beyond case (spaces, a trailing dot). The normal form
// is set automatically when it is valid and no other row has it (a case
// duplicate's own fix covers those rows).
func invalidDomain(t *tenants.Tenant, d domainRow, duplicated bool) (Finding, bool) {
	norm, err := tenants.NormalizeDomain(d.Domain)
	if err == nil && (norm == d.Domain || norm == strings.ToLower(d.Domain)) {
		return Finding{}, false
	}
	if err != nil {
		return tenantFinding("domain-invalid", Warn, t, d.Domain, fmt.Sprintf("domain %s is not a valid host name: %s", d.Domain, err)), true
	}
	f := tenantFinding("domain-invalid", Warn, t, d.Domain,
		fmt.Sprintf("domain %s (row %d) is not in its normal form %s (spaces or a trailing dot): lookups of %s do not find it", d.Domain, d.ID, norm, norm))
	if !duplicated {
		f.Fix, f.FixKind, f.action = "set it to "+norm, FixSafe, action{kind: actNormalizeDomain, row: d.ID, domain: norm}
	}
	return f, true
}

// caseDuplicate reports rows that answer the same host. When they all
// belong to one tenant, the fix keeps one row (the one already in normal
// form, else the oldest), sets it to the normal form and deletes the
// others: the same tenant answers as before. Rows of different tenants
// are left to a person: which tenant should answer is not ours to say.
func caseDuplicate(snap *snapshot, key string, rows []domainRow) Finding {
	var parts []string
	same := true
	for _, r := range rows {
		parts = append(parts, fmt.Sprintf("%s (row %d, tenant %s)", r.Domain, r.ID, r.TenantID))
		same = same && r.TenantID == rows[0].TenantID
	}
	f := Finding{Check: "domain-case-duplicate", Severity: Error, Object: key,
		Evidence: "domains that differ only in case (a host name is case-insensitive, so which tenant answers depends on the lookup): " + strings.Join(parts, ", ")}
	t, ok := snap.byID[rows[0].TenantID]
	if ok {
		f.Tenant, f.TenantName, f.Server = t.ID, t.Name, t.Server
	}
	norm, err := tenants.NormalizeDomain(key)
	switch {
	case !same:
		f.Fix = "none automatic (the rows belong to different tenants): remove the wrong one with tenancy tenants domains remove"
	case !ok || err != nil:
	default:
		keep := rows[0]
		for _, r := range rows {
			if r.Domain == norm {
				keep = r
			}
		}
		a := action{kind: actNormalizeDomain, row: keep.ID, domain: norm}
		for _, r := range rows {
			if r.ID != keep.ID {
				a.dropRows = append(a.dropRows, r.ID)
			}
		}
		f.Fix, f.FixKind, f.action = fmt.Sprintf("keep row %d as %s, delete rows %s (all the tenant's)", keep.ID, norm, joinIDs(a.dropRows)), FixSafe, a
	}
	return f
}
