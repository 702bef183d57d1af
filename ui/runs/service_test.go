package runs

import (
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/keys"
	"github.com/tenancy-dev/tenancy/ui/styles"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// liveFleet is a test central database with three tenants and the
// screens' context on it.
func liveFleet(t *testing.T) (*common.Context, *Fleet, *fleet.Service) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the test MariaDB")
	}
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	ctx := context.Background()
	for _, name := range []string{"ui runs a", "ui runs b", "ui runs c"} {
		_, err := svc.Create(ctx, tenants.CreateRequest{Name: name, NoMigrate: true}, nil)
		require.NoError(t, err)
	}
	km, err := keys.New(nil, false)
	require.NoError(t, err)
	c := common.NewContext(ctx, svc, env.Config, km, styles.New(true))
	f := NewFleet(c)
	fs, err := f.Service(ctx)
	require.NoError(t, err)
	return c, f, fs
}

func execRun(t *testing.T, fs *fleet.Service, canary int, argv ...string) fleet.Run {
	t.Helper()
	op, err := fleet.NewExec(argv, 0)
	require.NoError(t, err)
	r, err := fs.Create(context.Background(), fleet.CreateRequest{Operation: op, Selection: fleet.Selection{All: true}, Limits: fleet.Limits{Canary: canary}})
	require.NoError(t, err)
	return r
}

// confirmNow presses tab and enter in the dialog cmd pushes, after its
// grace period, and returns what its action produced (run synchronously).
func confirmNow(t *testing.T, c *common.Context, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	d := pushed(t, cmd)
	c.Now = func() time.Time { return time.Now().Add(time.Second) }
	defer func() { c.Now = time.Now }()
	d.Update(uitest.Key("tab"))
	_, cmd = d.Update(uitest.Key("enter"))
	return uitest.Msgs(cmd)
}

func TestLiveListContinueAfterTheCanary(t *testing.T) {
	c, f, fs := liveFleet(t)
	ctx := context.Background()
	r := execRun(t, fs, 1, "true")
	paused, err := fs.Work(ctx, r.ID, fleet.WorkOptions{})
	require.NoError(t, err)
	require.Equal(t, fleet.RunPaused, paused.State)

	l := NewList(c, f)
	l.SetSize(120, 38)
	l.Update(uitest.Msgs(l.load())[0])
	require.Len(t, l.rows, 1)
	require.Equal(t, 1, l.rows[0].count(fleet.ItemDone))
	require.Equal(t, 2, l.rows[0].unfinished())
	require.Contains(t, uitest.Plain(l.View()), "paused (canary)")

	msgs := confirmNow(t, c, uitest.Press(l, "n"))
	var opened bool
	for _, m := range msgs {
		if o, ok := m.(common.OpenMsg); ok && o.Name == RunName {
			opened = true
			_, isJob := o.Data.(*Job)
			require.True(t, isJob, "the run view gets the job's progress")
		}
	}
	require.True(t, opened)
	done, err := fs.Get(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, fleet.RunDone, done.State, "continued to the end (nobody read the progress: the runner never waited)")
	require.Equal(t, 3, done.Done)
}

func TestLiveRunViewRetryFailedAndCancel(t *testing.T) {
	c, f, fs := liveFleet(t)
	ctx := context.Background()
	r := execRun(t, fs, 0, "sh", "-c", "echo about to fail for {name}; exit 3")
	failed, err := fs.Work(ctx, r.ID, fleet.WorkOptions{})
	require.NoError(t, err)
	require.Equal(t, fleet.RunFailed, failed.State)

	v := NewRun(c, f, r.ID, nil)
	v.SetSize(120, 38)
	v.Update(uitest.Msgs(v.load())[0])
	require.Len(t, v.items, 3)
	plain := uitest.Plain(v.View())
	require.Contains(t, plain, "exited with status 3")
	require.Regexp(t, `output \(end\):\n  about to fail for ui runs [abc]`, plain, "the selected item's output")

	msgs := confirmNow(t, c, uitest.Press(v, "F"))
	var created fleet.Run
	for _, m := range msgs {
		if cm, ok := m.(createdMsg); ok {
			created = cm.run
		}
	}
	require.NotZero(t, created.ID, "a new run of the failed items")
	retry, err := fs.Get(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, 3, retry.Total)
	require.Equal(t, fleet.RunFailed, retry.State, "the same command fails again")

	pending := execRun(t, fs, 0, "true")
	list := NewList(c, f)
	list.Update(uitest.Msgs(list.load())[0])
	require.Equal(t, pending.ID, list.rows[0].ID)
	msgs = confirmNow(t, c, uitest.Press(list, "X"))
	require.Contains(t, msgs, tea.Msg(common.FlashMsg{Text: "run " + itoa(int(pending.ID)) + " cancelled: 0 done, 3 cancelled"}))
	got, err := fs.Get(ctx, pending.ID)
	require.NoError(t, err)
	require.Equal(t, fleet.RunCancelled, got.State)
}
