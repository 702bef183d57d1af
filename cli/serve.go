package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenancy-dev/tenancy/access"
	"github.com/tenancy-dev/tenancy/audit"
	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/sshd"
	"github.com/tenancy-dev/tenancy/tenants"
)

func newServeCmd(app *App) *cobra.Command {
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Serve the dashboard to other people (ssh)",
	}
	var listen string
	sshCmd := &cobra.Command{
		Use:   "ssh",
		Short: "Serve the dashboard over SSH to the users and keys of [ssh], each with a role",
		Long: "serve ssh listens on [ssh] listen (127.0.0.1:2222) and gives each user who logs in with a configured\n" +
			"public key (no passwords) a dashboard of their own: viewers read only, operators change but do not\n" +
			"delete, admins do everything; every change is kept in the audit log (tenancy audit).\n" +
			"The host key is made on first start at [ssh] host_key and kept.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serveSSH(cmd.Context(), app, listen, nil)
		},
	}
	sshCmd.Flags().StringVar(&listen, "listen", "", "host:port to listen on (default [ssh] listen, 127.0.0.1:2222)")
	serve.AddCommand(sshCmd)
	return serve
}

// serveSSH serves until ctx ends; prepare (the demo's) may change the
// configuration first.
func serveSSH(ctx context.Context, app *App, listen string, prepare func(*config.Config) error) error {
	cfg, err := app.Config()
	if err != nil {
		return err
	}
	if listen != "" {
		if _, _, err := net.SplitHostPort(listen); err != nil {
			return usagef("--listen %q is not host:port (like 127.0.0.1:2222)", listen)
		}
		cfg.SSH.Listen = listen
	}
	if prepare != nil {
		if err := prepare(cfg); err != nil {
			return err
		}
	}
	svc, err := app.Service(ctx)
	if err != nil {
		return err
	}
	auditDB, err := openCentral(cfg.Central.DSN)
	if err != nil {
		return err
	}
	defer auditDB.Close()
	logger := slog.New(slog.NewTextHandler(app.Stderr, nil))
	sink := audit.New(auditDB, func(e access.Entry, err error) {
		logger.Error("audit entry not kept (the change was made)", "user", e.User, "action", e.Action, "target", e.Target, "err", err)
	})
	if _, err := audit.Init(ctx, auditDB); err != nil {
		return err
	}
	if cfg.Audit.File != "" {
		lines, err := audit.OpenLines(cfg.Audit.File)
		if err != nil {
			return err
		}
		defer lines.Close()
		sink.WithLines(lines)
	}
	services := &sessionServices{cfg: cfg, rw: svc}
	defer services.close()
	machine, _ := access.FromContext(ctx)
	srv, err := sshd.New(sshd.Options{Config: cfg, Service: services.get, Audit: sink, Log: logger, MaxRole: machine.Role})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", cfg.SSH.Listen)
	if err != nil {
		return fmt.Errorf("ssh: listen on %s: %w (choose another with --listen or [ssh] listen)", cfg.SSH.Listen, err)
	}
	host, port, _ := net.SplitHostPort(l.Addr().String())
	printf(app.Stderr, "Serving the dashboard over SSH on %s (host key %s).\nTry: ssh -p %s %s\n", l.Addr(), srv.HostKeyFingerprint(), port, host)
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	err = srv.Serve(l)
	_ = srv.Close()
	<-done
	return err
}

// sessionServices hands SSH sessions the tenant service: the app's for
// writers, and one opened read-only (once) for viewers.
type sessionServices struct {
	cfg *config.Config
	rw  *tenants.Service

	mu sync.Mutex
	ro *tenants.Service
}

func (s *sessionServices) get(ctx context.Context, readOnly bool) (*tenants.Service, error) {
	if !readOnly || s.rw.ReadOnly() {
		return s.rw, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ro == nil {
		ro, err := tenants.Open(context.WithoutCancel(ctx), s.cfg, tenants.Options{ReadOnly: true})
		if err != nil {
			return nil, err
		}
		s.ro = ro
	}
	return s.ro, nil
}

func (s *sessionServices) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ro != nil {
		s.ro.Close()
	}
}
