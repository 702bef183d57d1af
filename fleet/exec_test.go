package fleet

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// TestExec: one command per tenant, no shell; a timeout kills it, a
// failure keeps its status and output, a flood keeps a bounded tail.
func TestExec(t *testing.T) {
	f := newFixture(t)
	list := f.tenants(t, 4, config.CentralServerName)
	behaviour := map[string]string{list[0].ID: "ok", list[1].ID: "slow", list[2].ID: "fail", list[3].ID: "loud"}
	for id, b := range behaviour {
		_, err := f.central.Exec("UPDATE tenants SET name = ? WHERE id = ?", b, id)
		require.NoError(t, err)
	}
	script := `case "$1" in
  ok) echo "tenant $2 db $3 on $4 at $5 env $TENANCY_DATABASE";;
  slow) sleep 30;;
  fail) echo oops >&2; exit 3;;
  loud) seq 1 100000;;
esac`
	op, err := NewExec([]string{"sh", "-c", script, "sh", "{name}", "{id}", "{database}", "{server}", "{domain}"}, 500*time.Millisecond)
	require.NoError(t, err)
	require.Equal(t, "exec sh -c "+script+" sh ok "+list[0].ID+" "+list[0].Database+" central "+list[0].PrimaryDomain(),
		op.Describe(tenants.Tenant{Name: "ok", ID: list[0].ID, Database: list[0].Database, Server: "central", Domains: list[0].Domains}))
	run := f.create(t, op, Selection{All: true}, Limits{Parallel: 4})
	got, err := f.fs.Work(context.Background(), run.ID, WorkOptions{})
	require.NoError(t, err)
	require.Equal(t, RunFailed, got.State)
	items := f.items(t, run.ID)

	ok := items[list[0].ID]
	require.Equal(t, ItemDone, ok.State)
	require.Equal(t, 0, *ok.Result.ExitCode)
	require.Equal(t, "tenant "+list[0].ID+" db "+list[0].Database+" on central at "+list[0].PrimaryDomain()+" env "+list[0].Database+"\n", ok.Result.Output)

	slow := items[list[1].ID]
	require.Equal(t, ItemFailed, slow.State)
	require.Contains(t, slow.Error, "timed out after 500ms")
	require.Less(t, slow.FinishedAt.Sub(*slow.StartedAt), 10*time.Second, "the whole process group was killed")

	fail := items[list[2].ID]
	require.Equal(t, ItemFailed, fail.State)
	require.Equal(t, 3, *fail.Result.ExitCode)
	require.Contains(t, fail.Error, "exited with status 3")
	require.Contains(t, fail.Error, ": oops")

	loud := items[list[3].ID]
	require.Equal(t, ItemDone, loud.State)
	require.LessOrEqual(t, len(loud.Result.Output), OutputTail+64)
	require.True(t, strings.HasSuffix(loud.Result.Output, "99999\n100000\n"))
	require.Contains(t, loud.Result.Output, "earlier bytes dropped")

	_, err = NewExec(nil, 0)
	require.ErrorContains(t, err, "needs a command")
}

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{max: 8}
	for _, s := range []string{"abc", "defgh", "ij", "0123456789abc", "z"} {
		_, _ = b.Write([]byte(s))
	}
	require.Equal(t, "6789abcz", string(b.buf))
	require.Contains(t, b.String(), "[… 16 earlier bytes dropped]\n6789abcz")
}
