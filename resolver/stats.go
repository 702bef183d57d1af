package resolver

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// localSample: one in this many in-process hits is timed into the
// latency histogram, so the fast path stays free of the histogram's lock.
const localSample = 64

// counters are a resolver's running totals.
type counters struct {
	localHits, localMisses           atomic.Int64
	redisHits, redisMisses           atomic.Int64
	dbLoads, dbAnswers, negativeHits atomic.Int64
	invalidations, flushes           atomic.Int64
	redisErrors, staleStores         atomic.Int64

	histMu sync.Mutex
	hist   *hdrhistogram.Histogram // nanoseconds
}

func newCounters() *counters {
	return &counters{hist: hdrhistogram.New(100, int64(time.Minute), 2)}
}

func (c *counters) localHit(negative bool, start time.Time) {
	n := c.localHits.Add(1)
	if negative {
		c.negativeHits.Add(1)
	}
	if n%localSample == 0 {
		c.observe(time.Since(start))
	}
}

// record counts a lookup answered past the in-process tier.
func (c *counters) record(res Result, start time.Time) {
	switch res.Tier {
	case TierRedis:
		c.redisHits.Add(1)
		if !res.Found {
			c.negativeHits.Add(1)
		}
	case TierDatabase:
		c.dbAnswers.Add(1)
	}
	c.observe(time.Since(start))
}

func (c *counters) observe(d time.Duration) {
	c.histMu.Lock()
	_ = c.hist.RecordValue(max(int64(d), 100))
	c.histMu.Unlock()
}

// Latency summarises the lookup latency histogram, in microseconds.
type Latency struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50_us"`
	P90   float64 `json:"p90_us"`
	P99   float64 `json:"p99_us"`
	Max   float64 `json:"max_us"`
}

// Stats is a snapshot of one resolver's counters. Hits count lookups
// each tier answered; misses and errors count reads of that tier; DBLoads
// counts central-database queries (one per domain under a stampede).
type Stats struct {
	Instance      string    `json:"instance"`
	At            time.Time `json:"at"`
	Breaker       string    `json:"breaker"`
	BreakerOpens  int64     `json:"breaker_opens"`
	LocalEntries  int       `json:"local_entries"`
	LocalHits     int64     `json:"local_hits"`
	LocalMisses   int64     `json:"local_misses"`
	RedisHits     int64     `json:"redis_hits"`
	RedisMisses   int64     `json:"redis_misses"`
	RedisErrors   int64     `json:"redis_errors"`
	DBLoads       int64     `json:"db_loads"`
	DBAnswers     int64     `json:"db_answers"`
	NegativeHits  int64     `json:"negative_hits"`
	Invalidations int64     `json:"invalidations"`
	Flushes       int64     `json:"local_flushes"`
	// StaleStores counts loads not cached because a write committed
	// (in any process) while they read the database.
	StaleStores int64 `json:"stale_stores"`
	// Latency times lookups answered by Redis or the database, and one
	// in 64 in-process hits.
	Latency Latency `json:"latency"`
}

// instanceName identifies this process in the fleet's stats.
var instanceName = func() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}()

// Stats returns a snapshot of the counters.
func (r *Resolver) Stats() Stats {
	c := r.stats
	s := Stats{
		Instance: r.id, At: time.Now().UTC(),
		Breaker: r.brk.State().String(), BreakerOpens: r.brk.opens.Load(),
		LocalHits: c.localHits.Load(), LocalMisses: c.localMisses.Load(),
		RedisHits: c.redisHits.Load(), RedisMisses: c.redisMisses.Load(), RedisErrors: c.redisErrors.Load(),
		DBLoads: c.dbLoads.Load(), DBAnswers: c.dbAnswers.Load(), NegativeHits: c.negativeHits.Load(),
		Invalidations: c.invalidations.Load(), Flushes: c.flushes.Load(),
		StaleStores: c.staleStores.Load(),
	}
	if r.local != nil {
		s.LocalEntries = r.local.len()
	}
	c.histMu.Lock()
	us := func(q float64) float64 { return float64(c.hist.ValueAtQuantile(q)) / 1e3 }
	s.Latency = Latency{Count: c.hist.TotalCount(), P50: us(50), P90: us(90), P99: us(99), Max: float64(c.hist.Max()) / 1e3}
	c.histMu.Unlock()
	return s
}

// startStatsReporter publishes the counters to Redis every StatsInterval
// (expiring after three intervals) for `tenancy cache stats`.
func (r *Resolver) startStatsReporter() {
	every := r.cfg.StatsInterval.D()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-r.ctx.Done():
				return
			case <-tick.C:
				r.publishStats(3 * every)
			}
		}
	}()
}

func (r *Resolver) publishStats(ttl time.Duration) {
	if !r.brk.allow() {
		return
	}
	blob, err := json.Marshal(r.Stats())
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.RedisTimeout.D())
	defer cancel()
	if err := r.redis.Set(ctx, r.inv.keys.stats(r.id), blob, ttl).Err(); err != nil {
		r.brk.failure()
		return
	}
	r.brk.success()
}
