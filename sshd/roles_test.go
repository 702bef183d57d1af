package sshd

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/tenants"
)

// The tenant service refuses each write the principal's role does not
// allow, whatever the front end showed, and audits each attempt.
func TestTenantServiceChecksEveryWriteByRole(t *testing.T) {
	f := newFixture(t, nil)
	for _, tc := range []struct {
		role access.Role
		// allowed lists the writes the role may do.
		allowed map[access.Action]bool
	}{
		{access.Viewer, map[access.Action]bool{}},
		{access.Operator, map[access.Action]bool{access.TenantCreate: true, access.TenantStatus: true,
			access.TenantDomainAdd: true, access.TenantDomainRemove: true, access.TenantEdit: true, access.TenantMaintenance: true}},
		{access.Admin, map[access.Action]bool{access.TenantCreate: true, access.TenantStatus: true,
			access.TenantDomainAdd: true, access.TenantDomainRemove: true, access.TenantEdit: true, access.TenantMaintenance: true,
			access.TenantDelete: true}},
	} {
		t.Run(string(tc.role), func(t *testing.T) {
			ctx := access.WithPrincipal(context.Background(), access.Principal{User: "u-" + string(tc.role), Role: tc.role, Via: "ssh", Audit: f.central})
			victim := f.createTenant(t, "Victim "+string(tc.role), "victim-"+string(tc.role)+".localhost")
			check := func(a access.Action, err error) {
				t.Helper()
				if tc.allowed[a] {
					require.NoError(t, err, "%s may %s", tc.role, a)
					return
				}
				require.ErrorIs(t, err, access.ErrDenied, "%s may not %s", tc.role, a)
				require.ErrorContains(t, err, string(tc.role))
				require.ErrorContains(t, err, string(a))
			}
			created, err := f.svc.Create(ctx, tenants.CreateRequest{Name: "New " + string(tc.role), NoMigrate: true}, nil)
			check(access.TenantCreate, err)
			if err == nil {
				t.Cleanup(func() { _ = f.svc.Delete(context.Background(), created, tenants.DeleteOptions{}, nil) })
			}
			_, err = f.svc.SetStatus(ctx, victim, tenants.StatusBlocked)
			check(access.TenantStatus, err)
			_, err = f.svc.AddDomain(ctx, victim, "extra-"+string(tc.role)+".localhost")
			check(access.TenantDomainAdd, err)
			_, err = f.svc.RemoveDomain(ctx, victim, "victim-"+string(tc.role)+".localhost")
			check(access.TenantDomainRemove, err)
			name := "Renamed " + string(tc.role)
			_, err = f.svc.Edit(ctx, victim, tenants.EditRequest{Name: &name})
			check(access.TenantEdit, err)
			_, err = f.svc.Down(ctx, victim, tenants.DownRequest{})
			check(access.TenantMaintenance, err)
			_, err = f.svc.Up(ctx, victim)
			check(access.TenantMaintenance, err)
			err = f.svc.Delete(ctx, victim, tenants.DeleteOptions{}, nil)
			check(access.TenantDelete, err)

			_, err = f.svc.Find(context.Background(), victim.ID)
			if tc.allowed[access.TenantDelete] {
				require.ErrorIs(t, err, tenants.ErrNotFound)
			} else {
				require.NoError(t, err)
			}
		})
	}
	// One audit row per attempt, with the principal, the outcome and the target.
	counts := map[string]int{}
	for _, e := range f.auditRows(t) {
		require.Equal(t, "u-"+string(e.Role), e.User)
		require.Equal(t, "ssh", e.Via)
		require.NotEmpty(t, e.Target)
		counts[string(e.Role)+" "+e.Outcome]++
	}
	require.Equal(t, map[string]int{"viewer denied": 8, "operator ok": 7, "operator denied": 1, "admin ok": 8}, counts)
}
