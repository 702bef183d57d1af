//go:build unix

package perf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"syscall"
	"time"
)

// blockingDial returns a dialer for the driver whose connections use
// blocking socket calls, one OS thread per busy connection as sysbench
// does. Go's netpoller costs a failed read, an epoll wait and a thread
// hand-over per round trip, about a third of the generator's CPU time
// per point select; a blocked read costs none of them. The socket's own
// timeouts (SO_RCVTIMEO, SO_SNDTIMEO) bound each read and write, as the
// driver's per-call deadlines would.
func blockingDial(timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		defer nc.Close() // the duplicate keeps the socket open
		sc, ok := nc.(syscall.Conn)
		if !ok {
			return nil, fmt.Errorf("dial %s: %T has no socket", addr, nc)
		}
		fd, err := dupBlocking(sc, timeout)
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		f := os.NewFile(uintptr(fd), addr) // blocking: not on the netpoller
		raw, err := f.SyscallConn()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		return &blockingConn{f: f, raw: raw, timeout: timeout, local: nc.LocalAddr(), remote: nc.RemoteAddr()}, nil
	}
}

// holdProcs raises GOMAXPROCS for the load to one more than the
// connections, so that each connection's thread keeps its P while it is
// blocked on its socket. With fewer Ps, a thread whose read returned
// waits for the runtime's monitor to take a P back from a blocked one,
// which it does only every 20 µs to 10 ms: 16 users on 2 Ps had a p99 of
// ~9 ms against ~3 ms. It returns the function that restores the value.
func holdProcs(conns int) (restore func()) {
	prev := runtime.GOMAXPROCS(0)
	if conns < prev {
		return func() {}
	}
	runtime.GOMAXPROCS(conns + 1)
	return func() { runtime.GOMAXPROCS(prev) }
}

// dupBlocking duplicates the connection's socket and puts it in blocking
// mode with the timeouts set.
func dupBlocking(sc syscall.Conn, timeout time.Duration) (int, error) {
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	fd := -1
	var derr error
	if err := raw.Control(func(s uintptr) { fd, derr = syscall.Dup(int(s)) }); err != nil {
		return 0, err
	}
	if derr != nil {
		return 0, fmt.Errorf("dup socket: %w", derr)
	}
	syscall.CloseOnExec(fd)
	tv := syscall.NsecToTimeval(timeout.Nanoseconds())
	for _, err := range []error{
		syscall.SetNonblock(fd, false),
		syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv),
		syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &tv),
	} {
		if err != nil {
			syscall.Close(fd)
			return 0, fmt.Errorf("blocking socket: %w", err)
		}
	}
	return fd, nil
}

// blockingConn is a socket in blocking mode. It is deliberately no
// syscall.Conn: the driver's liveness check would block on it.
type blockingConn struct {
	f             *os.File
	raw           syscall.RawConn
	timeout       time.Duration
	local, remote net.Addr
}

func (c *blockingConn) Read(b []byte) (int, error) {
	n, err := c.f.Read(b)
	return n, c.timedOut("read", err)
}

func (c *blockingConn) Write(b []byte) (int, error) {
	n, err := c.f.Write(b)
	return n, c.timedOut("write", err)
}

// timedOut names a call the socket's timeout ended as a deadline error.
func (c *blockingConn) timedOut(op string, err error) error {
	if errors.Is(err, syscall.EAGAIN) {
		return fmt.Errorf("%s %s: no progress in %s: %w", op, c.remote, c.timeout, os.ErrDeadlineExceeded)
	}
	return err
}

// Close wakes a call blocked on the socket (the driver closes a
// connection from another goroutine when a query's context ends), then
// closes it once no call uses it.
func (c *blockingConn) Close() error {
	_ = c.raw.Control(func(fd uintptr) { _ = syscall.Shutdown(int(fd), syscall.SHUT_RDWR) })
	return c.f.Close()
}

func (c *blockingConn) LocalAddr() net.Addr  { return c.local }
func (c *blockingConn) RemoteAddr() net.Addr { return c.remote }

// The driver sets no deadlines on these connections (the socket's
// timeouts stand in), but a net.Conn must take them.
func (c *blockingConn) SetDeadline(time.Time) error      { return nil }
func (c *blockingConn) SetReadDeadline(time.Time) error  { return nil }
func (c *blockingConn) SetWriteDeadline(time.Time) error { return nil }
