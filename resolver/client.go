package resolver

import (
	"fmt"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"
)

// NewRedisClient builds a client from a redis.url with small timeouts and
// no retries, so a slow or absent Redis costs one timeout and the breaker
// takes over:
//
//	redis://[user:pass@]host:port/db             standalone (rediss:// for TLS)
//	redis-sentinel://[user:pass@]host:port/db?master_name=M&addr=host2:port
//	redis-cluster://[user:pass@]host:port?addr=host2:port
//
// A cluster URL with one address is a configuration endpoint
// (IsClusterMode); options go-redis understands may be added as query
// parameters (dial_timeout=1s, ...).
func NewRedisClient(rawURL string, timeout time.Duration) (redis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis.url: %w", err)
	}
	scheme := u.Scheme
	plain := *u
	plain.Scheme = "redis"
	if scheme == "rediss" {
		plain.Scheme = "rediss"
	}
	switch scheme {
	case "redis", "rediss":
		o, err := redis.ParseURL(plain.String())
		if err != nil {
			return nil, fmt.Errorf("redis.url: %w", err)
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = timeout, timeout, timeout, timeout
		o.MaxRetries = -1
		return redis.NewClient(o), nil
	case "redis-sentinel":
		o, err := redis.ParseFailoverURL(plain.String())
		if err != nil {
			return nil, fmt.Errorf("redis.url: %w", err)
		}
		if o.MasterName == "" {
			return nil, fmt.Errorf("redis.url: a redis-sentinel:// URL needs ?master_name=")
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = timeout, timeout, timeout, timeout
		o.MaxRetries = -1
		return redis.NewFailoverClient(o), nil
	case "redis-cluster":
		o, err := redis.ParseClusterURL(plain.String())
		if err != nil {
			return nil, fmt.Errorf("redis.url: %w", err)
		}
		return redis.NewUniversalClient(&redis.UniversalOptions{
			Addrs: o.Addrs, IsClusterMode: true,
			Username: o.Username, Password: o.Password, TLSConfig: o.TLSConfig,
			DialTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout, PoolTimeout: timeout,
			MaxRetries: -1, MaxRedirects: o.MaxRedirects,
		}), nil
	}
	return nil, fmt.Errorf("redis.url: scheme %q is not supported: use redis://, rediss://, redis-sentinel:// or redis-cluster://", scheme)
}
