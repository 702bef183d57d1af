package sshd

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/fleet"
)

// Backups and fleet runs are checked where they execute too: a viewer
// backs up nothing; an operator backs up, applies the retention policy and
// restores into a new database, but never restores over a tenant, deletes
// a backup or runs SQL on the fleet; an admin does.
func TestBackupAndFleetChecksByRole(t *testing.T) {
	f := newFixture(t, nil)
	tn := f.createTenant(t, "Acme Corp", "acme.localhost")
	bs, err := backup.Open(context.Background(), f.svc)
	require.NoError(t, err)
	as := func(r access.Role) context.Context {
		return access.WithPrincipal(context.Background(), access.Principal{User: "u-" + string(r), Role: r, Via: "ssh", Audit: f.central})
	}

	_, err = bs.Create(as(access.Viewer), backup.CreateRequest{Tenant: tn}, nil)
	require.ErrorIs(t, err, access.ErrDenied)
	b, err := bs.Create(as(access.Operator), backup.CreateRequest{Tenant: tn}, nil)
	require.NoError(t, err)
	_, err = bs.Restore(as(access.Operator), backup.RestoreRequest{Backup: b, Target: tn}, nil)
	require.ErrorIs(t, err, access.ErrDenied)
	require.ErrorContains(t, err, "backup.restore")
	require.ErrorIs(t, bs.Delete(as(access.Operator), b), access.ErrDenied)
	_, err = bs.Cleanup(as(access.Operator), tn.ID, backup.Policy{Last: 1}, false)
	require.NoError(t, err, "the configured retention is an operator's to apply")
	_, err = bs.Restore(as(access.Admin), backup.RestoreRequest{Backup: b, Target: tn}, nil)
	require.NoError(t, err)
	require.NoError(t, bs.Delete(as(access.Admin), b))

	fs, err := fleet.Open(context.Background(), f.svc, fleet.NewOperations())
	require.NoError(t, err)
	op, err := fleet.NewSQL("", "SELECT 1", false, 0)
	require.NoError(t, err)
	req := fleet.CreateRequest{Operation: op, Selection: fleet.Selection{All: true}}
	_, err = fs.Create(as(access.Operator), req)
	require.ErrorIs(t, err, access.ErrDenied)
	require.ErrorContains(t, err, "run.start.sql")
	run, err := fs.Create(as(access.Admin), req)
	require.NoError(t, err)
	_, _, err = fs.Cancel(as(access.Viewer), run.ID)
	require.ErrorIs(t, err, access.ErrDenied)
	_, _, err = fs.Cancel(as(access.Operator), run.ID)
	require.NoError(t, err)

	_, err = f.svc.Find(context.Background(), tn.ID)
	require.NoError(t, err)
	var denied, ok int
	for _, e := range f.auditRows(t) {
		switch e.Outcome {
		case access.OutcomeDenied:
			denied++
		case access.OutcomeOK:
			ok++
		}
	}
	require.Equal(t, 5, denied)
	require.GreaterOrEqual(t, ok, 6)
}
