package cli

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/sandbox"
	"github.com/tenancy-dev/tenancy/testdb"
)

func TestNoCommandWithoutTerminal(t *testing.T) {
	cfg := writeConfig(t, testdb.New(t))
	r := runCLI(t, cfg)
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "the dashboard needs a terminal")
	help := runCLI(t, cfg, "--help")
	require.Equal(t, 0, help.code)
	require.Contains(t, help.stdout, "Run with no command to open the dashboard")
	require.Contains(t, help.stdout, "demo")
}

func TestDemoNoUIAndStop(t *testing.T) {
	if _, err := sandbox.FindBinaries(); errors.Is(err, sandbox.ErrNoServer) {
		t.Skip("no MariaDB/MySQL server binary installed: " + err.Error())
	}
	dir := filepath.Join(t.TempDir(), "demo")
	t.Cleanup(func() { _ = sandbox.Stop(dir) })
	// a small fleet without the background fill keeps this quick; the
	// sandbox tests check the fleet and the fill's run
	r := runCLI(t, "unused.toml", "demo", "--no-ui", "--no-fill", "--tenants", "4", "--dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	require.NotContains(t, r.stderr, "warning", "the tenants the demo creates are audited in its own central database")
	path := strings.TrimSpace(r.stdout)
	require.Equal(t, filepath.Join(dir, "config.toml"), path, "--no-ui prints only the config path")
	cfg, err := config.Load(path)
	require.NoError(t, err)
	require.Contains(t, cfg.Central.DSN, "127.0.0.1:")
	list := runCLI(t, path, "tenants", "list")
	require.Equal(t, 0, list.code, list.stderr)
	require.Contains(t, list.stdout, "acme.localhost")
	require.Contains(t, list.stdout, "megacorp.localhost", "the large tenant, on the second server")
	audited := runCLI(t, path, "audit")
	require.Equal(t, 0, audited.code, audited.stderr)
	require.Equal(t, 4, strings.Count(audited.stdout, "tenant.create"), audited.stdout)
	require.Len(t, cfg.Servers, 1, "a second server in [[servers]]")
	require.Equal(t, sandbox.SecondServer, cfg.Servers[0].Name)
	stop := runCLI(t, "unused.toml", "demo", "stop", "--dir", dir)
	require.Equal(t, 0, stop.code, stop.stderr)
	require.False(t, sandbox.Running(context.Background(), dir))
}
