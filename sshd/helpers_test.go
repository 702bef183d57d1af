package sshd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
	"github.com/stretchr/testify/require"
	gossh "golang.org/x/crypto/ssh"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/audit"
	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

const cols, rows = 110, 30

// fixture is a server on a test central database with three users
// (viewer, operator, admin) and a stranger's key.
type fixture struct {
	env     *testdb.Env
	svc     *tenants.Service
	central *audit.Log
	srv     *Server
	addr    string
	keys    map[string]gossh.Signer
	logs    *syncBuffer
}

func newSigner(t testing.TB) gossh.Signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s, err := gossh.NewSignerFromKey(priv)
	require.NoError(t, err)
	return s
}

func authorized(s gossh.Signer) string { return string(gossh.MarshalAuthorizedKey(s.PublicKey())) }

func newFixture(t testing.TB, tune func(*config.Config)) *fixture {
	t.Helper()
	env := testdb.NewCentral(t)
	f := &fixture{env: env, keys: map[string]gossh.Signer{}, logs: &syncBuffer{}}
	for _, name := range []string{"viewer", "operator", "admin", "stranger"} {
		f.keys[name] = newSigner(t)
	}
	cfg := env.Config
	cfg.SSH.Listen = "127.0.0.1:0"
	cfg.SSH.HostKey = t.TempDir() + "/host_key"
	cfg.SSH.Users = []config.SSHUser{
		{Name: "vera", Role: "viewer", Keys: []string{authorized(f.keys["viewer"])}},
		{Name: "otto", Role: "operator", Keys: []string{authorized(f.keys["operator"])}},
		{Name: "ada", Role: "admin", Keys: []string{authorized(f.keys["admin"])}},
	}
	if tune != nil {
		tune(cfg)
	}
	require.NoError(t, cfg.Validate())
	f.svc = env.Service(t)
	db := env.Database(t, env.Prefix+"central")
	f.central = audit.New(db, func(e access.Entry, err error) { t.Errorf("audit %v: %v", e, err) })
	var ro *tenants.Service
	var mu sync.Mutex
	srv, err := New(Options{Config: cfg, Audit: f.central,
		Log: slog.New(slog.NewTextHandler(f.logs, nil)),
		Service: func(ctx context.Context, readOnly bool) (*tenants.Service, error) {
			if !readOnly {
				return f.svc, nil
			}
			mu.Lock()
			defer mu.Unlock()
			if ro == nil {
				s, err := tenants.Open(ctx, cfg, tenants.Options{ReadOnly: true})
				if err != nil {
					return nil, err
				}
				ro = s
				t.Cleanup(func() { s.Close() })
			}
			return ro, nil
		}})
	require.NoError(t, err)
	f.srv = srv
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f.addr = l.Addr().String()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		require.NoError(t, <-served)
	})
	return f
}

// createTenant makes a tenant through the service (no principal).
func (f *fixture) createTenant(t testing.TB, name, domain string) tenants.Tenant {
	t.Helper()
	tn, err := f.svc.Create(context.Background(), tenants.CreateRequest{Name: name, Domains: []string{domain}, NoMigrate: true}, nil)
	require.NoError(t, err)
	return tn
}

func (f *fixture) clientConfig(auth ...gossh.AuthMethod) *gossh.ClientConfig {
	return &gossh.ClientConfig{User: "whoever", Auth: auth, HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}
}

func (f *fixture) dial(t testing.TB, cc *gossh.ClientConfig) (*gossh.Client, error) {
	t.Helper()
	return gossh.Dial("tcp", f.addr, cc)
}

// term is one SSH session with a pty, read through a terminal emulator
// whose answers go back to the server; raw keeps every byte received.
type term struct {
	t      testing.TB
	client *gossh.Client
	sess   *gossh.Session
	emu    *vt.SafeEmulator
	stdin  io.WriteCloser
	raw    *syncBuffer
	stderr *syncBuffer
	ended  chan error
}

func (f *fixture) open(t testing.TB, signer gossh.Signer) *term {
	t.Helper()
	c, err := f.dial(t, f.clientConfig(gossh.PublicKeys(signer)))
	require.NoError(t, err)
	return openOn(t, c)
}

func openOn(t testing.TB, c *gossh.Client) *term {
	t.Helper()
	sess, err := c.NewSession()
	require.NoError(t, err)
	require.NoError(t, sess.RequestPty("xterm-256color", rows, cols, gossh.TerminalModes{}))
	tm := &term{t: t, client: c, sess: sess, emu: vt.NewSafeEmulator(cols, rows), raw: &syncBuffer{}, stderr: &syncBuffer{}, ended: make(chan error, 1)}
	tm.stdin, err = sess.StdinPipe()
	require.NoError(t, err)
	out, err := sess.StdoutPipe()
	require.NoError(t, err)
	sess.Stderr = tm.stderr
	go func() { _, _ = io.Copy(io.MultiWriter(tm.emu, tm.raw), out) }()
	go func() { _, _ = io.Copy(tm.stdin, tm.emu) }()
	require.NoError(t, sess.Shell())
	go func() { tm.ended <- sess.Wait() }()
	t.Cleanup(func() {
		_ = sess.Close()
		_ = c.Close()
		_, _ = tm.emu.Write([]byte(ansi.RequestPrimaryDeviceAttributes))
	})
	return tm
}

func (tm *term) screen() string { return ansi.Strip(tm.emu.Render()) }

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
			tm.t.Fatalf("screen never showed %q within %s; it shows:\n%s\nstderr: %s", want, timeout, s, tm.stderr.String())
		}
		time.Sleep(40 * time.Millisecond)
	}
}

func (tm *term) send(keys ...string) {
	tm.t.Helper()
	for _, k := range keys {
		_, err := tm.stdin.Write([]byte(k))
		require.NoError(tm.t, err)
		pause := 80 * time.Millisecond
		if k == esc {
			pause = 250 * time.Millisecond
		}
		time.Sleep(pause)
	}
}

// typeConfirmation types name into an open confirmation dialog and waits
// until the dialog shows it whole. Keys that arrive within the dialog's
// grace period are dropped on purpose (a loaded machine can deliver them
// late enough to fall into it): then the field is cleared and the name
// typed again.
func (tm *term) typeConfirmation(name string) {
	tm.t.Helper()
	for attempt := 0; attempt < 5; attempt++ {
		tm.send(strings.Split(name, "")...)
		deadline := time.Now().Add(3 * time.Second)
		for time.Now().Before(deadline) {
			if strings.Contains(tm.screen(), "> "+name) {
				return
			}
			time.Sleep(40 * time.Millisecond)
		}
		tm.send(strings.Split(strings.Repeat(backspace, len(name)+2), "")...)
	}
	tm.t.Fatalf("the dialog never showed %q typed; it shows:\n%s", name, tm.screen())
}

// waitEnd waits for the session to end and returns its exit error.
func (tm *term) waitEnd(timeout time.Duration) error {
	tm.t.Helper()
	select {
	case err := <-tm.ended:
		return err
	case <-time.After(timeout):
		tm.t.Fatalf("the session did not end within %s; screen:\n%s", timeout, tm.screen())
		return nil
	}
}

const (
	enter = "\r"
	esc   = "\x1b"
	// backspace is what a terminal sends for the key.
	backspace = "\x7f"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// offerOnly offers a public key the client does not hold: it cannot sign.
type offerOnly struct{ pub gossh.PublicKey }

func (o offerOnly) PublicKey() gossh.PublicKey { return o.pub }
func (o offerOnly) Sign(io.Reader, []byte) (*gossh.Signature, error) {
	return nil, errors.New("no private key")
}

// auditRows reads the audit log.
func (f *fixture) auditRows(t testing.TB) []audit.Entry {
	t.Helper()
	db := f.env.Database(t, f.env.Prefix+"central")
	es, err := audit.List(context.Background(), db, audit.Filter{})
	require.NoError(t, err)
	return es
}
