package access

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

type memSink struct {
	mu      sync.Mutex
	entries []Entry
}

func (m *memSink) Record(_ context.Context, e Entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = append(m.entries, e)
}

func TestRolesAndActions(t *testing.T) {
	for _, tc := range []struct {
		action               Action
		viewer, operator, ad bool
	}{
		{TenantCreate, false, true, true},
		{TenantStatus, false, true, true},
		{TenantDelete, false, false, true},
		{BackupCreate, false, true, true},
		{BackupRestore, false, false, true},
		{BackupRestoreNew, false, true, true},
		{BackupCleanup, false, true, true},
		{BackupDelete, false, false, true},
		{TenantMove, false, true, true},
		{TenantMoveCleanup, false, false, true},
		{QueueTaskRetry, false, true, true},
		{QueuePause, false, true, true},
		{QueueTaskDelete, false, false, true},
		{RunStart, false, true, true},
		{RunStartSQL, false, false, true},
		{DoctorFix, false, true, true},
		{DoctorFixDestructive, false, false, true},
		{Action("something.new"), false, false, true},
	} {
		require.Equal(t, tc.viewer, Viewer.AtLeast(tc.action.Needs()), "viewer %s", tc.action)
		require.Equal(t, tc.operator, Operator.AtLeast(tc.action.Needs()), "operator %s", tc.action)
		require.Equal(t, tc.ad, Admin.AtLeast(tc.action.Needs()), "admin %s", tc.action)
	}
	require.False(t, Role("root").AtLeast(Viewer))
	r, err := ParseRole(" Operator ")
	require.NoError(t, err)
	require.Equal(t, Operator, r)
	_, err = ParseRole("root")
	require.ErrorContains(t, err, "viewer, operator or admin")
}

func TestRequireAndDone(t *testing.T) {
	require.NoError(t, Require(context.Background(), TenantDelete), "no principal: the process's own operator")

	sink := &memSink{}
	ctx := WithPrincipal(context.Background(), Principal{User: "otto", Role: Operator, Via: "ssh", Audit: sink})
	err := Require(ctx, TenantDelete, "t1")
	require.ErrorIs(t, err, ErrDenied)
	require.EqualError(t, err, `permission denied: operator "otto" may not tenant.delete (it needs the admin role; ask an admin)`)
	require.False(t, Allowed(ctx, TenantDelete))
	require.True(t, Allowed(ctx, TenantStatus))

	require.NoError(t, Require(ctx, TenantStatus, "t1"))
	failure := errors.New("boom")
	Done(ctx, TenantStatus, "t1", &failure, "status=blocked")
	var ok error
	Done(ctx, TenantStatus, "t1", &ok)

	require.NoError(t, Require(Within(ctx, TenantDelete), TenantDelete), "a part of an allowed action")
	require.Len(t, sink.entries, 3)
	require.Equal(t, OutcomeDenied, sink.entries[0].Outcome)
	require.Equal(t, "t1", sink.entries[0].Target)
	require.Equal(t, OutcomeFailed, sink.entries[1].Outcome)
	require.Equal(t, "boom", sink.entries[1].Error)
	require.Equal(t, "status=blocked", sink.entries[1].Detail)
	require.Equal(t, OutcomeOK, sink.entries[2].Outcome)
	require.Equal(t, "otto", sink.entries[2].User)
}

func TestReadOnlySaysTheRoleAndWhatToDo(t *testing.T) {
	viewer := WithPrincipal(context.Background(), Principal{User: "vera", Role: Viewer, Via: "ssh"})
	err := ReadOnly(viewer, "delete")
	require.ErrorIs(t, err, ErrDenied)
	require.EqualError(t, err, "read-only: your role viewer cannot delete; ask an admin")
	require.NoError(t, ReadOnly(context.Background(), "delete"), "no principal: the front end says why itself")
	require.NoError(t, ReadOnly(WithPrincipal(context.Background(), Principal{User: "ada", Role: Admin}), "delete"))
}
