package resolver_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
)

// request sends one request to host (path, optional client IP in
// X-Test-IP and cookies) without following redirects.
func request(t *testing.T, srv *httptest.Server, host, path, ip string, cookies ...*http.Cookie) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	require.NoError(t, err)
	req.Host = host
	if ip != "" {
		req.Header.Set("X-Test-IP", ip)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	client := *srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func body(t *testing.T, resp *http.Response) string {
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// maintenanceServer serves the middleware with the client IP taken from
// X-Test-IP (as a proxy-aware ClientIP would take X-Forwarded-For).
func maintenanceServer(t *testing.T, f resolver.Finder) *httptest.Server {
	srv := httptest.NewServer(resolver.Middleware(f, tenantEcho(), resolver.MiddlewareOptions{
		ClientIP: func(r *http.Request) string { return r.Header.Get("X-Test-IP") },
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestMiddlewareMaintenance(t *testing.T) {
	for _, form := range []tenants.MaintenanceForm{tenants.MaintenanceExcept, tenants.MaintenanceTime} {
		t.Run(string(form), func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			acme := f.create(t, "Acme", "acme.test")
			r := f.resolver(t, nil, true, nil)
			srv := maintenanceServer(t, r)

			resp := request(t, srv, "acme.test", "/", "")
			require.Equal(t, http.StatusOK, resp.StatusCode)
			lookup(t, r, "acme.test", resolver.TierLocal) // cached

			down, err := f.svc.Down(ctx, acme, tenants.DownRequest{Message: "Upgrading", Retry: 120, Secret: "let-me-in",
				Allowed: []string{"10.0.0.0/8"}, Form: form})
			require.NoError(t, err)

			// the cached resolver sees it at once
			resp = request(t, srv, "acme.test", "/dashboard", "192.0.2.1")
			require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
			require.Equal(t, "120", resp.Header.Get("Retry-After"))
			require.Equal(t, "Upgrading\n", body(t, resp))
			require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))

			// an allowed IP passes
			resp = request(t, srv, "acme.test", "/dashboard", "10.20.30.40")
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Equal(t, "hello Acme", body(t, resp))

			// the secret sets the bypass cookie and redirects to /
			resp = request(t, srv, "acme.test", "/let-me-in", "")
			require.Equal(t, http.StatusFound, resp.StatusCode)
			require.Equal(t, "/", resp.Header.Get("Location"))
			var bypass *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == resolver.BypassCookie {
					bypass = c
				}
			}
			require.NotNil(t, bypass, "Set-Cookie laravel_maintenance")
			require.True(t, bypass.HttpOnly)
			require.Equal(t, "/", bypass.Path)
			require.WithinDuration(t, time.Now().Add(12*time.Hour), bypass.Expires, time.Minute, "valid 12 hours, as Laravel's")
			resp = request(t, srv, "acme.test", "/dashboard", "", bypass)
			require.Equal(t, http.StatusOK, resp.StatusCode, "later requests with the cookie pass")

			// a cookie made with another secret, an expired one, or garbage do not
			for _, v := range []string{
				url.QueryEscape(resolver.BypassValue("other", time.Now().Add(time.Hour))),
				url.QueryEscape(resolver.BypassValue("let-me-in", time.Now().Add(-time.Minute))),
				"bm90IGpzb24=", "%zz",
			} {
				resp = request(t, srv, "acme.test", "/", "", &http.Cookie{Name: resolver.BypassCookie, Value: v})
				require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "cookie %q", v)
			}
			// one made as PHP sends it (rawurlencoded) passes: Laravel's cookie works here
			resp = request(t, srv, "acme.test", "/", "", &http.Cookie{Name: resolver.BypassCookie,
				Value: url.PathEscape(resolver.BypassValue("let-me-in", time.Now().Add(time.Hour)))})
			require.Equal(t, http.StatusOK, resp.StatusCode)

			// up: served again at once
			_, err = f.svc.Up(ctx, down)
			require.NoError(t, err)
			resp = request(t, srv, "acme.test", "/dashboard", "192.0.2.1")
			require.Equal(t, http.StatusOK, resp.StatusCode)
		})
	}
}

func TestMaintenanceInvalidatesEveryTier(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	acme := f.create(t, "Acme", "acme.test")
	watching := f.resolver(t, nil, true, nil)
	other := f.resolver(t, nil, false, nil) // another process: pub/sub only
	redisOnly := f.resolver(t, nil, false, func(c *config.Cache) { c.LocalTTL = 0 })
	lookup(t, watching, "acme.test", resolver.TierDatabase)
	lookup(t, watching, "acme.test", resolver.TierLocal)
	lookup(t, other, "acme.test", resolver.TierRedis)
	lookup(t, other, "acme.test", resolver.TierLocal)
	lookup(t, redisOnly, "acme.test", resolver.TierRedis)

	down, err := f.svc.Down(ctx, acme, tenants.DownRequest{Retry: 30})
	require.NoError(t, err)
	res := lookup(t, redisOnly, "acme.test", resolver.TierDatabase)
	require.NotNil(t, res.Tenant.Maintenance, "the Redis entry was deleted with the write")
	res, err = watching.Lookup(ctx, "acme.test")
	require.NoError(t, err)
	require.NotEqual(t, resolver.TierLocal, res.Tier, "the watching resolver's in-process entry was dropped at once")
	require.NotNil(t, res.Tenant.Maintenance)
	require.Eventually(t, func() bool {
		res, err := redisOnly.Lookup(ctx, "acme.test")
		return err == nil && res.Tier == resolver.TierRedis && res.Tenant.Maintenance != nil && res.Tenant.Maintenance.Retry == 30
	}, 5*time.Second, 5*time.Millisecond, "maintenance survives the Redis round trip")
	require.Eventually(t, func() bool {
		res, err := other.Lookup(ctx, "acme.test")
		return err == nil && res.Tenant.Maintenance != nil
	}, 5*time.Second, 5*time.Millisecond, "another process's resolver drops it on the pub/sub message")

	_, err = f.svc.Up(ctx, down)
	require.NoError(t, err)
	res = lookup(t, watching, "acme.test", resolver.TierDatabase)
	require.Nil(t, res.Tenant.Maintenance)
	res, err = redisOnly.Lookup(ctx, "acme.test")
	require.NoError(t, err)
	require.Nil(t, res.Tenant.Maintenance, "the Redis entry of the down tenant is gone")
}

// A tenant the Laravel app put down (stancl's current form, written
// straight into data) with except paths, a redirect and its own status.
func TestMiddlewareLaravelExceptForm(t *testing.T) {
	f := newStanclFixture(t)
	acme := f.create(t, "Acme", "acme.test")
	central := f.env.Database(t, f.env.Prefix+"central")
	_, err := central.Exec(`UPDATE tenants SET data = JSON_SET(data, '$.maintenance_mode', JSON_OBJECT(
		'except', JSON_ARRAY('/health', 'api/*'), 'redirect', '/maintenance', 'retry', '60', 'refresh', 15,
		'secret', NULL, 'status', 503)) WHERE id = ?`, acme.ID)
	require.NoError(t, err)
	srv := maintenanceServer(t, resolver.Uncached(f.svc.FindByDomain))

	for _, p := range []string{"/health", "/health/", "/api/v1/orders"} {
		resp := request(t, srv, "acme.test", p, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s is excepted", p)
	}
	resp := request(t, srv, "acme.test", "/shop", "")
	require.Equal(t, http.StatusFound, resp.StatusCode)
	require.Equal(t, "/maintenance", resp.Header.Get("Location"))
	resp = request(t, srv, "acme.test", "/maintenance", "")
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Equal(t, "60", resp.Header.Get("Retry-After"))
	require.Equal(t, "15", resp.Header.Get("Refresh"))
	require.Equal(t, "Down for maintenance.\n", body(t, resp))
	resp = request(t, srv, "acme.test", "/null", "")
	require.Equal(t, http.StatusFound, resp.StatusCode, "a null secret is no secret")
}
