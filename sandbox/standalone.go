package sandbox

import (
	"context"
	"fmt"
	"os"
	"time"
)

// Standalone is one private database server started on its own, outside
// a demo: integration tests that need a second server (tenant moves)
// start one in a folder of theirs and stop it when they end.
type Standalone struct {
	// DSN reaches it as root over TCP on 127.0.0.1, no database selected.
	DSN string
	v   *server
}

// StartServer starts a server from the installed binaries with its data
// directory in dir (created on first use, reused after), on a free port.
func StartServer(ctx context.Context, dir string) (*Standalone, error) {
	bins, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	s := &Sandbox{Dir: dir, bins: bins}
	v := s.second()
	if !v.initialised() {
		if err := v.initDataDir(ctx); err != nil {
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if err := v.startMySQL(port); err != nil {
		return nil, err
	}
	if err := v.waitMySQL(ctx, *v.pid, port); err != nil {
		_ = stopPID(*v.pid, 10*time.Second)
		return nil, err
	}
	cfg := rootConfig(port, "")
	cfg.ParseTime = false
	return &Standalone{DSN: cfg.FormatDSN(), v: v}, nil
}

// Stop ends the server.
func (x *Standalone) Stop() error { return stopPID(*x.v.pid, 30*time.Second) }
