package resolver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/tenancy-dev/tenancy/tenants"
)

// MiddlewareOptions tune the HTTP middleware. Empty bodies take defaults.
type MiddlewareOptions struct {
	// UnknownBody answers a host no tenant owns (404).
	UnknownBody string
	// BlockedBody answers a blocked tenant's host (403).
	BlockedBody string
	// InactiveBody answers an inactive tenant's host (404, as artflow
	// does), and a status tenancy does not know.
	InactiveBody string
	// UnavailableBody answers when the central database cannot be read (503).
	UnavailableBody string
	// Access, when set, records each served tenant's last access.
	Access *AccessRecorder
	// MaintenanceBody answers a tenant in maintenance mode that stored no
	// message or template (503 unless its status says otherwise).
	MaintenanceBody string
	// ClientIP returns the address checked against a tenant's allowed
	// IPs in maintenance mode; nil: the host of RemoteAddr. Behind a
	// proxy, return the address it forwarded (as Laravel's TrustProxies).
	ClientIP func(*http.Request) string
	// Now is the clock of maintenance bypass cookies (nil: time.Now).
	Now func() time.Time
}

func (o MiddlewareOptions) withDefaults() MiddlewareOptions {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.UnknownBody, "Unknown domain.\n")
	def(&o.BlockedBody, "This site is blocked.\n")
	def(&o.InactiveBody, "Unknown domain.\n")
	def(&o.UnavailableBody, "Service temporarily unavailable.\n")
	def(&o.MaintenanceBody, "Down for maintenance.\n")
	if o.ClientIP == nil {
		o.ClientIP = remoteIP
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

type tenantKey struct{}

// WithTenant returns ctx carrying t.
func WithTenant(ctx context.Context, t tenants.Tenant) context.Context {
	return context.WithValue(ctx, tenantKey{}, t)
}

// FromContext returns the tenant the middleware resolved for a request.
func FromContext(ctx context.Context) (tenants.Tenant, bool) {
	t, ok := ctx.Value(tenantKey{}).(tenants.Tenant)
	return t, ok
}

// Finder finds the tenant of a request's Host; a *Resolver is one, and
// Uncached is one without any cache.
type Finder interface {
	Resolve(ctx context.Context, host string) (tenants.Tenant, error)
}

// Uncached is a Finder that asks the central database on every call,
// what a request costs without the resolver (benchmarks compare the two).
type Uncached Loader

// Resolve normalises host and loads its tenant.
func (u Uncached) Resolve(ctx context.Context, host string) (tenants.Tenant, error) {
	domain := NormalizeHost(host)
	t, err := u(ctx, domain)
	if errors.Is(err, tenants.ErrNotFound) {
		return t, fmt.Errorf("domain %s: %w", domain, ErrUnknownDomain)
	}
	return t, err
}

// Middleware resolves each request's Host and passes the request on with
// the tenant in its context (FromContext). Unknown host → 404, blocked →
// 403, inactive → 404; a failure to resolve (the central database down
// with nothing cached) → 503. An active tenant in maintenance mode is
// answered as Laravel's and stancl's middleware do (resolver/maintenance.go).
func Middleware(f Finder, next http.Handler, opts MiddlewareOptions) http.Handler {
	opts = opts.withDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		t, err := f.Resolve(req.Context(), req.Host)
		switch {
		case errors.Is(err, ErrUnknownDomain):
			writeBody(w, http.StatusNotFound, opts.UnknownBody)
			return
		case err != nil:
			if req.Context().Err() == nil {
				writeBody(w, http.StatusServiceUnavailable, opts.UnavailableBody)
			}
			return
		}
		switch t.Status {
		case tenants.StatusActive:
		case tenants.StatusBlocked:
			writeBody(w, http.StatusForbidden, opts.BlockedBody)
			return
		default:
			writeBody(w, http.StatusNotFound, opts.InactiveBody)
			return
		}
		if t.Maintenance != nil && answerMaintenance(w, req, *t.Maintenance, opts) {
			return
		}
		if opts.Access != nil {
			opts.Access.Record(t.ID)
		}
		next.ServeHTTP(w, req.WithContext(WithTenant(req.Context(), t)))
	})
}

func writeBody(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}
