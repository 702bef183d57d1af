package sshd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm.land/ssh"
	"github.com/stretchr/testify/require"
	gossh "golang.org/x/crypto/ssh"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// Offering the admin's key (without holding it) and then authenticating
// with the viewer's key must give the viewer's role: the user comes from
// the key that authenticated, not from what the callback saw.
func TestKeyOfferedThenAnotherAuthenticatesGetsTheSecondRole(t *testing.T) {
	f := newFixture(t, nil)
	f.createTenant(t, "Acme Corp", "acme.localhost")
	cc := f.clientConfig()
	cc.AuthCallback = func(ctx *gossh.ClientAuthContext) (gossh.AuthMethod, error) {
		if len(ctx.TriedMethods) == 0 {
			return gossh.PublicKeys(offerOnly{f.keys["admin"].PublicKey()}), nil
		}
		return gossh.PublicKeys(f.keys["viewer"]), nil
	}
	c, err := f.dial(t, cc)
	require.NoError(t, err)
	tm := openOn(t, c)
	tm.waitFor(15*time.Second, "Acme Corp", "vera · viewer", "READ-ONLY")
	require.NotContains(t, tm.screen(), "ada")
	tm.send("d")
	tm.waitFor(5*time.Second, "read-only: your role viewer cannot delete")
	require.Contains(t, f.logs.String(), "user=vera")
	require.NotContains(t, f.logs.String(), "user=ada")
}

func TestOnlyConfiguredPublicKeysLogIn(t *testing.T) {
	f := newFixture(t, nil)
	for name, auth := range map[string]gossh.AuthMethod{
		"password": gossh.Password("hunter2"),
		"keyboard-interactive": gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			return []string{"hunter2"}, nil
		}),
		"unknown key": gossh.PublicKeys(f.keys["stranger"]),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.dial(t, f.clientConfig(auth))
			require.Error(t, err)
			require.Contains(t, err.Error(), "unable to authenticate")
			require.Contains(t, err.Error(), "no supported methods remain")
		})
	}
	// The server offers public keys and nothing else: the client does
	// not even get to try a password.
	_, err := f.dial(t, f.clientConfig(gossh.Password("x")))
	require.ErrorContains(t, err, "attempted methods [none]")
}

// A viewer's dashboard is read-only; an operator is refused a delete by
// the service (the UI offers it); an admin deletes; the audit log keeps
// who did what. Both sessions are open at once and share nothing.
func TestRolesOverSSH(t *testing.T) {
	f := newFixture(t, nil)
	acme := f.createTenant(t, "Acme Corp", "acme.localhost")
	f.createTenant(t, "Globex", "globex.localhost")

	viewer := f.open(t, f.keys["viewer"])
	viewer.waitFor(15*time.Second, "Acme Corp", "Globex", "READ-ONLY", "vera · viewer")
	op := f.open(t, f.keys["operator"])
	op.waitFor(15*time.Second, "Acme Corp", "otto · operator")
	require.NotContains(t, op.screen(), "READ-ONLY")

	// The viewer: every write key is refused, saying the role and what to do.
	for k, what := range map[string]string{"d": "delete", "x": "deactivate", "b": "block", "c": "create"} {
		viewer.send(k)
		viewer.waitFor(5*time.Second, "read-only: your role viewer cannot "+what+"; ask an admin")
		viewer.send(esc)
	}

	// The operator filters; the viewer's list is untouched (no shared state).
	op.send("/", "A", "c", "m", "e", enter)
	op.waitFor(5*time.Second, "1 of 2")
	require.Contains(t, viewer.screen(), "Globex")

	// The operator may deactivate, not delete.
	op.send("x")
	op.waitFor(10*time.Second, "inactive")
	op.send("d")
	op.waitFor(10*time.Second, "Delete tenant Acme Corp?")
	time.Sleep(500 * time.Millisecond) // the dialog's grace period
	op.typeConfirmation("Acme Corp")
	op.send(enter)
	op.waitFor(10*time.Second, "permission denied", "operator")
	_, err := f.svc.Find(context.Background(), acme.ID)
	require.NoError(t, err, "the operator's delete was refused")

	// The admin deletes after the typed confirmation.
	admin := f.open(t, f.keys["admin"])
	admin.waitFor(15*time.Second, "Acme Corp", "ada · admin")
	admin.send("/", "A", "c", "m", "e", enter)
	admin.waitFor(5*time.Second, "1 of 2")
	admin.send("d")
	admin.waitFor(10*time.Second, "Delete tenant Acme Corp?")
	time.Sleep(500 * time.Millisecond)
	admin.typeConfirmation("Acme Corp")
	admin.send(enter)
	admin.waitFor(15*time.Second, "deleted tenant Acme Corp")
	_, err = f.svc.Find(context.Background(), acme.ID)
	require.ErrorIs(t, err, tenants.ErrNotFound)

	var got []string
	for _, e := range f.auditRows(t) {
		got = append(got, e.User+" "+string(e.Role)+" "+string(e.Action)+" "+e.Target+" "+e.Outcome)
	}
	require.Equal(t, []string{
		"otto operator tenant.status " + acme.ID + " ok",
		"otto operator tenant.delete " + acme.ID + " denied",
		"ada admin tenant.delete " + acme.ID + " ok",
	}, got)

	// The viewer reads the log in its dashboard: the Audit screen.
	viewer.send(":", "a", "u", "d", "i", "t", enter)
	viewer.waitFor(10*time.Second, "Audit · 3 entries", "tenant.delete", "ada", "denied")
}

func TestPanicEndsOnlyItsSession(t *testing.T) {
	f := newFixture(t, nil)
	f.createTenant(t, "Acme Corp", "acme.localhost")
	f.srv.sessionHook = func(s ssh.Session) {
		if principalOf(s).User == "otto" {
			panic("boom in otto's session")
		}
	}
	admin := f.open(t, f.keys["admin"])
	admin.waitFor(15*time.Second, "Acme Corp")
	op := f.open(t, f.keys["operator"])
	_ = op.waitEnd(10 * time.Second)
	require.Contains(t, f.logs.String(), "boom in otto")
	// The admin's session goes on, and new sessions open.
	admin.send("/", "A", "c", "m", "e", enter)
	admin.waitFor(5*time.Second, "1 of 1")
	again := f.open(t, f.keys["viewer"])
	again.waitFor(15*time.Second, "Acme Corp", "vera · viewer")
}

func TestIdleSessionIsClosed(t *testing.T) {
	f := newFixture(t, func(c *config.Config) { c.SSH.IdleTimeout = config.Duration(time.Second) })
	f.createTenant(t, "Acme Corp", "acme.localhost")
	tm := f.open(t, f.keys["viewer"])
	tm.waitFor(15*time.Second, "Acme Corp")
	require.Error(t, tm.waitEnd(10*time.Second))
	require.Contains(t, tm.stderr.String(), "without a key press")
	require.Contains(t, f.logs.String(), "ssh session idle")
}

func TestSessionLimit(t *testing.T) {
	f := newFixture(t, func(c *config.Config) { c.SSH.MaxSessions = 1 })
	first := f.open(t, f.keys["viewer"])
	first.waitFor(15*time.Second, "vera · viewer")
	second := f.open(t, f.keys["admin"])
	require.Error(t, second.waitEnd(10*time.Second))
	require.Contains(t, second.stderr.String(), "max_sessions")
	require.Equal(t, 1, f.srv.Sessions())
}

func TestHostKeyMadeOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "host_key")
	a, err := HostKey(path)
	require.NoError(t, err)
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	b, err := HostKey(path)
	require.NoError(t, err)
	require.Equal(t, a.PublicKey().Marshal(), b.PublicKey().Marshal())
	require.NoError(t, os.Chmod(path, 0o644))
	_, err = HostKey(path)
	require.ErrorContains(t, err, "too open")
}

func TestMachineRoleCapsUsers(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.opts.MaxRole = access.Viewer
	tm := f.open(t, f.keys["admin"])
	tm.waitFor(15*time.Second, "ada · viewer", "READ-ONLY")
}

// Connections (opened, refused, closed) and sessions (started with the
// user, role, address and key; ended) are logged.
func TestConnectionsAndSessionsAreLogged(t *testing.T) {
	f := newFixture(t, nil)
	tm := f.open(t, f.keys["operator"])
	tm.waitFor(15*time.Second, "otto · operator")
	_, err := f.dial(t, f.clientConfig(gossh.PublicKeys(f.keys["stranger"])))
	require.Error(t, err)
	require.NoError(t, tm.sess.Close())
	require.NoError(t, tm.client.Close())
	want := []string{"ssh connection opened", "ssh session started", "user=otto", "role=operator",
		"key=" + gossh.FingerprintSHA256(f.keys["operator"].PublicKey()), "ssh session ended", "ssh connection refused", "ssh connection closed"}
	deadline := time.Now().Add(10 * time.Second)
	for {
		logs := f.logs.String()
		missing := ""
		for _, w := range want {
			if !strings.Contains(logs, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			require.NotContains(t, logs, "ended with an error", "a client leaving is no error")
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log never showed %q:\n%s", missing, logs)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// An authorized_keys file others may write is refused: its lines give roles.
func TestAuthorizedKeysOthersMayWriteIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "authorized_keys")
	require.NoError(t, os.WriteFile(path, []byte(`role="admin",name="ada" `+authorized(newSigner(t))), 0o600))
	cfg := config.Default()
	cfg.SSH.HostKey = filepath.Join(dir, "host_key")
	cfg.SSH.AuthorizedKeys = path
	_, err := New(Options{Config: cfg})
	require.NoError(t, err)
	require.NoError(t, os.Chmod(path, 0o620))
	_, err = New(Options{Config: cfg})
	require.ErrorContains(t, err, "permissions 0620 let others write it, and its lines give roles: run chmod 600")
}
