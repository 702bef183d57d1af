package cache

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func TestResolveDialogView(t *testing.T) {
	tn := uitest.Tenants(2)[1]
	tn.Domains = []string{"globex.test", "www.globex.test", "old.globex.test"}
	s := &state{ready: make(chan struct{})}
	_, err := s.dialog(uitest.Context(t, false, 80, 22), "", nil)
	require.Error(t, err, "the dialog needs a tenant")
	for _, size := range uitest.Sizes {
		c := uitest.Context(t, true, size[0], size[1]-2)
		scr, err := s.dialog(c, "", tn)
		require.NoError(t, err)
		d := scr.(*resolveDialog)
		d.SetSize(size[0], size[1]-2)
		require.Contains(t, uitest.Plain(d.View()), "resolving 3 domains…")
		d.id = 4
		d.Update(answersMsg{id: 3, answers: []answer{{domain: "stale"}}})
		require.Nil(t, d.answers, "a stale reply is ignored")
		owner := tn
		d.Update(answersMsg{id: 4, answers: []answer{
			{domain: "globex.test", res: resolver.Result{Found: true, Tenant: owner, Tier: resolver.TierDatabase, Duration: 1234 * time.Microsecond}},
			{domain: "www.globex.test", res: resolver.Result{Found: true, Tenant: owner, Tier: resolver.TierRedis, Duration: 310 * time.Microsecond}},
			{domain: "old.globex.test", err: errors.New("central database: connection refused")},
		}})
		uitest.Golden(t, fmt.Sprintf("resolve_%dx%d", size[0], size[1]), d.View())
		require.Equal(t, []tea.Msg{common.BackMsg{}}, uitest.Msgs(uitest.Press(d, "esc")))
	}
}

func TestResolveDialogWithRedis(t *testing.T) {
	c, s, svc := dashboard(t, "redis://"+testdb.RedisAddr())
	tn, err := svc.Create(context.Background(), tenants.CreateRequest{Name: "Initech", Domains: []string{"initech.test", "www.initech.test"}, NoMigrate: true}, nil)
	require.NoError(t, err)
	scr, err := s.dialog(c, "", tn)
	require.NoError(t, err)
	d := scr.(*resolveDialog)
	d.SetSize(120, 38)
	round := func(cmd tea.Cmd) []answer {
		t.Helper()
		require.NotNil(t, cmd)
		d.Update(cmd())
		require.NoError(t, d.err)
		require.Len(t, d.answers, 2)
		return d.answers
	}
	first := round(d.Init())
	for _, a := range first {
		require.NoError(t, a.err)
		require.True(t, a.res.Found, a.domain)
		require.Equal(t, tn.ID, a.res.Tenant.ID)
		require.Equal(t, resolver.TierDatabase, a.res.Tier, "a cold cache asks the database")
		require.Positive(t, a.res.Duration)
	}
	again := round(uitest.Press(d, "r"))
	for _, a := range again {
		require.Equal(t, resolver.TierLocal, a.res.Tier, "%s: now cached in process", a.domain)
	}
	view := uitest.Plain(d.View())
	require.Contains(t, view, "www.initech.test")
	require.Contains(t, view, "Initech (active)")
	require.Contains(t, view, "round 2")
}

func TestTookInMicroseconds(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "<1µs", 300 * time.Nanosecond: "<1µs", 3200 * time.Nanosecond: "3µs",
		310 * time.Microsecond: "310µs", 1262 * time.Microsecond: "1.26ms"} {
		require.Equal(t, want, took(resolver.Result{Duration: d}), "%v", d)
	}
}
