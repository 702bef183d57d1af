package sandbox

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"
)

// readyTimeout bounds how long a starting server may take to answer.
const readyTimeout = 60 * time.Second

func (s *Sandbox) dataDir() string     { return filepath.Join(s.Dir, "mysql-data") }
func (s *Sandbox) mysqlSocket() string { return filepath.Join(s.Dir, "mysqld.sock") }
func (s *Sandbox) mysqlPIDFile() string {
	return filepath.Join(s.Dir, "mysqld.pid")
}
func (s *Sandbox) mysqlLog() string { return filepath.Join(s.Dir, "mysqld.log") }

// initialised reports whether the data directory was already created.
func (s *Sandbox) initialised() bool {
	_, err := os.Stat(filepath.Join(s.dataDir(), "mysql"))
	return err == nil
}

// initDataDir creates the server's data directory with a root user that
// needs no password (the server only listens on 127.0.0.1 and its socket).
func (s *Sandbox) initDataDir(ctx context.Context) error {
	if err := os.MkdirAll(s.dataDir(), 0o700); err != nil {
		return fmt.Errorf("create data directory %s: %w", s.dataDir(), err)
	}
	var cmd *exec.Cmd
	if s.bins.Kind == MariaDB {
		args := []string{"--no-defaults", "--datadir=" + s.dataDir(), "--auth-root-authentication-method=normal", "--skip-test-db"}
		if u := runUser(); u != "" {
			args = append(args, "--user="+u)
		}
		cmd = exec.CommandContext(ctx, s.bins.InstallDB, args...)
	} else {
		cmd = exec.CommandContext(ctx, s.bins.Server, "--no-defaults", "--initialize-insecure", "--datadir="+s.dataDir())
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		_ = os.RemoveAll(s.dataDir())
		return fmt.Errorf("initialise the demo data directory with %s: %w\n%s", cmd.Path, err, lastLines(string(out), 15))
	}
	return nil
}

// runUser is the --user the server needs when run as root (it refuses
// to otherwise); empty for other users.
func runUser() string {
	if os.Geteuid() != 0 {
		return ""
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "root"
}

// startMySQL starts the server on port and the sandbox socket.
func (s *Sandbox) startMySQL(port int) error {
	args := []string{
		"--no-defaults",
		"--datadir=" + s.dataDir(),
		"--socket=" + s.mysqlSocket(),
		"--pid-file=" + s.mysqlPIDFile(),
		"--log-error=" + s.mysqlLog(),
		"--bind-address=127.0.0.1",
		"--port=" + strconv.Itoa(port),
		"--skip-name-resolve",
		"--innodb-buffer-pool-size=64M",
		"--max-connections=200",
	}
	if s.bins.Kind == MySQL {
		args = append(args, "--mysqlx=OFF")
	}
	if u := runUser(); u != "" {
		args = append(args, "--user="+u)
	}
	_ = os.Remove(s.mysqlPIDFile())
	pid, err := startDetached(s.mysqlLog(), s.bins.Server, args...)
	if err != nil {
		return err
	}
	s.state.MySQLPID, s.state.MySQLPort = pid, port
	return nil
}

// rootConfig is the driver config for root on the sandbox server over TCP.
func rootConfig(port int, database string) *mysql.Config {
	mc := mysql.NewConfig()
	mc.User = "root"
	mc.Net = "tcp"
	mc.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	mc.DBName = database
	mc.ParseTime = true
	mc.Timeout = 2 * time.Second
	return mc
}

// waitMySQL polls the port, then a query, until the server answers, its
// process exits, or the deadline passes; failures quote the server log.
func (s *Sandbox) waitMySQL(ctx context.Context, pid, port int) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	conn, err := mysql.NewConnector(rootConfig(port, ""))
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	var lastErr error
	for {
		if pid != 0 && !alive(pid) {
			return fmt.Errorf("the demo database server (%s) exited while starting; its log %s ends with:\n%s", s.bins.Server, s.mysqlLog(), tail(s.mysqlLog(), 20))
		}
		if lastErr = pingTCP(ctx, db, port); lastErr == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return fmt.Errorf("the demo database server did not answer on 127.0.0.1:%d within %s (last error: %v); its log %s ends with:\n%s",
					port, readyTimeout, lastErr, s.mysqlLog(), tail(s.mysqlLog(), 20))
			}
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func pingTCP(ctx context.Context, db *sql.DB, port int) error {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	c.Close()
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var one int
	return db.QueryRowContext(pctx, "SELECT 1").Scan(&one)
}

// mysqlRunning reports whether the recorded server still runs and answers.
func (s *Sandbox) mysqlRunning(ctx context.Context) bool {
	pid := readPID(s.mysqlPIDFile())
	if pid == 0 || !alive(pid) || s.state.MySQLPort == 0 {
		return false
	}
	conn, err := mysql.NewConnector(rootConfig(s.state.MySQLPort, ""))
	if err != nil {
		return false
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return pingTCP(pctx, db, s.state.MySQLPort) == nil
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port on 127.0.0.1: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// portFree reports whether port can still be bound on 127.0.0.1.
func portFree(port int) bool {
	if port == 0 {
		return false
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}
