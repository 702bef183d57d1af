// Command resolver is an example Go web app on tenancy's resolver: every
// request's Host is resolved to its tenant (in-process cache, Redis, then
// the central database), unknown/blocked/inactive tenants are refused by
// the middleware, and last access is written in batches.
//
//	go run ./examples/resolver -config tenancy.toml -addr 127.0.0.1:8080
//	curl -H 'Host: acme.test' http://127.0.0.1:8080/
//
// -cache=false serves every request from the central database, for
// comparison (scripts/bench-resolver.sh measures both).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
)

func main() {
	configPath := flag.String("config", "", "tenancy config file (default: tenancy's search path)")
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	cached := flag.Bool("cache", true, "resolve through the cache (false: the central database on every request)")
	track := flag.Bool("track-access", true, "record tenants' last access (batched)")
	flag.Parse()
	if err := run(*configPath, *addr, *cached, *track); err != nil {
		log.Fatal(err)
	}
}

func run(configPath, addr string, cached, track bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.Load(configPath)
	if err != nil {
		return err
	}
	svc, err := tenants.Open(ctx, cfg, tenants.Options{})
	if err != nil {
		return err
	}
	defer svc.Close()

	var finder resolver.Finder = resolver.Uncached(svc.FindByDomain)
	if cached {
		r, closeResolver, err := resolver.Open(svc)
		if err != nil {
			return err
		}
		defer closeResolver()
		finder = r
	}
	var opts resolver.MiddlewareOptions
	if track {
		opts.Access = resolver.NewAccessRecorder(svc.TouchLastAccess, cfg.Cache.AccessInterval.D())
	}
	srv := &http.Server{
		Addr:              addr,
		Handler:           resolver.Middleware(finder, http.HandlerFunc(hello), opts),
		ReadHeaderTimeout: 5 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	log.Printf("serving tenants on http://%s (cache %v)", addr, cached)
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if opts.Access != nil {
		return opts.Access.Close(shutdown) // the last accesses are written before exit
	}
	return nil
}

// hello is the app: it finds its tenant in the request context.
func hello(w http.ResponseWriter, r *http.Request) {
	t, _ := resolver.FromContext(r.Context())
	fmt.Fprintf(w, "Hello from %s (tenant %s, database %s)\n", t.Name, t.ID, t.Database)
}
