package queue

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/queue"
	"github.com/tenancy-dev/tenancy/testdb"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// TestLiveQueue: the screen on the test Redis: an archived task shows
// with its error; F queues it to run now, u pauses its queue, d (then
// Delete in the dialog) removes it, each seen in Redis.
func TestLiveQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test (needs Redis)")
	}
	cfg := config.Default().Queue
	cfg.URL = "redis://" + testdb.RedisAddr() + "/0"
	cfg.Prefix = "uiq_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	name := cfg.Prefix + ":sql"
	client := asynq.NewClient(asynq.RedisClientOpt{Addr: testdb.RedisAddr()})
	defer client.Close()
	in := asynq.NewInspector(asynq.RedisClientOpt{Addr: testdb.RedisAddr()})
	defer in.Close()
	t.Cleanup(func() { _ = in.DeleteQueue(name, true) })
	_, err := client.Enqueue(asynq.NewTask(queue.TypeItem, []byte(`{}`)), asynq.TaskID("5:acme"), asynq.Queue(name))
	require.NoError(t, err, "the UI's live test needs Redis at %s", testdb.RedisAddr())
	require.NoError(t, in.ArchiveTask(name, "5:acme"))

	c := uitest.Context(t, false, 80, 21)
	c.Config.Queue = cfg
	cn := &conn{}
	t.Cleanup(func() {
		if cn.q != nil {
			_ = cn.q.Close()
		}
	})
	m := New(c, cn)
	m.SetSize(80, 21)
	reload := func() {
		t.Helper()
		cmd := m.load()
		require.NotNil(t, cmd)
		m.Update(cmd())
		require.NoError(t, m.err)
	}
	reload()
	plain := uitest.Plain(m.View())
	require.Contains(t, plain, name)
	require.Contains(t, plain, "5:acme")
	require.Contains(t, plain, "archived")
	_, task := m.selected()
	require.Nil(t, task, "the cursor starts on the queue")

	// u pauses the queue, u again resumes it.
	acted := uitest.Press(m, "u")()
	require.IsType(t, actedMsg{}, acted)
	require.NoError(t, acted.(actedMsg).err)
	info, err := in.GetQueueInfo(name)
	require.NoError(t, err)
	require.True(t, info.Paused)
	reload()
	require.Contains(t, uitest.Plain(m.View()), "paused")
	require.NoError(t, uitest.Press(m, "u")().(actedMsg).err)
	info, err = in.GetQueueInfo(name)
	require.NoError(t, err)
	require.False(t, info.Paused)

	// F on the archived task runs it now: pending again.
	uitest.Press(m, "G")
	_, task = m.selected()
	require.Equal(t, "5:acme", task.ID)
	require.NoError(t, uitest.Press(m, "F")().(actedMsg).err)
	ti, err := in.GetTaskInfo(name, "5:acme")
	require.NoError(t, err)
	require.Equal(t, asynq.TaskStatePending, ti.State)

	// Archive it again; d asks, Delete removes it.
	require.NoError(t, in.ArchiveTask(name, "5:acme"))
	reload()
	uitest.Press(m, "G")
	d := pushed(t, uitest.Msgs(uitest.Press(m, "d"))[0])
	m.Update(common.PushedMsg{})
	c.Now = func() time.Time { return uitest.Now.Add(confirm.Grace) } // the dialog's grace is over
	d.Update(uitest.Key("tab"))
	require.True(t, d.OnAction())
	_, cmd := d.Update(uitest.Key("enter"))
	var deleted *actedMsg
	for _, msg := range uitest.Msgs(cmd) {
		if a, ok := msg.(actedMsg); ok {
			deleted = &a
		}
	}
	require.NotNil(t, deleted, "Delete deletes")
	require.NoError(t, deleted.err)
	_, err = in.GetTaskInfo(name, "5:acme")
	require.ErrorIs(t, err, asynq.ErrTaskNotFound)
	reload()
	require.NotContains(t, uitest.Plain(m.View()), "5:acme")
}
