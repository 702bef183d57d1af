package cache

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/keys"
	"github.com/tenancy-dev/tenancy/ui/styles"
)

// dashboard is a context on a real service whose resolver runs until the
// test ends.
func dashboard(t *testing.T, redisURL string) (*common.Context, *state, *tenants.Service) {
	env := testdb.NewCentral(t)
	env.Config.Redis.URL = redisURL
	env.Config.Cache.KeyPrefix = "tnt_test_" + uuid.NewString()[:8] + ":"
	env.Config.Cache.Channel = env.Config.Cache.KeyPrefix + "invalidate"
	env.Config.Cache.StatsInterval = 0
	svc := env.Service(t)
	km, err := keys.New(nil, false)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	c := common.NewContext(ctx, svc, env.Config, km, styles.New(true))
	s := &state{ready: make(chan struct{}), updates: make(chan common.SlotMsg, 1)}
	cmds := s.start(c)().(tea.BatchMsg)
	require.Len(t, cmds, 2)
	go cmds[0]() // the poller
	t.Cleanup(func() {
		cancel()
		c.Wait()
		if redisURL != "" {
			client := redis.NewClient(&redis.Options{Addr: strings.TrimPrefix(redisURL, "redis://")})
			defer client.Close()
			iter := client.Scan(context.Background(), 0, env.Config.Cache.KeyPrefix+"*", 100).Iterator()
			for iter.Next(context.Background()) {
				client.Del(context.Background(), iter.Val())
			}
		}
	})
	return c, s, svc
}

// slot runs the slot command once: the header's texts and the re-armed wait.
func slot(t *testing.T, cmd tea.Cmd) (string, string, tea.Cmd) {
	t.Helper()
	batch, ok := cmd().(tea.BatchMsg)
	require.True(t, ok, "a slot update and the next wait")
	msg := batch[0]().(common.SlotMsg)
	require.Equal(t, Slot, msg.Slot)
	return msg.Text, msg.Short, batch[1]
}

func TestSlotAndResolveWithRedis(t *testing.T) {
	c, s, svc := dashboard(t, "redis://"+testdb.RedisAddr())
	text, short, _ := slot(t, s.next(c))
	require.Regexp(t, `^redis ✓ (<1µs|[0-9]+µs|[0-9.]+m?s)$`, text)
	require.Equal(t, "redis ✓", short)

	acme, err := svc.Create(context.Background(), tenants.CreateRequest{Name: "Acme", Domains: []string{"acme.test", "www.acme.test"}, NoMigrate: true}, nil)
	require.NoError(t, err)
	flash := s.resolve(c, []string{"acme"})().(common.FlashMsg)
	require.False(t, flash.Error, flash.Text)
	require.False(t, flash.Warn)
	require.Contains(t, flash.Text, "acme.test → Acme (active), answered by database in ")
	require.Contains(t, flash.Text, "www.acme.test → Acme (active), answered by database in ")

	flash = s.resolve(c, []string{"WWW.acme.test"})().(common.FlashMsg)
	require.Regexp(t, `www\.acme\.test → Acme \(active\), answered by local in (<1|[0-9]+)µs$`, flash.Text, "one domain, now cached")
	require.NotContains(t, flash.Text, "; ")

	flash = s.resolve(c, []string{"nobody.test"})().(common.FlashMsg)
	require.Contains(t, flash.Text, "nobody.test → unknown (404)")
	require.True(t, flash.Error, "an unknown domain is no success")

	_, err = svc.SetStatus(context.Background(), acme, tenants.StatusBlocked)
	require.NoError(t, err)
	flash = s.resolve(c, []string{"acme.test"})().(common.FlashMsg)
	require.Contains(t, flash.Text, "acme.test → Acme (blocked)")
	require.True(t, flash.Warn && !flash.Error, "a blocked tenant is a warning: %+v", flash)
	require.Equal(t, "⚠ ", flash.Mark())
	require.True(t, s.resolve(c, nil)().(common.FlashMsg).Error)
}

func TestSlotShowsBreaker(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close()) // nothing listens there now
	c, s, _ := dashboard(t, fmt.Sprintf("redis://127.0.0.1:%d", port))
	text, short, _ := slot(t, s.next(c))
	require.Equal(t, "redis ✗", text)
	require.Empty(t, short, "one form at every width")
	r, err := s.resolver(context.Background())
	require.NoError(t, err)
	for range 3 { // the breaker opens after cache.breaker_failures (3) failed pings
		slotText(context.Background(), r)
	}
	open := slotText(context.Background(), r)
	require.Equal(t, "breaker open", open.Text)
	require.Empty(t, open.Short)
}

func TestSlotWithoutRedis(t *testing.T) {
	c, s, _ := dashboard(t, "")
	text, short, _ := slot(t, s.next(c))
	require.Equal(t, "cache off", text)
	require.Empty(t, short)
}
