package resolver

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNoRedis is returned by Probe on a resolver without Redis.
var ErrNoRedis = errors.New("no Redis configured (redis.url): lookups go to the central database")

// ErrBreakerOpen is returned by Probe while the breaker keeps Redis out.
var ErrBreakerOpen = errors.New("the Redis circuit breaker is open: lookups go to the central database")

// Probe pings Redis through the breaker (a failure counts toward opening
// it, a success closes a half-open one) and returns the round trip, for
// a dashboard's cache state.
func (r *Resolver) Probe(ctx context.Context) (time.Duration, error) {
	if r.redis == nil {
		return 0, ErrNoRedis
	}
	if !r.brk.allow() {
		return 0, ErrBreakerOpen
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.RedisTimeout.D())
	defer cancel()
	start := time.Now()
	if err := r.redis.Ping(ctx).Err(); err != nil {
		r.brk.failure()
		return 0, fmt.Errorf("ping redis: %w", err)
	}
	r.brk.success()
	return time.Since(start), nil
}
