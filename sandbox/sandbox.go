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
	"time"
)

// Options tune Up.
type Options struct {
	// Dir is the sandbox directory; empty takes DefaultDir().
	Dir string
	// Fresh stops the servers and deletes the sandbox before building it again.
	Fresh bool
}

// state is what the sandbox records between runs (state.json).
type state struct {
	MySQLPID  int  `json:"mysql_pid"`
	MySQLPort int  `json:"mysql_port"`
	RedisPID  int  `json:"redis_pid,omitempty"`
	RedisPort int  `json:"redis_port,omitempty"`
	Populated bool `json:"populated"`
}

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
	if opts.Fresh {
		report("removing the old sandbox in " + dir)
		if err := Stop(dir); err != nil {
			return nil, err
		}
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("remove demo directory %s: %w", dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create demo directory %s: %w", dir, err)
	}
	s := &Sandbox{Dir: dir, ConfigPath: filepath.Join(dir, "config.toml"), bins: bins}
	s.loadState()
	if err := s.ensureMySQL(ctx, report); err != nil {
		return nil, err
	}
	if err := s.ensureRedis(ctx, report); err != nil {
		return nil, err
	}
	if err := s.saveState(); err != nil {
		return nil, err
	}
	if err := s.writeConfig(); err != nil {
		return nil, err
	}
	if !s.state.Populated {
		if err := s.populate(ctx, report); err != nil {
			return nil, err
		}
		s.state.Populated = true
		if err := s.saveState(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Sandbox) ensureMySQL(ctx context.Context, report func(string)) error {
	if s.mysqlRunning(ctx) {
		s.Reused = true
		return nil
	}
	if !s.initialised() {
		tool := s.bins.InstallDB
		if tool == "" {
			tool = s.bins.Server + " --initialize-insecure"
		}
		report("creating the demo database server's data directory with " + filepath.Base(tool))
		s.state.Populated = false
		if err := s.initDataDir(ctx); err != nil {
			return err
		}
	}
	port := s.state.MySQLPort
	if !portFree(port) {
		p, err := freePort()
		if err != nil {
			return err
		}
		port = p
	}
	report(fmt.Sprintf("starting %s on 127.0.0.1:%d", filepath.Base(s.bins.Server), port))
	if err := s.startMySQL(port); err != nil {
		return err
	}
	return s.waitMySQL(ctx, s.state.MySQLPID, port)
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
	s := &Sandbox{Dir: dir}
	var errs []error
	for _, pidFile := range []string{s.redisPIDFile(), s.mysqlPIDFile()} {
		if err := stopPID(readPID(pidFile), 30*time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Running reports whether the sandbox in dir has a server that answers.
func Running(ctx context.Context, dir string) bool {
	dir, err := resolveDir(dir)
	if err != nil {
		return false
	}
	s := &Sandbox{Dir: dir}
	s.loadState()
	return s.mysqlRunning(ctx)
}
