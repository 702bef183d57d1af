package resolver

import (
	"github.com/tenancy-dev/tenancy/tenants"
)

// Open builds a resolver for svc: Redis from redis.url (no Redis tier when
// it is empty), the central database through svc.FindByDomain, and
// invalidation after each of svc's writes. Close the returned closer (it
// closes the resolver, then its Redis client).
func Open(svc *tenants.Service) (*Resolver, func(), error) {
	cfg := svc.Config()
	if cfg.Redis.URL == "" {
		r := New(cfg.Cache, nil, svc.FindByDomain)
		r.Watch(svc)
		return r, r.Close, nil
	}
	client, err := NewRedisClient(cfg.Redis.URL, cfg.Cache.RedisTimeout.D())
	if err != nil {
		return nil, nil, err
	}
	r := New(cfg.Cache, client, svc.FindByDomain)
	r.Watch(svc)
	return r, func() { r.Close(); client.Close() }, nil
}
