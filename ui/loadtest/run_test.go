package loadtest

import (
	"context"
	"os"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/perf"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/keys"
	"github.com/tenancy-dev/tenancy/ui/styles"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// program is a minimal Bubble Tea loop: it runs commands in goroutines
// and feeds their messages to the screen.
type program struct {
	msgs chan tea.Msg
}

func (p *program) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		switch msg := cmd().(type) {
		case nil:
		case tea.BatchMsg:
			for _, c := range msg {
				p.exec(c)
			}
		default:
			p.msgs <- msg
		}
	}()
}

// TestEscStopsRealRun drives the screen against the real server: esc
// after the first measured interval stops the run, which still verifies
// isolation, drops its tables and saves the report.
func TestEscStopsRealRun(t *testing.T) {
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	withUser := true
	var list []tenants.Tenant
	for _, name := range []string{"one", "two"} {
		tn, err := svc.Create(context.Background(), tenants.CreateRequest{Name: name, DBUser: &withUser, NoMigrate: true}, nil)
		require.NoError(t, err)
		list = append(list, tn)
	}
	ctx, cancel := context.WithCancel(context.Background())
	km, err := keys.New(nil, false)
	require.NoError(t, err)
	c := common.NewContext(ctx, svc, env.Config, km, styles.New(true))
	defer func() { cancel(); c.Wait() }()
	m := New(c, nil, list)
	m.SetSize(120, 38)
	p := &program{msgs: make(chan tea.Msg, 16)}
	p.exec(m.start(perf.Options{Users: 2, Duration: time.Minute, SeedRows: 20, Interval: 200 * time.Millisecond}))

	deadline := time.After(time.Minute)
	for m.phase != finished {
		select {
		case msg := <-p.msgs:
			_, cmd := m.Update(msg)
			p.exec(cmd)
			if m.last != nil && !m.last.Warmup && !m.stopping {
				_, cmd = m.Update(uitest.Key("esc"))
				p.exec(cmd)
			}
		case <-deadline:
			t.Fatal("the run did not finish after esc")
		}
	}
	require.NoError(t, m.err)
	require.True(t, m.rep.Cancelled)
	require.True(t, m.rep.Isolation.Passed, "%+v", m.rep.Isolation)
	require.Len(t, m.rep.Isolation.Pairs, 2)
	require.Equal(t, "dropped", m.rep.Cleanup)
	_, err = os.Stat(m.path)
	require.NoError(t, err, "report saved")
	view := uitest.Plain(m.View())
	require.Contains(t, view, "Isolation held")
	require.Contains(t, view, "Stopped early")
	for _, tn := range list {
		var n int
		require.NoError(t, env.Server.Get(&n, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", tn.Database, perf.Table))
		require.Zero(t, n, "work table dropped in %s", tn.Database)
	}
}
