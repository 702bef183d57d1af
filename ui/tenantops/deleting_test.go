package tenantops

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func TestDeletingGolden(t *testing.T) {
	for _, size := range uitest.Sizes {
		c := uitest.Context(t, false, size[0], size[1]-2)
		d := newDeleting(c, uitest.Tenants(3), false, nil)
		d.SetSize(size[0], size[1]-2)
		d.Update(deleteEvent{id: d.id, index: 1, p: tenants.Progress{Step: tenants.StepDropDatabase, State: tenants.StepStarted,
			Message: "drop database tenant_9e3779b1-1111-4222-8333-000000000001 on central"}})
		uitest.Golden(t, fmt.Sprintf("deleting_%dx%d", size[0], size[1]), d.View())
		d.Update(uitest.Key("esc"))
		require.True(t, d.stop.Load())
		require.Contains(t, uitest.Plain(d.View()), "stopping after this tenant")
	}
}

func TestDeletingIgnoresOtherRuns(t *testing.T) {
	c := uitest.Context(t, false, 80, 22)
	d := newDeleting(c, uitest.Tenants(2), false, nil)
	_, cmd := d.Update(deleteDoneMsg{id: d.id + 1, deleted: 2})
	require.Nil(t, cmd)
	d.Update(deleteEvent{id: d.id + 1, index: 1, p: tenants.Progress{Message: "other"}})
	require.Equal(t, 0, d.index)
}

// TestDeletingStartsOnce: a second Init (a screen initialised again by its
// host) must not start a second deletion, whose end would close the
// reports' channel twice.
func TestDeletingStartsOnce(t *testing.T) {
	c := uitest.Context(t, false, 80, 22)
	d := newDeleting(c, uitest.Tenants(2), false, nil)
	require.NotNil(t, d.Init())
	require.Nil(t, d.Init(), "the deletion was started twice")
}
