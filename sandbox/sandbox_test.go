package sandbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// TestUpReuseStop builds a real sandbox from the installed server
// binaries, reuses it, stops it and starts it again.
func TestUpReuseStop(t *testing.T) {
	if _, err := FindBinaries(); errors.Is(err, ErrNoServer) {
		t.Skip("no MariaDB/MySQL server binary installed: " + err.Error())
	}
	dir := t.TempDir()
	t.Cleanup(func() { require.NoError(t, Stop(dir)) })
	ctx := context.Background()
	var said []string
	sb, err := Up(ctx, Options{Dir: dir}, func(s string) { said = append(said, s) })
	require.NoError(t, err)
	require.False(t, sb.Reused)
	require.Contains(t, strings.Join(said, "\n"), "creating 12 example tenants")

	cfg, err := config.Load(sb.ConfigPath)
	require.NoError(t, err)
	require.Contains(t, cfg.Central.DSN, "127.0.0.1:")
	svc, err := tenants.Open(ctx, cfg, tenants.Options{})
	require.NoError(t, err)
	ts, err := svc.List(ctx, tenants.ListOptions{})
	require.NoError(t, err)
	require.Len(t, ts, len(demoTenants))
	acme, err := tenants.Resolve(ts, "acme.localhost")
	require.NoError(t, err)
	require.NotEmpty(t, acme.DBUser, "Acme has its own database user")
	require.NotNil(t, acme.LastAccessedAt)
	info, err := svc.DatabaseInfo(ctx, acme)
	require.NoError(t, err)
	require.Greater(t, info.Rows, int64(3000), "seeded")
	statuses := map[tenants.Status]int{}
	for _, tn := range ts {
		statuses[tn.Status]++
	}
	require.Len(t, statuses, 3, "mixed statuses")
	svc.Close()

	start := time.Now()
	again, err := Up(ctx, Options{Dir: dir}, nil)
	require.NoError(t, err)
	require.True(t, again.Reused)
	require.Less(t, time.Since(start), 2*time.Second, "reusing a running sandbox is quick")

	require.NoError(t, Stop(dir))
	require.False(t, Running(ctx, dir))
	restarted, err := Up(ctx, Options{Dir: dir}, nil)
	require.NoError(t, err)
	require.False(t, restarted.Reused)
	require.True(t, Running(ctx, dir))
	_, err = os.Stat(restarted.ConfigPath)
	require.NoError(t, err)
}

func TestStartFailureShowsLog(t *testing.T) {
	bins, err := FindBinaries()
	if errors.Is(err, ErrNoServer) {
		t.Skip("no MariaDB/MySQL server binary installed")
	}
	dir := t.TempDir()
	s := &Sandbox{Dir: dir, bins: bins}
	// No data directory: the server exits at once, and the error quotes its log.
	require.NoError(t, s.startMySQL(mustFreePort(t)))
	err = s.waitMySQL(context.Background(), s.state.MySQLPID, s.state.MySQLPort)
	require.ErrorContains(t, err, "exited while starting")
	require.ErrorContains(t, err, "mysqld.log ends with")
}

func mustFreePort(t *testing.T) int {
	p, err := freePort()
	require.NoError(t, err)
	return p
}

func TestNoServerMessageNamesPackage(t *testing.T) {
	require.Contains(t, ErrNoServer.Error(), "apt-get install mariadb-server")
	t.Setenv("PATH", t.TempDir())
	old := searchDirs
	searchDirs = nil
	t.Cleanup(func() { searchDirs = old })
	_, err := FindBinaries()
	require.ErrorIs(t, err, ErrNoServer)
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/x/state")
	d, err := DefaultDir()
	require.NoError(t, err)
	require.Equal(t, "/x/state/tenancy/demo", d)
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", "/home/u")
	d, err = DefaultDir()
	require.NoError(t, err)
	require.Equal(t, "/home/u/.local/state/tenancy/demo", d)
}

func TestLockSerialises(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	unlock, err := lock(dir)
	require.NoError(t, err)
	got := make(chan struct{})
	go func() {
		second, err := lock(dir)
		if err == nil {
			second()
		}
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("a second lock was taken while the first was held")
	case <-time.After(200 * time.Millisecond):
	}
	unlock()
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the second lock was not taken after the first was released")
	}
}
