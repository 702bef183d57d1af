//go:build unix

package backup

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

// stallCheck is how long a write to the server may block before the
// connection is checked for an answer the server sent meanwhile.
const stallCheck = time.Second

// watchedDial dials connections whose writes notice a server that gave up
// on the command being sent. A restore sends megabytes of INSERT per
// command; when the server's session is killed (or times out) meanwhile,
// it sends its error and closes, and a write blocked on a full window
// would otherwise wait for TCP's zero-window probes to time out, about
// two minutes.
func watchedDial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nc, nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &watchedConn{Conn: nc, raw: raw}, nil
}

type watchedConn struct {
	net.Conn
	raw syscall.RawConn
	// deadline is the driver's own write deadline (its writeTimeout), if any.
	deadline time.Time
}

// SyscallConn keeps the driver's liveness check of pooled connections.
func (c *watchedConn) SyscallConn() (syscall.RawConn, error) { return c.raw, nil }

// SetWriteDeadline records the driver's deadline, which Write honours.
func (c *watchedConn) SetWriteDeadline(t time.Time) error {
	c.deadline = t
	return c.Conn.SetWriteDeadline(t)
}

func (c *watchedConn) SetDeadline(t time.Time) error {
	c.deadline = t
	return c.Conn.SetDeadline(t)
}

// Write writes b, checking every stallCheck without progress whether the
// server has sent anything: in the MySQL protocol it never speaks while a
// command is being sent, so an error packet or a closed connection means
// the command was abandoned.
func (c *watchedConn) Write(b []byte) (int, error) {
	defer c.Conn.SetWriteDeadline(c.deadline)
	done := 0
	for {
		until := time.Now().Add(stallCheck)
		if !c.deadline.IsZero() && c.deadline.Before(until) {
			until = c.deadline
		}
		if err := c.Conn.SetWriteDeadline(until); err != nil {
			return done, err
		}
		n, err := c.Conn.Write(b[done:])
		done += n
		if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) || until.Equal(c.deadline) {
			return done, err
		}
		if n == 0 && c.serverSpoke() {
			return done, fmt.Errorf("write to %s: the server ended the command while it was being sent (session killed or timed out): %w", c.RemoteAddr(), net.ErrClosed)
		}
	}
}

// serverSpoke peeks at the socket without blocking (and whatever the read
// deadline): pending data or an orderly close from the server.
func (c *watchedConn) serverSpoke() bool {
	spoke := false
	_ = c.raw.Control(func(fd uintptr) {
		var buf [1]byte
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		spoke = n > 0 || (n == 0 && err == nil)
	})
	return spoke
}
