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

// server is one of the sandbox's private database servers: the central
// one (which also holds tenants) or the second one, "eu", whose files
// carry its name as a prefix.
type server struct {
	s    *Sandbox
	name string // "" for the central server
	pid  *int   // in the sandbox state
	port *int
}

// SecondServer is the name of the sandbox's second database server in
// the config's [[servers]].
const SecondServer = "eu"

func (s *Sandbox) central() *server {
	return &server{s: s, pid: &s.state.MySQLPID, port: &s.state.MySQLPort}
}

func (s *Sandbox) second() *server {
	return &server{s: s, name: SecondServer, pid: &s.state.SecondPID, port: &s.state.SecondPort}
}

func (v *server) file(base string) string {
	if v.name != "" {
		base = v.name + "-" + base
	}
	return filepath.Join(v.s.Dir, base)
}

func (v *server) dataDir() string     { return v.file("mysql-data") }
func (v *server) mysqlSocket() string { return v.file("mysqld.sock") }
func (v *server) mysqlPIDFile() string {
	return v.file("mysqld.pid")
}
func (v *server) mysqlLog() string { return v.file("mysqld.log") }

// tmpDir is the server's own temporary folder: a shared /tmp may be
// cleaned under a running server.
func (v *server) tmpDir() string { return v.file("mysql-tmp") }

// initialised reports whether the data directory was already created.
func (v *server) initialised() bool {
	_, err := os.Stat(filepath.Join(v.dataDir(), "mysql"))
	return err == nil
}

// initDataDir creates the server's data directory with a root user that
// needs no password (the server only listens on 127.0.0.1 and its socket).
func (v *server) initDataDir(ctx context.Context) error {
	s := v.s
	if err := os.MkdirAll(v.dataDir(), 0o700); err != nil {
		return fmt.Errorf("create data directory %s: %w", v.dataDir(), err)
	}
	// The bootstrap server gets the private tmpdir too: a server starting
	// on /tmp deletes every #sql temp file there, the machine's other
	// servers' included (tests failed on "Error on delete of
	// '/tmp/#sql-temptable…'").
	if err := os.MkdirAll(v.tmpDir(), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", v.tmpDir(), err)
	}
	var cmd *exec.Cmd
	if s.bins.Kind == MariaDB {
		args := []string{"--no-defaults", "--datadir=" + v.dataDir(), "--tmpdir=" + v.tmpDir(), "--auth-root-authentication-method=normal", "--skip-test-db"}
		if u := runUser(); u != "" {
			args = append(args, "--user="+u)
		}
		cmd = exec.CommandContext(ctx, s.bins.InstallDB, args...)
	} else {
		cmd = exec.CommandContext(ctx, s.bins.Server, "--no-defaults", "--initialize-insecure", "--datadir="+v.dataDir(), "--tmpdir="+v.tmpDir())
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		_ = os.RemoveAll(v.dataDir())
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
func (v *server) startMySQL(port int) error {
	s := v.s
	args := []string{
		"--no-defaults",
		"--datadir=" + v.dataDir(),
		"--tmpdir=" + v.tmpDir(),
		"--socket=" + v.mysqlSocket(),
		"--pid-file=" + v.mysqlPIDFile(),
		"--log-error=" + v.mysqlLog(),
		"--bind-address=127.0.0.1",
		"--port=" + strconv.Itoa(port),
		"--innodb-buffer-pool-size=64M",
		"--max-connections=200",
	}
	if s.bins.Kind == MySQL {
		// --initialize-insecure makes only root@localhost, which a TCP
		// client from 127.0.0.1 matches only with name resolution on.
		args = append(args, "--mysqlx=OFF")
	} else {
		args = append(args, "--skip-name-resolve") // install-db made root@127.0.0.1 too
	}
	if u := runUser(); u != "" {
		args = append(args, "--user="+u)
	}
	if err := os.MkdirAll(v.tmpDir(), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", v.tmpDir(), err)
	}
	_ = os.Remove(v.mysqlPIDFile())
	pid, err := startDetached(v.mysqlLog(), s.bins.Server, args...)
	if err != nil {
		return err
	}
	*v.pid, *v.port = pid, port
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
func (v *server) waitMySQL(ctx context.Context, pid, port int) error {
	s := v.s
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
			return fmt.Errorf("the demo database server (%s) exited while starting; its log %s ends with:\n%s", s.bins.Server, v.mysqlLog(), tail(v.mysqlLog(), 20))
		}
		if lastErr = pingTCP(ctx, db, port); lastErr == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return fmt.Errorf("the demo database server did not answer on 127.0.0.1:%d within %s (last error: %v); its log %s ends with:\n%s",
					port, readyTimeout, lastErr, v.mysqlLog(), tail(v.mysqlLog(), 20))
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
func (v *server) mysqlRunning(ctx context.Context) bool {
	pid := readPID(v.mysqlPIDFile())
	if pid == 0 || !alive(pid) || *v.port == 0 {
		return false
	}
	conn, err := mysql.NewConnector(rootConfig(*v.port, ""))
	if err != nil {
		return false
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return pingTCP(pctx, db, *v.port) == nil
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
