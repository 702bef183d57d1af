package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/term"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/keys"
)

// App carries what every command shares: where to read and write, the
// global flags, and the configuration and services, opened on first use.
type App struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	ConfigPath     string
	ReadOnly       bool

	cfg   *config.Config
	svc   *tenants.Service
	cache *cacheHook
}

// Config loads and validates the configuration once.
func (a *App) Config() (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	cfg, err := config.Load(a.ConfigPath)
	if cfg != nil {
		// The dashboard's key bindings are checked with the rest of the
		// config, so a bad [ui.keys] fails every command the same way.
		if _, kerr := keys.New(cfg.UI.Keys, false); kerr != nil {
			err = config.Merge(err, &config.Error{Path: cfg.Path, Problems: []config.Problem{{Key: "ui.keys", Message: strings.TrimPrefix(kerr.Error(), "ui.keys: ")}}})
		}
	}
	var cerr *config.Error
	if errors.As(err, &cerr) {
		// List unreachable servers with the other problems, in one message.
		return nil, config.Merge(err, cfg.CheckReachable(context.Background()))
	}
	if err != nil {
		return nil, err
	}
	if a.ReadOnly {
		cfg.UI.ReadOnly = true
	}
	a.cfg = cfg
	return cfg, nil
}

// Service opens the tenant service once.
func (a *App) Service(ctx context.Context) (*tenants.Service, error) {
	if a.svc != nil {
		return a.svc, nil
	}
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	if err := cfg.CheckReachable(ctx); err != nil {
		return nil, err
	}
	svc, err := tenants.Open(ctx, cfg, tenants.Options{ReadOnly: cfg.UI.ReadOnly})
	if err != nil {
		return nil, err
	}
	if err := a.watchCache(svc); err != nil {
		svc.Close()
		return nil, err
	}
	a.svc = svc
	return svc, nil
}

// Close closes whatever was opened.
func (a *App) Close() {
	if a.cache != nil {
		a.cache.close(a.Stderr)
		a.cache = nil
	}
	if a.svc != nil {
		a.svc.Close()
		a.svc = nil
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(v any) bool {
	if l, ok := v.(*lockedWriter); ok {
		v = l.w
	}
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// lockedWriter serialises writes: the CLI's stderr takes lines from
// several goroutines at once (a run's items, the demo's setup, audit
// warnings), each line one Write.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// jsonEncoder writes indented JSON (printJSON).
func jsonEncoder(w io.Writer) *json.Encoder {
	enc := jsonLines(w)
	enc.SetIndent("", "  ")
	return enc
}

// jsonLines writes one JSON value per line (progress events, reports),
// exact and inert on a terminal (see jsonTerminalWriter).
func jsonLines(w io.Writer) *json.Encoder {
	return json.NewEncoder(jsonTerminalWriter{w})
}
