// Package e2e drives the real tenancy binary in a pseudo-terminal, read
// through a terminal emulator, against a test central database.
package e2e

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

const cols, rows = 100, 30

// term is the binary running in a pty, its output fed to an emulator
// whose answers (background colour, cursor position) go back to it.
type term struct {
	t   *testing.T
	emu *vt.SafeEmulator
	pty *os.File
	cmd *exec.Cmd
	// exited receives the process's exit once; done is closed after.
	exited chan error
	done   chan struct{}
	// output and replies end when the copies from and to the pty end.
	output, replies chan struct{}
}

func start(t *testing.T, bin string, args ...string) *term {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "COLORTERM=truecolor")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: rows, Cols: cols})
	require.NoError(t, err)
	tm := &term{t: t, emu: vt.NewSafeEmulator(cols, rows), pty: f, cmd: cmd,
		exited: make(chan error, 1), done: make(chan struct{}),
		output: make(chan struct{}), replies: make(chan struct{})}
	go func() { tm.exited <- cmd.Wait(); close(tm.done) }()
	go func() { defer close(tm.output); _, _ = io.Copy(tm.emu, f) }()
	go func() { defer close(tm.replies); _, _ = io.Copy(f, tm.emu) }()
	t.Cleanup(tm.close)
	return tm
}

func (tm *term) close() {
	_ = tm.cmd.Process.Kill() // fails harmlessly once it exited
	<-tm.done
	<-tm.output // the pty reads EIO once the child side is gone
	tm.pty.Close()
	// vt's Close races with a blocked Read, so wake the reply copier with a
	// query instead: its answer fails to reach the closed pty and the copy ends.
	_, _ = tm.emu.Write([]byte(ansi.RequestPrimaryDeviceAttributes))
	<-tm.replies
	tm.emu.Close()
}

func (tm *term) screen() string { return ansi.Strip(tm.emu.Render()) }

// waitFor polls the screen until it contains every want.
func (tm *term) waitFor(timeout time.Duration, want ...string) string {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := tm.screen()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("screen never showed %q within %s; it shows:\n%s", want, timeout, s)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// send types keys; esc is sent alone and followed by a pause so it is not
// read as alt+<next key>.
func (tm *term) send(keys ...string) {
	tm.t.Helper()
	for _, k := range keys {
		_, err := tm.pty.WriteString(k)
		require.NoError(tm.t, err)
		pause := 60 * time.Millisecond
		if k == "\x1b" {
			pause = 250 * time.Millisecond
		}
		time.Sleep(pause)
	}
}

const (
	enter = "\r"
	esc   = "\x1b"
	tab   = "\t"
)

func build(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "tenancy")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/tenancy-dev/tenancy")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "build tenancy: %s", out)
	return bin
}

func TestDashboardEndToEnd(t *testing.T) {
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	ctx := context.Background()
	for _, n := range []string{"Alpha Co", "Beta Co", "Gamma Co"} {
		_, err := svc.Create(ctx, tenants.CreateRequest{Name: n, Domains: []string{strings.ToLower(strings.Fields(n)[0]) + ".localhost"}}, nil)
		require.NoError(t, err)
	}
	cfgPath := filepath.Join(t.TempDir(), "tenancy.toml")
	cfg := "[central]\ndsn = \"" + env.Config.Central.DSN + "\"\n[tenancy]\ndatabase_prefix = \"" + env.Config.Tenancy.DatabasePrefix + "\"\n"
	require.NoError(t, os.WriteFile(cfgPath, []byte(cfg), 0o600))

	tm := start(t, build(t), "--config", cfgPath)

	// List.
	tm.waitFor(20*time.Second, "3 tenants", "Alpha Co", "Beta Co", "Gamma Co", "alpha.localhost")

	// Filter as you type, then clear.
	tm.send("/", "b", "e", "t")
	s := tm.waitFor(5*time.Second, "1 of 3", "Beta Co")
	require.NotContains(t, s, "Alpha Co")
	tm.send(enter) // leave the field, keep the filter

	// Open the detail: the physical database is read from the server.
	tm.send(enter)
	tm.waitFor(10*time.Second, "Beta Co", "Database", "tables", "rows (est.)")
	tm.send(esc)
	tm.send(esc) // clears the filter
	tm.waitFor(5*time.Second, "3 of 3")

	// Create through the form: name, domains, database (suggested), then
	// server, status, own user, seed.
	tm.send("c")
	tm.waitFor(5*time.Second, "Create a tenant", "Name")
	tm.send("D", "e", "l", "t", "a", " ", "C", "o", enter)
	tm.send("d", "e", "l", "t", "a", ".", "l", "o", "c", "a", "l", "h", "o", "s", "t", enter)
	tm.send(enter)                      // database as suggested
	tm.waitFor(5*time.Second, "Server") // second page
	tm.send(enter, enter, enter, enter) // central, active, no own user, seed
	tm.waitFor(30*time.Second, "Created tenant", "Delta Co")
	delta, err := svc.Find(ctx, "delta.localhost")
	require.NoError(t, err)
	exists, err := tenants.DatabaseExists(ctx, env.Server, delta.Database)
	require.NoError(t, err)
	require.True(t, exists, "the form created database %s", delta.Database)

	// Open it, then delete it through the typed confirmation.
	tm.send(enter)
	tm.waitFor(10*time.Second, "Delta Co", "rows (est.)")
	tm.send("d")
	tm.waitFor(10*time.Second, "Delete tenant Delta Co?", "Type Delta Co to enable Delete")
	time.Sleep(450 * time.Millisecond) // the dialog ignores keys for 400 ms
	tm.send("D", "e", "l", "t", "a", " ", "C", "o")
	tm.send(enter) // the name matches: one enter deletes
	tm.waitFor(15*time.Second, "deleted tenant Delta Co", "3 of 3")
	exists, err = tenants.DatabaseExists(ctx, env.Server, delta.Database)
	require.NoError(t, err)
	require.False(t, exists, "the dialog dropped database %s", delta.Database)
	_, err = svc.Find(ctx, delta.ID)
	require.True(t, errors.Is(err, tenants.ErrNotFound), "tenant row deleted, got %v", err)

	// Quit.
	tm.send("q")
	select {
	case err := <-tm.exited:
		require.NoError(t, err, "tenancy exits cleanly on q")
	case <-time.After(10 * time.Second):
		t.Fatal("tenancy did not exit after q")
	}
}
