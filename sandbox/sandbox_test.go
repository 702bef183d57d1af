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
	"github.com/tenancy-dev/tenancy/fleet"
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
	var lines []string
	sb, err := Up(ctx, Options{Dir: dir, Tenants: smallFleet}, func(s string) { lines = append(lines, s) })
	require.NoError(t, err)
	require.False(t, sb.Reused)
	require.Contains(t, strings.Join(lines, "\n"), "creating 8 example tenants on two servers")

	cfg, err := config.Load(sb.ConfigPath)
	require.NoError(t, err)
	require.Contains(t, cfg.Central.DSN, "127.0.0.1:")
	svc, err := tenants.Open(ctx, cfg, tenants.Options{})
	require.NoError(t, err)
	ts, err := svc.List(ctx, tenants.ListOptions{})
	require.NoError(t, err)
	require.Len(t, ts, smallFleet)
	servers := map[string]int{}
	for _, tn := range ts {
		servers[tn.Server]++
	}
	require.Equal(t, map[string]int{config.CentralServerName: 7, SecondServer: 1}, servers, "two servers; the large tenant on the second")
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

	fs, err := fleet.Open(ctx, svc, fleet.DefaultOperations())
	require.NoError(t, err)
	m, err := fleet.LoadMigrations(cfg.Tenancy.MigrationsDir)
	require.NoError(t, err)
	require.Contains(t, m.Files, PendingMigration, "the demo migrations folder has the pending migration")
	st, err := fs.MigrateStatus(ctx, fleet.Selection{All: true}, m)
	require.NoError(t, err)
	require.Equal(t, 4, st.Summary.Current, "Acme, Globex, Initech and Hooli were migrated by a recorded run")
	require.Equal(t, 4, st.Summary.Behind)
	require.Equal(t, 1, st.Summary.Drift, "Stark Industries has a hand-applied hotfix")
	runs, err := fs.List(ctx, 10)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	require.Equal(t, fleet.MigrateName, runs[0].Operation)
	require.Equal(t, fleet.RunDone, runs[0].State)

	// The fill records a run over the large tenant and starts a process
	// to work it (here one that does nothing); asked again, it reuses it.
	said, err := Fill(ctx, dir, "/bin/true")
	require.NoError(t, err)
	require.Contains(t, said, "filling the large tenant Megacorp")
	_, err = Fill(ctx, dir, "/bin/true")
	require.NoError(t, err)
	runs, err = fs.List(ctx, 10)
	require.NoError(t, err)
	require.Len(t, runs, 2, "one fill run")
	require.Equal(t, fleet.SQLName, runs[0].Operation)
	require.Equal(t, 1, runs[0].Total)
	svc.Close()

	// A sandbox of an older tenancy (a dozen tenants, version 0) is
	// upgraded in place: what it holds is kept, the rest is added.
	sb.state = state{}
	sb.loadState()
	sb.state.Version, sb.state.Tenants, sb.state.Populated = 0, 0, true
	require.NoError(t, sb.saveState())
	said = ""
	_, err = Up(ctx, Options{Dir: dir, Tenants: smallFleet + 1}, func(s string) { said += s + "\n" })
	require.NoError(t, err)
	require.Contains(t, said, "upgrading the demo sandbox")
	require.Contains(t, said, "creating 1 example tenant on two servers")

	start := time.Now()
	again, err := Up(ctx, Options{Dir: dir, Tenants: smallFleet + 1}, nil)
	require.NoError(t, err)
	require.True(t, again.Reused)
	require.Less(t, time.Since(start), 2*time.Second, "reusing a running sandbox is quick")

	require.NoError(t, Stop(dir))
	require.False(t, Running(ctx, dir))
	restarted, err := Up(ctx, Options{Dir: dir, Tenants: smallFleet + 1}, nil)
	require.NoError(t, err)
	require.False(t, restarted.Reused)
	require.True(t, Running(ctx, dir))
	_, err = os.Stat(restarted.ConfigPath)
	require.NoError(t, err)
}

// smallFleet keeps the sandbox tests quick: seven example tenants and
// the large one (left unfilled), over both servers. The full 60-tenant
// fleet is measured by hand (docs/dashboard.md).
const smallFleet = 8

func TestStartFailureShowsLog(t *testing.T) {
	bins, err := FindBinaries()
	if errors.Is(err, ErrNoServer) {
		t.Skip("no MariaDB/MySQL server binary installed")
	}
	dir := t.TempDir()
	s := &Sandbox{Dir: dir, bins: bins}
	v := s.central()
	// No data directory: the server exits at once, and the error quotes its log.
	require.NoError(t, v.startMySQL(mustFreePort(t)))
	err = v.waitMySQL(context.Background(), s.state.MySQLPID, s.state.MySQLPort)
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
