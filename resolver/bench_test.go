package resolver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/resolver"
)

// BenchmarkTiers measures a lookup answered by each tier in one run and
// prints the ratios against the uncached central-database lookup:
//
//	go test -run '^$' -bench Tiers -benchtime 2s ./resolver/
func BenchmarkTiers(b *testing.B) {
	f := newFixture(b)
	f.create(b, "Acme", "acme.test")
	ctx := context.Background()
	perOp := map[string]float64{}

	b.Run("local-hit-parallel", func(b *testing.B) {
		r := f.resolver(b, nil, false, func(c *config.Cache) { c.LocalTTL = config.Duration(time.Hour) })
		warm(b, r)
		var failed atomic.Bool
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := r.Resolve(ctx, "acme.test"); err != nil {
					failed.Store(true)
				}
			}
		})
		b.StopTimer()
		if failed.Load() {
			b.Fatal("a lookup failed")
		}
		perOp["local"] = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(1e9/perOp["local"], "lookups/s")
	})
	b.Run("redis-hit", func(b *testing.B) {
		r := f.resolver(b, nil, false, func(c *config.Cache) { c.LocalTTL = 0 })
		warm(b, r)
		timed(b, perOp, "redis", func() error { _, err := r.Resolve(ctx, "acme.test"); return err })
	})
	b.Run("database-uncached", func(b *testing.B) {
		u := resolver.Uncached(f.svc.FindByDomain)
		timed(b, perOp, "database", func() error { _, err := u.Resolve(ctx, "acme.test"); return err })
	})
	if perOp["local"] > 0 && perOp["redis"] > 0 && perOp["database"] > 0 {
		b.Logf("per lookup: local %.0f ns, redis %.1f µs, database %.1f µs; database/local %.0fx, database/redis %.1fx",
			perOp["local"], perOp["redis"]/1e3, perOp["database"]/1e3, perOp["database"]/perOp["local"], perOp["database"]/perOp["redis"])
	}
}

func warm(b *testing.B, r *resolver.Resolver) {
	if _, err := r.Resolve(context.Background(), "acme.test"); err != nil {
		b.Fatal(err)
	}
}

// timed runs op b.N times on one goroutine, reporting p50/p99 latency.
func timed(b *testing.B, perOp map[string]float64, name string, op func() error) {
	hist := hdrhistogram.New(1, int64(time.Minute), 3)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		_ = hist.RecordValue(int64(time.Since(start)))
	}
	b.StopTimer()
	perOp[name] = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(float64(hist.ValueAtQuantile(50))/1e3, "p50-µs")
	b.ReportMetric(float64(hist.ValueAtQuantile(99))/1e3, "p99-µs")
}

// BenchmarkMiddleware serves requests in-process (no network) through
// the middleware, cached and uncached.
func BenchmarkMiddleware(b *testing.B) {
	f := newFixture(b)
	f.create(b, "Acme", "acme.test")
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	for _, c := range []struct {
		name   string
		finder func(b *testing.B) resolver.Finder
	}{
		{"cached", func(b *testing.B) resolver.Finder { return f.resolver(b, nil, false, nil) }},
		{"uncached", func(*testing.B) resolver.Finder { return resolver.Uncached(f.svc.FindByDomain) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := resolver.Middleware(c.finder(b), ok, resolver.MiddlewareOptions{})
			var failed atomic.Bool
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest(http.MethodGet, "http://acme.test/", nil)
				for pb.Next() {
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						failed.Store(true)
					}
				}
			})
			b.StopTimer()
			if failed.Load() {
				b.Fatal("a request was not served")
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
