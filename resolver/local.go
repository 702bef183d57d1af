package resolver

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/tenancy-dev/tenancy/tenants"
)

// localShards spreads the in-process tier over several locks so parallel
// readers on different domains do not share one.
const localShards = 32

// localTier is the in-process cache: a sharded map with a TTL per entry
// and a bound on entries. A full shard first drops its expired entries,
// then an arbitrary one (Go's map order), which is cheap and good enough
// for a cache whose entries live seconds.
type localTier struct {
	seed     maphash.Seed
	maxShard int
	shards   [localShards]localShard
}

type localShard struct {
	mu sync.RWMutex
	m  map[string]localEntry
}

// localEntry is a cached answer; a nil tenant is a negative entry.
type localEntry struct {
	tenant  *tenants.Tenant
	expires int64 // unix nanoseconds
}

func newLocalTier(size int) *localTier {
	if size <= 0 {
		return nil
	}
	l := &localTier{seed: maphash.MakeSeed(), maxShard: max(1, size/localShards)}
	for i := range l.shards {
		l.shards[i].m = make(map[string]localEntry)
	}
	return l
}

func (l *localTier) shard(key string) *localShard {
	return &l.shards[maphash.String(l.seed, key)%localShards]
}

// get returns the entry for key if it has not expired.
func (l *localTier) get(key string, now int64) (localEntry, bool) {
	s := l.shard(key)
	s.mu.RLock()
	e, ok := s.m[key]
	s.mu.RUnlock()
	if !ok || now >= e.expires {
		return localEntry{}, false
	}
	return e, true
}

func (l *localTier) put(key string, t *tenants.Tenant, ttl time.Duration, now int64) {
	if ttl <= 0 {
		return
	}
	s := l.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; !ok && len(s.m) >= l.maxShard {
		s.evict(now)
	}
	s.m[key] = localEntry{tenant: t, expires: now + int64(ttl)}
}

// evict makes room for one entry: every expired one goes, else one at random.
func (s *localShard) evict(now int64) {
	removed := false
	for k, e := range s.m {
		if now >= e.expires {
			delete(s.m, k)
			removed = true
		}
	}
	if removed {
		return
	}
	for k := range s.m {
		delete(s.m, k)
		return
	}
}

func (l *localTier) remove(keys []string) {
	for _, k := range keys {
		s := l.shard(k)
		s.mu.Lock()
		delete(s.m, k)
		s.mu.Unlock()
	}
}

func (l *localTier) flush() {
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		clear(s.m)
		s.mu.Unlock()
	}
}

func (l *localTier) len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}
