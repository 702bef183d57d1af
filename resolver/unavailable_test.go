package resolver_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/resolver"
)

// TestMiddlewareUnavailableWhenTheLookupFails: while the central
// database's lookup query fails, a host nothing has cached answers 503,
// never 404 (a user must not be told their site does not exist), through
// the resolver and uncached alike; an unknown host is 404 before and
// after, and what the resolver has cached is still served.
func TestMiddlewareUnavailableWhenTheLookupFails(t *testing.T) {
	f := newFixture(t)
	f.create(t, "Active", "active.test")
	r := f.resolver(t, nil, false, func(c *config.Cache) {
		c.LocalTTL, c.NegativeTTL = config.Duration(time.Hour), config.Duration(time.Hour)
	})
	const unavailable = "Service temporarily unavailable.\n"
	cached := httptest.NewServer(resolver.Middleware(r, tenantEcho(), resolver.MiddlewareOptions{}))
	defer cached.Close()
	uncached := httptest.NewServer(resolver.Middleware(resolver.Uncached(f.svc.FindByDomain), tenantEcho(), resolver.MiddlewareOptions{}))
	defer uncached.Close()
	type answer struct {
		code int
		body string
	}
	expect := func(srv *httptest.Server, host string, want answer) {
		t.Helper()
		code, body := get(t, srv, host)
		require.Equal(t, want, answer{code, body}, "%s", host)
	}
	ok, unknown := answer{http.StatusOK, "hello Active"}, answer{http.StatusNotFound, "Unknown domain.\n"}
	for _, srv := range []*httptest.Server{cached, uncached} {
		expect(srv, "active.test", ok)
		expect(srv, "nobody.test", unknown)
	}

	central := f.env.Database(t, f.env.Prefix+"central")
	_, err := central.Exec("RENAME TABLE domains TO domains_away")
	require.NoError(t, err)
	down := answer{http.StatusServiceUnavailable, unavailable}
	expect(cached, "other.test", down)
	expect(cached, "active.test", ok)
	expect(cached, "nobody.test", unknown)
	expect(uncached, "other.test", down)
	expect(uncached, "active.test", down)

	_, err = central.Exec("RENAME TABLE domains_away TO domains")
	require.NoError(t, err)
	expect(cached, "other.test", unknown) // the failure was not remembered as unknown
	expect(uncached, "other.test", unknown)
}
