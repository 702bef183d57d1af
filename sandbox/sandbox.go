// Package sandbox runs the demo environment behind `tenancy demo`: a
// private MariaDB/MySQL server (and redis-server when installed) started
// from the installed binaries in a state directory, listening only on
// 127.0.0.1 and a socket, filled with a dozen example tenants, and a
// config file pointing at it. Its servers outlive the command so later
// runs reuse them; Stop ends them.
package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Options tune Up.
type Options struct {
	// Dir is the sandbox directory; empty takes DefaultDir().
	Dir string
	// Fresh stops the servers and deletes the sandbox before building it again.
	Fresh bool
	// Tenants is how many tenants the fleet holds (0: DemoTenants); tests
	// build small fleets.
	Tenants int
	// Workers, above 0, makes the sandbox's Redis the config's work queue
	// ([queue] url) for that many `tenancy worker` processes
	// (StartWorkers); it needs redis-server.
	Workers int
}

// state is what the sandbox records between runs (state.json).
type state struct {
	MySQLPID   int `json:"mysql_pid"`
	MySQLPort  int `json:"mysql_port"`
	SecondPID  int `json:"second_pid,omitempty"`
	SecondPort int `json:"second_port,omitempty"`
	RedisPID   int `json:"redis_pid,omitempty"`
	RedisPort  int `json:"redis_port,omitempty"`
	// Populated is the first sandbox's mark (a dozen tenants on one
	// server); Version replaced it: a sandbox below fleetVersion is
	// upgraded in place (second server, the rest of the fleet, the
	// migrations folder) and keeps what it holds.
	Populated bool `json:"populated,omitempty"`
	Version   int  `json:"version,omitempty"`
	// Tenants is the fleet size it was built with.
	Tenants int `json:"tenants,omitempty"`
}

// fleetVersion is the sandbox layout this tenancy builds: two servers,
// the demo fleet, a migrations folder with one pending migration.
const fleetVersion = 2

// Sandbox is a prepared demo environment.
type Sandbox struct {
	Dir string
	// ConfigPath is the config file tenancy opens the sandbox with.
	ConfigPath string
	// Reused is true when the servers were already running.
	Reused bool
	// Redis is false when no redis-server is installed.
	Redis bool

	bins  Binaries
	state state
	// queued puts [queue] in the config (Options.Workers).
	queued bool
}

// DefaultDir is $XDG_STATE_HOME/tenancy/demo, else ~/.local/state/tenancy/demo.
func DefaultDir() (string, error) {
	if x := os.Getenv("XDG_STATE_HOME"); x != "" {
		return filepath.Join(x, "tenancy", "demo"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the demo directory: %w (set $XDG_STATE_HOME)", err)
	}
	return filepath.Join(home, ".local", "state", "tenancy", "demo"), nil
}

func resolveDir(dir string) (string, error) {
	if dir != "" {
		return filepath.Abs(dir)
	}
	return DefaultDir()
}

// ConfigFile is the config file of the sandbox in dir (empty: DefaultDir),
// which Up writes: a command can point at it before the sandbox exists
// (demo's audit entries of the tenants Up creates go to that config's
// central database).
func ConfigFile(dir string) (string, error) {
	dir, err := resolveDir(dir)
	if err != nil {
		return "", err
	}
	return configFile(dir), nil
}

func configFile(dir string) string { return filepath.Join(dir, "config.toml") }

func (s *Sandbox) statePath() string { return filepath.Join(s.Dir, "state.json") }

func (s *Sandbox) loadState() {
	if b, err := os.ReadFile(s.statePath()); err == nil {
		_ = json.Unmarshal(b, &s.state) // a damaged state only costs a restart
	}
}

func (s *Sandbox) saveState() error {
	b, err := json.MarshalIndent(s.state, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(s.statePath(), b, 0o600); err != nil {
		return fmt.Errorf("write demo state %s: %w", s.statePath(), err)
	}
	return nil
}

// Up makes sure the sandbox exists, its servers run and its tenants are
// created, reporting each stage in a sentence.
func Up(ctx context.Context, opts Options, report func(string)) (*Sandbox, error) {
	if report == nil {
		report = func(string) {}
	}
	dir, err := resolveDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	bins, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	unlock, err := lock(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if opts.Fresh {
		report("removing the old sandbox in " + dir)
		if err := stopServers(dir); err != nil {
			return nil, err
		}
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("remove demo directory %s: %w", dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create demo directory %s: %w", dir, err)
	}
	s := &Sandbox{Dir: dir, ConfigPath: configFile(dir), bins: bins}
	s.loadState()
	s.Reused = true
	for _, v := range []*server{s.central(), s.second()} {
		if err := s.ensureMySQL(ctx, v, report); err != nil {
			return nil, err
		}
	}
	if err := s.ensureRedis(ctx, report); err != nil {
		return nil, err
	}
	if s.queued = opts.Workers > 0; s.queued && !s.Redis {
		return nil, errors.New("demo --workers needs redis-server for the work queue: install it (apt install redis-server)")
	}
	if err := s.saveState(); err != nil {
		return nil, err
	}
	if err := s.writeConfig(); err != nil {
		return nil, err
	}
	n := opts.Tenants
	if n <= 0 {
		n = DemoTenants
	}
	if s.state.Version < fleetVersion || s.state.Tenants < n {
		if s.state.Populated && s.state.Version < fleetVersion {
			report("upgrading the demo sandbox to a fleet: a second server, " + fmt.Sprint(n) + " tenants, a migrations folder (the tenants there are kept)")
		}
		if err := s.populate(ctx, n, report); err != nil {
			return nil, err
		}
		s.state.Populated, s.state.Version, s.state.Tenants = false, fleetVersion, n
		if err := s.saveState(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Sandbox) ensureMySQL(ctx context.Context, v *server, report func(string)) error {
	if v.mysqlRunning(ctx) {
		return nil
	}
	s.Reused = false
	what := "the demo database server"
	if v.name != "" {
		what = "the demo's second database server (" + v.name + ")"
	}
	if !v.initialised() {
		tool := s.bins.InstallDB
		if tool == "" {
			tool = s.bins.Server + " --initialize-insecure"
		}
		report("creating the data directory of " + what + " with " + filepath.Base(tool))
		s.state.Populated, s.state.Version, s.state.Tenants = false, 0, 0
		if err := v.initDataDir(ctx); err != nil {
			return err
		}
	}
	port := *v.port
	if !portFree(port) {
		p, err := freePort()
		if err != nil {
			return err
		}
		port = p
	}
	report(fmt.Sprintf("starting %s (%s) on 127.0.0.1:%d", what, filepath.Base(s.bins.Server), port))
	if err := v.startMySQL(port); err != nil {
		return err
	}
	return v.waitMySQL(ctx, *v.pid, port)
}

func (s *Sandbox) ensureRedis(ctx context.Context, report func(string)) error {
	if s.bins.Redis == "" {
		return nil
	}
	s.Redis = true
	if s.redisRunning(ctx) {
		return nil
	}
	port := s.state.RedisPort
	if !portFree(port) {
		p, err := freePort()
		if err != nil {
			return err
		}
		port = p
	}
	report(fmt.Sprintf("starting redis-server on 127.0.0.1:%d", port))
	if err := s.startRedis(port); err != nil {
		return err
	}
	return s.waitRedis(ctx, s.state.RedisPID, port)
}

// Stop stops the sandbox's servers in dir (empty: the default directory).
// Stopping a sandbox that is not running is not an error.
func Stop(dir string) error {
	dir, err := resolveDir(dir)
	if err != nil {
		return err
	}
	unlock, err := lock(dir)
	if err != nil {
		return err
	}
	defer unlock()
	return stopServers(dir)
}

func stopServers(dir string) error {
	s := &Sandbox{Dir: dir}
	var errs []error
	if err := stopWorkers(s.workersPIDFile()); err != nil {
		errs = append(errs, err)
	}
	if err := stopFill(s.fillPIDFile()); err != nil {
		errs = append(errs, err)
	}
	for _, pidFile := range []string{s.redisPIDFile(), s.second().mysqlPIDFile(), s.central().mysqlPIDFile()} {
		if err := stopPID(readPID(pidFile), 30*time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// lock serialises tenancy processes working on the sandbox in dir (two
// `tenancy demo` started at once would both build it). The lock file sits
// beside the directory, which --fresh deletes.
func lock(dir string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(dir), err)
	}
	f, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open demo lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, nil // closing releases the lock
}

// Running reports whether the sandbox in dir has a server that answers.
func Running(ctx context.Context, dir string) bool {
	dir, err := resolveDir(dir)
	if err != nil {
		return false
	}
	s := &Sandbox{Dir: dir}
	s.loadState()
	return s.central().mysqlRunning(ctx) && s.second().mysqlRunning(ctx)
}
