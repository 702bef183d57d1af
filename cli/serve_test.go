package cli

import (
	"context"
	"encoding/json"
	"io"
	"net"
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

	"github.com/tenancy-dev/tenancy/testdb"
)

// Changes made through the CLI are audited with the OS user@host, and
// `tenancy audit` reads them back; [access] role = "viewer" refuses writes.
func TestAuditAndMachineRole(t *testing.T) {
	env := testdb.New(t)
	cfg := writeConfig(t, env)
	lines := filepath.Join(t.TempDir(), "log", "audit.jsonl")
	appendConfig(t, cfg, "[audit]\nfile = \""+lines+"\"\n")
	r := runCLI(t, cfg, "init")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "tenancy_audit", "init creates the audit table")
	var n int
	require.NoError(t, env.Database(t, env.Prefix+"central").Get(&n, "SELECT COUNT(*) FROM `tenancy_audit`"))
	require.Zero(t, n, "before any change")
	r = runCLI(t, cfg, "init")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "nothing was changed")
	r = runCLI(t, cfg, "tenants", "create", "--name", "Acme", "--domain", "acme.test", "--no-migrate")
	require.Equal(t, 0, r.code, r.stderr)
	r = runCLI(t, cfg, "tenants", "deactivate", "Acme")
	require.Equal(t, 0, r.code, r.stderr)

	r = runCLI(t, cfg, "audit", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var entries []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &entries))
	require.Len(t, entries, 2)
	require.Equal(t, "tenant.create", entries[0]["action"])
	require.Equal(t, "tenant.status", entries[1]["action"])
	require.Equal(t, "status=inactive", entries[1]["detail"])
	for _, e := range entries {
		require.Equal(t, osUser(), e["user"])
		require.Equal(t, "admin", e["role"])
		require.Equal(t, "cli", e["via"])
		require.Equal(t, "ok", e["outcome"])
	}
	r = runCLI(t, cfg, "audit", "--since", "1h", "--tenant", "Acme", "--action", "tenant.status")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "tenant.status")
	require.NotContains(t, r.stdout, "tenant.create")
	r = runCLI(t, cfg, "audit", "--since", "yesterday-ish")
	require.Equal(t, 2, r.code)

	// A read-only jump host.
	appendConfig(t, cfg, "[access]\nrole = \"viewer\"\n")
	r = runCLI(t, cfg, "tenants", "activate", "Acme")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, `permission denied: viewer "`+osUser()+`" may not tenant.status`)
	r = runCLI(t, cfg, "tenants", "list")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "inactive")

	// [audit] file holds the same entries as the table, with their ids.
	r = runCLI(t, cfg, "audit", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &entries))
	require.Len(t, entries, 3)
	require.Equal(t, "denied", entries[2]["outcome"])
	data, err := os.ReadFile(lines)
	require.NoError(t, err)
	got := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Len(t, got, len(entries))
	for i, line := range got {
		var e map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &e))
		require.Equal(t, entries[i], e)
	}
	st, err := os.Stat(lines)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	// A line that cannot be written is a warning; the change is made.
	require.NoError(t, os.Chmod(lines, 0o644))
	require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(readFile(t, cfg), "role = \"viewer\"", "role = \"admin\"", 1)), 0o600))
	r = runCLI(t, cfg, "tenants", "activate", "Acme")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stderr, "the audit log did not keep tenant.status")
	require.Contains(t, r.stderr, "(the change was made)")
	require.Contains(t, r.stderr, "chmod 600")
}

func appendConfig(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(text)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// `tenancy serve ssh` with OpenSSH's client in a pseudo-terminal: an
// unknown key is refused; a viewer sees the list and is refused a delete,
// told its role and what to do; an admin deletes after typing the
// tenant's name, and the audit log keeps who did it over SSH.
func TestServeSSHWithOpenSSH(t *testing.T) {
	sshBin, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("no ssh client (apt-get install openssh-client)")
	}
	env := testdb.NewCentral(t)
	dir := t.TempDir()
	users := ""
	for _, k := range []string{"ada", "vera", "stranger"} {
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", k, "-f", filepath.Join(dir, k)).CombinedOutput()
		require.NoError(t, err, string(out))
		role := map[string]string{"ada": "admin", "vera": "viewer"}[k]
		if role != "" {
			users += "[[ssh.users]]\nname = \"" + k + "\"\nrole = \"" + role + "\"\nkeys = [\"" + strings.TrimSpace(readFile(t, filepath.Join(dir, k+".pub"))) + "\"]\n"
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	cfg := writeConfig(t, env)
	appendConfig(t, cfg, "[ssh]\nhost_key = \""+filepath.Join(dir, "host_key")+"\"\n"+users)
	r := runCLI(t, cfg, "tenants", "create", "--name", "Acme Corp", "--domain", "acme.test", "--no-migrate")
	require.Equal(t, 0, r.code, r.stderr)

	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan int, 1)
	go func() {
		app := &App{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}
		served <- run(ctx, app, []string{"--config", cfg, "serve", "ssh", "--listen", addr})
	}()
	defer func() {
		cancel()
		require.Equal(t, 0, <-served)
	}()
	host, port, _ := net.SplitHostPort(addr)
	args := func(key string) []string {
		return []string{"-tt", "-p", port, "-i", filepath.Join(dir, key), "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
			"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", host}
	}
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 50*time.Millisecond)

	out, err := exec.Command(sshBin, args("stranger")...).CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "Permission denied (publickey)")

	vera := startSSH(t, sshBin, args("vera"))
	vera.waitFor("Acme Corp", "vera · viewer", "READ-ONLY")
	vera.write("d")
	vera.waitFor("read-only: your role viewer cannot delete; ask an admin")
	vera.quit()

	ada := startSSH(t, sshBin, args("ada"))
	ada.waitFor("Acme Corp", "ada · admin")
	ada.write("d")
	ada.waitFor("Delete tenant Acme Corp?")
	// Keys within the dialog's grace period are dropped: type until shown.
	typed := false
	for attempt := 0; !typed && attempt < 5; attempt++ {
		ada.write(strings.Repeat("\x7f", 12) + "Acme Corp")
		deadline := time.Now().Add(3 * time.Second)
		for !typed && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			typed = strings.Contains(ada.screen(), "> Acme Corp ")
		}
	}
	require.True(t, typed, "the dialog never showed the typed name:\n%s", ada.screen())
	ada.write("\r")
	ada.waitFor("deleted tenant Acme Corp")
	ada.quit()

	r = runCLI(t, cfg, "audit", "--json", "--action", "tenant.delete")
	require.Equal(t, 0, r.code, r.stderr)
	var entries []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &entries))
	require.Len(t, entries, 1)
	require.Equal(t, "ada", entries[0]["user"])
	require.Equal(t, "admin", entries[0]["role"])
	require.Equal(t, "ssh", entries[0]["via"])
	require.Equal(t, "ok", entries[0]["outcome"])
}

// sshTerm is OpenSSH's client in a pseudo-terminal, read through a
// terminal emulator.
type sshTerm struct {
	t      *testing.T
	cmd    *exec.Cmd
	pty    *os.File
	emu    *vt.SafeEmulator
	exited chan error
}

func startSSH(t *testing.T, sshBin string, args []string) *sshTerm {
	t.Helper()
	cmd := exec.Command(sshBin, args...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	p, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 110})
	require.NoError(t, err)
	st := &sshTerm{t: t, cmd: cmd, pty: p, emu: vt.NewSafeEmulator(110, 30), exited: make(chan error, 1)}
	go func() { _, _ = io.Copy(st.emu, p) }()
	go func() { _, _ = io.Copy(p, st.emu) }()
	go func() { st.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		p.Close()
	})
	return st
}

func (s *sshTerm) screen() string { return ansi.Strip(s.emu.Render()) }

func (s *sshTerm) write(keys string) {
	_, err := s.pty.WriteString(keys)
	require.NoError(s.t, err)
}

func (s *sshTerm) waitFor(want ...string) {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		sc := s.screen()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(sc, w)
		}
		if ok {
			return
		}
		require.True(s.t, time.Now().Before(deadline), "the screen never showed %q over ssh; it shows:\n%s", want, sc)
		time.Sleep(50 * time.Millisecond)
	}
}

// quit presses q and expects ssh to exit 0.
func (s *sshTerm) quit() {
	s.t.Helper()
	s.write("q")
	select {
	case err := <-s.exited:
		require.NoError(s.t, err, "q ends the session and ssh exits 0")
	case <-time.After(10 * time.Second):
		s.t.Fatal("ssh did not exit after q")
	}
}
