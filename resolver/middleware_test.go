package resolver_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/resolver"
	"github.com/tenancy-dev/tenancy/tenants"
)

func get(t *testing.T, srv *httptest.Server, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	req.Host = host
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func tenantEcho() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, ok := resolver.FromContext(r.Context())
		if !ok {
			http.Error(w, "no tenant in context", http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "hello "+t.Name)
	})
}

func TestMiddlewareStatusCodes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.create(t, "Active", "active.test")
	blocked := f.create(t, "Blocked", "blocked.test")
	inactive := f.create(t, "Inactive", "inactive.test")
	_, err := f.svc.SetStatus(ctx, blocked, tenants.StatusBlocked)
	require.NoError(t, err)
	_, err = f.svc.SetStatus(ctx, inactive, tenants.StatusInactive)
	require.NoError(t, err)

	r := f.resolver(t, nil, true, nil)
	opts := resolver.MiddlewareOptions{UnknownBody: "nobody here", BlockedBody: "blocked!"}
	srv := httptest.NewServer(resolver.Middleware(r, tenantEcho(), opts))
	defer srv.Close()
	for _, c := range []struct {
		host string
		code int
		body string
	}{
		{"active.test", http.StatusOK, "hello Active"},
		{"ACTIVE.test:8080", http.StatusOK, "hello Active"},
		{"blocked.test", http.StatusForbidden, "blocked!"},
		{"inactive.test", http.StatusNotFound, "Unknown domain.\n"},
		{"nobody.test", http.StatusNotFound, "nobody here"},
	} {
		code, body := get(t, srv, c.host)
		require.Equal(t, c.code, code, c.host)
		require.Equal(t, c.body, body, c.host)
	}
}

func TestMiddlewareBatchesLastAccess(t *testing.T) {
	f := newFixture(t)
	a := f.create(t, "A", "a.test")
	b := f.create(t, "B", "b.test")
	var mu sync.Mutex
	touches := map[string]int{}
	lastAt := map[string]time.Time{}
	var updates atomic.Int64
	touch := func(ctx context.Context, id string, at time.Time) error {
		updates.Add(1)
		mu.Lock()
		touches[id]++
		lastAt[id] = at
		mu.Unlock()
		return f.svc.TouchLastAccess(ctx, id, at)
	}
	const interval = 300 * time.Millisecond
	access := resolver.NewAccessRecorder(touch, interval)
	r := f.resolver(t, nil, false, nil)
	srv := httptest.NewServer(resolver.Middleware(r, tenantEcho(), resolver.MiddlewareOptions{Access: access}))
	defer srv.Close()

	start := time.Now()
	const requests = 100
	for i := range requests {
		host := "a.test"
		if i%4 == 0 {
			host = "b.test"
		}
		code, _ := get(t, srv, host)
		require.Equal(t, http.StatusOK, code)
	}
	require.Eventually(t, func() bool { return updates.Load() >= 2 }, 5*time.Second, 10*time.Millisecond, "a flush within the interval")
	elapsed := time.Since(start)
	intervals := int(elapsed/interval) + 1
	mu.Lock()
	for _, id := range []string{a.ID, b.ID} {
		require.GreaterOrEqual(t, touches[id], 1)
		require.LessOrEqual(t, touches[id], intervals, "at most one UPDATE per tenant per interval (%d requests, %s)", requests, elapsed)
	}
	mu.Unlock()

	// Accesses since the last flush are written on Close: the last write
	// for a.test carries the final request's time. (A flush of the earlier
	// requests may still come in between on a slow machine, so the count
	// of writes is not what to check.)
	final := time.Now()
	code, _ := get(t, srv, "a.test")
	require.Equal(t, http.StatusOK, code)
	require.NoError(t, access.Close(context.Background()))
	mu.Lock()
	require.False(t, lastAt[a.ID].Before(final), "the access after the last flush was written on Close (last write for %s at %s, request at %s)", a.ID, lastAt[a.ID], final)
	mu.Unlock()
	closed := updates.Load()

	for _, id := range []string{a.ID, b.ID} {
		got, err := f.svc.Find(context.Background(), id)
		require.NoError(t, err)
		require.NotNil(t, got.LastAccessedAt, "last_accessed_at of %s", id)
		require.WithinDuration(t, time.Now(), *got.LastAccessedAt, time.Minute)
	}
	require.Equal(t, closed, updates.Load(), "nothing is written after Close")
}
