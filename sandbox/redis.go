package sandbox

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"
)

func (s *Sandbox) redisPIDFile() string { return filepath.Join(s.Dir, "redis.pid") }
func (s *Sandbox) redisLog() string     { return filepath.Join(s.Dir, "redis.log") }

// startRedis starts a private, non-persistent redis-server on port.
func (s *Sandbox) startRedis(port int) error {
	pid, err := startDetached(s.redisLog(), s.bins.Redis,
		"--bind", "127.0.0.1", "--port", strconv.Itoa(port),
		"--unixsocket", filepath.Join(s.Dir, "redis.sock"),
		"--pidfile", s.redisPIDFile(), "--dir", s.Dir,
		"--save", "", "--appendonly", "no", "--daemonize", "no")
	if err != nil {
		return err
	}
	s.state.RedisPID, s.state.RedisPort = pid, port
	return nil
}

// waitRedis waits until redis answers PING on port.
func (s *Sandbox) waitRedis(ctx context.Context, pid, port int) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		if !alive(pid) {
			return fmt.Errorf("the demo redis-server exited while starting; its log %s ends with:\n%s", s.redisLog(), tail(s.redisLog(), 20))
		}
		if redisPing(ctx, port) == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the demo redis-server did not answer on 127.0.0.1:%d: %w; its log %s ends with:\n%s", port, ctx.Err(), s.redisLog(), tail(s.redisLog(), 20))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// redisPing speaks just enough RESP to check the server answers.
func redisPing(ctx context.Context, port int) error {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 7)
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	if string(buf[:n]) != "+PONG\r\n" {
		return fmt.Errorf("redis answered %q to PING", buf[:n])
	}
	return nil
}

// redisRunning reports whether the recorded redis still runs and answers.
func (s *Sandbox) redisRunning(ctx context.Context) bool {
	pid := readPID(s.redisPIDFile())
	return pid != 0 && alive(pid) && s.state.RedisPort != 0 && redisPing(ctx, s.state.RedisPort) == nil
}
