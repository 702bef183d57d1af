package sshd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui"
)

type principalKey struct{}

// ErrUnknownKey is what a session hears when its key is no user's.
var ErrUnknownKey = errors.New("permission denied: this key is not configured for tenancy ([ssh] users)")

// authenticate decides the user from the key that authenticated the
// connection, after the handshake (never from what the public-key
// callback saw: it also sees keys only offered).
func (s *Server) authenticate(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		pk := sess.PublicKey()
		if pk == nil {
			wish.Fatalln(sess, ErrUnknownKey)
			return
		}
		k, ok := s.keys[string(pk.Marshal())]
		if !ok {
			wish.Fatalln(sess, ErrUnknownKey)
			return
		}
		role := k.Role
		if s.opts.MaxRole != "" && !s.opts.MaxRole.AtLeast(role) {
			role = s.opts.MaxRole
		}
		sess.Context().SetValue(principalKey{}, access.Principal{User: k.User, Role: role, Via: "ssh",
			Remote: sess.RemoteAddr().String(), Audit: s.opts.Audit})
		next(sess)
	}
}

func principalOf(sess ssh.Session) access.Principal {
	p, _ := sess.Context().Value(principalKey{}).(access.Principal)
	return p
}

// logged logs each session's start and end.
func (s *Server) logged(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		p := principalOf(sess)
		pty, _, _ := sess.Pty()
		args := []any{"user", p.User, "role", p.Role, "addr", p.Remote,
			"key", gossh.FingerprintSHA256(sess.PublicKey()), "term", pty.Term,
			"width", pty.Window.Width, "height", pty.Window.Height}
		start := time.Now()
		s.log.Info("ssh session started", args...)
		defer func() {
			s.log.Info("ssh session ended", append(args, "duration", time.Since(start).Round(time.Millisecond))...)
		}()
		next(sess)
	}
}

// limit refuses a session beyond [ssh] max_sessions.
func (s *Server) limit(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		s.mu.Lock()
		if s.open >= s.max {
			s.mu.Unlock()
			s.log.Info("ssh session refused: too many sessions", "user", principalOf(sess).User, "max", s.max)
			wish.Fatalln(sess, fmt.Sprintf("tenancy: %d sessions are open, the most [ssh] max_sessions allows; try again later", s.max))
			return
		}
		s.open++
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.open--
			s.mu.Unlock()
		}()
		next(sess)
	}
}

// Sessions reports how many sessions are open.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open
}

// dashboard runs one dashboard for the session, through wish's bubbletea
// middleware (window size changes, the session's colour profile), with
// the user's principal on every operation's context.
func (s *Server) dashboard(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if s.sessionHook != nil {
			s.sessionHook(sess)
		}
		p := principalOf(sess)
		if _, _, isPty := sess.Pty(); !isPty || len(sess.Command()) > 0 {
			wish.Fatalln(sess, "tenancy serves its dashboard only: connect with a terminal and no command (ssh -t -p PORT HOST)")
			return
		}
		ctx, cancel := context.WithCancel(access.WithPrincipal(sess.Context(), p))
		defer cancel()
		svc, err := s.opts.Service(ctx, p.Role.ReadOnly())
		if err != nil {
			s.log.Error("ssh session: open the tenant service", "user", p.User, "err", err)
			wish.Fatalln(sess, "tenancy: "+termtext.Line(err.Error()))
			return
		}
		d, err := ui.NewDashboard(ctx, svc)
		if err != nil {
			wish.Fatalln(sess, "tenancy: "+termtext.Line(err.Error()))
			return
		}
		idle := newIdleInput(sess, s.idle, cancel)
		defer idle.stop()
		opts := append(bm.MakeOptions(sess), tea.WithContext(ctx), tea.WithInput(idle))
		model := d.Model
		if s.wrapModel != nil {
			model = s.wrapModel(model)
		}
		prog := tea.NewProgram(model, opts...)
		s.run(sess, prog, p)
		next(sess)
		d.Close()
		if idle.fired() {
			s.log.Info("ssh session idle: closed", "user", p.User, "idle", s.idle)
			wish.Fatalln(sess, fmt.Sprintf("\r\ntenancy: closed after %s without a key press ([ssh] idle_timeout)", s.idle))
			return
		}
		_ = sess.Exit(0)
	}
}

// run runs the session's program, its window changes sent as
// WindowSizeMsgs (what wish's bubbletea middleware does, which also logs
// every ending as an error on its own logger: a client leaving, or the
// idle timeout, ends a program with context.Canceled, which is no error).
func (s *Server) run(sess ssh.Session, prog *tea.Program, p access.Principal) {
	_, windows, _ := sess.Pty()
	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()
	go func() {
		for {
			select {
			case <-ctx.Done():
				prog.Quit()
				return
			case w := <-windows:
				prog.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
			}
		}
	}()
	if _, err := prog.Run(); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Error("ssh session: the dashboard ended with an error", "user", p.User, "err", err)
	}
	prog.Kill()
}

// idleInput is the session's input; it cancels the session when no key
// arrives for the idle timeout (frames the dashboard writes, say on a
// refresh, do not count).
type idleInput struct {
	r     io.Reader
	timer *time.Timer
	d     time.Duration
	mu    sync.Mutex
	done  bool
}

func newIdleInput(r io.Reader, d time.Duration, cancel context.CancelFunc) *idleInput {
	in := &idleInput{r: r, d: d}
	if d > 0 {
		in.timer = time.AfterFunc(d, func() {
			in.mu.Lock()
			in.done = true
			in.mu.Unlock()
			cancel()
		})
	}
	return in
}

func (in *idleInput) Read(p []byte) (int, error) {
	n, err := in.r.Read(p)
	if n > 0 && in.timer != nil {
		in.timer.Reset(in.d)
	}
	return n, err
}

func (in *idleInput) fired() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.done
}

func (in *idleInput) stop() {
	if in.timer != nil {
		in.timer.Stop()
	}
}
