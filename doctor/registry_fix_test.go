package doctor

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRegistryAndDomainRepairs builds each registry and domain drift for
// real, fixes what is safe (and, allowed, the orphan domain row), and
// checks the rows repaired and that only the report-only findings remain.
func TestRegistryAndDomainRepairs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	central := f.env.Database(t, f.env.Prefix+"central")
	exec := func(q string, args ...any) {
		t.Helper()
		_, err := central.Exec(q, args...)
		require.NoError(t, err, q)
	}
	// The seed's package widens the status; a binary collation lets
	// domains differ only in case.
	exec("ALTER TABLE tenants MODIFY `status` VARCHAR(32) NOT NULL DEFAULT 'active'")
	exec("ALTER TABLE domains MODIFY `domain` VARCHAR(255) COLLATE utf8mb4_bin NOT NULL")

	cased := f.tenant(t, "Cased", nil)
	exec("UPDATE tenants SET status = 'Inactive ' WHERE id = ?", cased.ID)
	suspended := f.tenant(t, "Suspended", nil)
	exec("UPDATE tenants SET status = 'suspended' WHERE id = ?", suspended.ID)

	same := f.tenant(t, "SameTenant", nil)
	upper := strings.ToUpper(same.Domains[0])
	exec("INSERT INTO domains (domain, tenant_id) VALUES (?, ?)", upper, same.ID)
	shared := "shared-" + same.Domains[0]
	exec("INSERT INTO domains (domain, tenant_id) VALUES (?, ?), (?, ?)", shared, same.ID, "Shared-"+same.Domains[0], cased.ID)
	dotted := "dot-" + cased.Domains[0]
	exec("INSERT INTO domains (domain, tenant_id) VALUES (?, ?)", dotted+".", cased.ID)
	conn, err := central.Conn(ctx)
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, "SET SESSION foreign_key_checks = 0")
	require.NoError(t, err)
	ghost := "ghost-" + same.Domains[0]
	_, err = conn.ExecContext(ctx, "INSERT INTO domains (domain, tenant_id) VALUES (?, 'no-such-tenant')", ghost)
	require.NoError(t, err)
	require.NoError(t, conn.Close())

	opts := Options{Checks: []string{"registry", "domains"}}
	rep := f.run(t, opts)
	one := func(check, about string) Finding {
		t.Helper()
		got := find(rep, check, about)
		require.Len(t, got, 1, "%s about %s in %+v", check, about, rep.Findings)
		return got[0]
	}
	require.Equal(t, FixSafe, one("registry-status", cased.ID).FixKind)
	require.Equal(t, "set the status to inactive", one("registry-status", cased.ID).Fix)
	require.Equal(t, FixNone, one("registry-status", suspended.ID).FixKind, "suspended is not guessed")
	dup := one("domain-case-duplicate", same.Domains[0])
	require.Equal(t, FixSafe, dup.FixKind)
	require.Contains(t, dup.Evidence, upper)
	require.Equal(t, FixNone, one("domain-case-duplicate", shared).FixKind, "rows of two tenants are left to a person")
	require.Equal(t, FixSafe, one("domain-invalid", dotted+".").FixKind)
	require.Equal(t, FixDestructive, one("domain-orphan", ghost).FixKind)

	res, err := f.doc.Fix(ctx, PlanFixes(rep, false), FixOptions{AllowDrop: true})
	require.NoError(t, err)
	require.Zero(t, res.Failed, "%+v", res)

	var status string
	require.NoError(t, central.Get(&status, "SELECT status FROM tenants WHERE id = ?", cased.ID))
	require.Equal(t, "inactive", status)
	var rows []string
	require.NoError(t, central.Select(&rows, "SELECT domain FROM domains WHERE tenant_id = ? AND LOWER(domain) = ?", same.ID, same.Domains[0]))
	require.Equal(t, []string{same.Domains[0]}, rows, "the lower-case row kept, the upper-case one deleted")
	var n int
	require.NoError(t, central.Get(&n, "SELECT COUNT(*) FROM domains WHERE domain = ? AND tenant_id = ?", dotted, cased.ID))
	require.Equal(t, 1, n, "the trailing dot is gone")
	require.NoError(t, central.Get(&n, "SELECT COUNT(*) FROM domains WHERE domain = ?", ghost))
	require.Zero(t, n, "the domain of no tenant is deleted")
	require.NoError(t, central.Get(&n, "SELECT COUNT(*) FROM domains WHERE LOWER(domain) = ?", shared))
	require.Equal(t, 2, n, "the two tenants' rows are untouched")

	// A second run finds only what has no automatic fix, and its fix
	// changes nothing.
	after := f.run(t, opts)
	for _, x := range after.Findings {
		if x.Severity == Info {
			continue
		}
		require.Equal(t, FixNone, x.FixKind, "%+v", x)
	}
	require.Len(t, find(after, "registry-status", suspended.ID), 1)
	require.Len(t, find(after, "domain-case-duplicate", shared), 1)
	require.Len(t, after.Findings, len(f.run(t, opts).Findings))
	require.True(t, PlanFixes(after, false).Empty())
}
