package sshd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	rm "charm.land/wish/v2/recover"
	gossh "golang.org/x/crypto/ssh"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// Options is what a server needs from the process that runs it.
type Options struct {
	Config *config.Config
	// Service returns the tenant service a session works on: readOnly for
	// viewers (its MySQL sessions are READ ONLY). It is called per session
	// and should return one service per mode, opened once.
	Service func(ctx context.Context, readOnly bool) (*tenants.Service, error)
	// Audit receives every action users take (nil: not kept).
	Audit access.Sink
	// Log receives connections, disconnections and refusals (nil: discarded).
	Log *slog.Logger
	// MaxRole caps every user's role (the machine's [access] role).
	MaxRole access.Role
}

// Server is the SSH server. Nothing it holds is per user: each session's
// state lives in that session's dashboard.
type Server struct {
	opts Options
	log  *slog.Logger
	keys map[string]config.AuthorizedKey // by the key's wire form
	srv  *ssh.Server
	idle time.Duration
	max  int

	mu   sync.Mutex
	open int

	// sessionHook, when set (by tests), runs as a session starts.
	sessionHook func(ssh.Session)
	// wrapModel, when set (by benchmarks), wraps each session's model.
	wrapModel func(tea.Model) tea.Model
}

// New builds a server from cfg's [ssh] section: its host key (made on
// first start), users and limits.
func New(opts Options) (*Server, error) {
	cfg := opts.Config.SSH
	keys, err := cfg.Keys()
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("ssh: no user can log in: add [[ssh.users]] with a name, a role and keys (or [ssh] authorized_keys) to %s", orConfig(opts.Config.Path))
	}
	if err := ownedKeys(cfg.AuthorizedKeys); err != nil {
		return nil, err
	}
	path, err := cfg.HostKeyPath()
	if err != nil {
		return nil, err
	}
	signer, err := HostKey(path)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Log, keys: map[string]config.AuthorizedKey{},
		idle: cfg.IdleTimeout.D(), max: cfg.MaxSessions}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, k := range keys {
		s.keys[string(k.Key.Marshal())] = k
	}
	s.srv, err = wish.NewServer(
		wish.WithAddress(cfg.Listen),
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		// Public keys only: with no password or keyboard-interactive
		// handler, the server offers no other method.
		ssh.PublicKeyAuth(s.knownKey),
		ssh.EmulatePty(),
		wish.WithMiddleware(
			rm.MiddlewareWithLogger(printfLogger{s.log},
				s.dashboard, // innermost: last to run
				s.limit,
				s.logged,
				s.authenticate, // outermost: first to run
			),
		),
	)
	if err != nil {
		return nil, err
	}
	// A connection that never opens a session, or whose client went
	// away, also ends; later than a session's own idle timer (which
	// counts key presses), so that the session can say why it closed.
	if s.idle > 0 {
		s.srv.IdleTimeout = s.idle + time.Minute
	}
	s.srv.HandshakeTimeout = 30 * time.Second
	s.srv.ConnectionFailedCallback = func(conn net.Conn, err error) {
		s.log.Info("ssh connection refused", "addr", conn.RemoteAddr().String(), "err", err)
	}
	s.srv.ConnCallback = s.logConn
	return s, nil
}

// logConn logs a connection as it opens and as it closes (a connection
// that authenticates may open no session, or several).
func (s *Server) logConn(_ ssh.Context, conn net.Conn) net.Conn {
	addr := conn.RemoteAddr().String()
	s.log.Info("ssh connection opened", "addr", addr)
	return &loggedConn{Conn: conn, log: s.log, addr: addr, start: time.Now()}
}

type loggedConn struct {
	net.Conn
	log   *slog.Logger
	addr  string
	start time.Time
	once  sync.Once
}

func (c *loggedConn) Close() error {
	c.once.Do(func() {
		c.log.Info("ssh connection closed", "addr", c.addr, "duration", time.Since(c.start).Round(time.Millisecond))
	})
	return c.Conn.Close()
}

// ownedKeys refuses an authorized_keys file that others may write (as
// OpenSSH's StrictModes does): its lines give roles, so whoever can write
// it could make themselves an admin.
func ownedKeys(path string) error {
	if path == "" {
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("ssh.authorized_keys %s: %w", path, err)
	}
	if st.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("ssh.authorized_keys %s: permissions %04o let others write it, and its lines give roles: run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	return nil
}

func orConfig(path string) string {
	if path == "" {
		return "the config file"
	}
	return path
}

// knownKey is the public-key callback: it only says whether the key may
// log in. It keeps nothing: the client may offer this key and then
// authenticate with another, so the user is decided in authenticate.
func (s *Server) knownKey(_ ssh.Context, key ssh.PublicKey) bool {
	_, ok := s.keys[string(key.Marshal())]
	return ok
}

// Serve accepts connections on l until Close or Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.log.Info("ssh listening", "addr", l.Addr().String())
	err := s.srv.Serve(l)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// ListenAndServe listens on [ssh] listen and serves.
func (s *Server) ListenAndServe() error {
	l, err := net.Listen("tcp", s.srv.Addr)
	if err != nil {
		return fmt.Errorf("ssh: listen on %s: %w (set [ssh] listen or --listen)", s.srv.Addr, err)
	}
	return s.Serve(l)
}

// Shutdown stops accepting connections and waits for sessions to end
// until ctx does, then closes them.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
	}
	return err
}

// Close closes the listener and every connection at once.
func (s *Server) Close() error { return s.srv.Close() }

// HostKeyFingerprint is the SHA256 fingerprint clients are asked to trust.
func (s *Server) HostKeyFingerprint() string {
	if len(s.srv.HostSigners) == 0 {
		return ""
	}
	return gossh.FingerprintSHA256(s.srv.HostSigners[0].PublicKey())
}

// printfLogger gives wish's recover middleware a Printf on slog.
type printfLogger struct{ log *slog.Logger }

func (l printfLogger) Printf(format string, args ...any) {
	l.log.Error("ssh session panicked (the session ended; the server goes on)", "panic", fmt.Sprintf(format, args...))
}
