package resolver

import (
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cross-process cache-aside race, and how it is closed. A process that
// misses reads the domain's version key with the entry (one MGET: both
// keys carry the domain as their {hash tag}, so they share a Cluster
// slot), loads the tenant from the database, and stores it only if the
// version is still the one it read (storeIfVersion, atomic in Redis). A
// writer, after its commit, increments the version and deletes the entry
// in one script (invalidateDomain). So a load that read the database
// before the commit either stores before the script runs (and the
// script deletes it) or finds the version moved and stores nothing.

// storeIfVersion sets KEYS[1] (entry) to ARGV[2] for ARGV[3] ms if
// KEYS[2] (version, absent = 0) still holds ARGV[1]; it returns 1 if it
// stored. Warm sends it as EVAL in pipelines.
const storeIfVersionSrc = `
if tonumber(redis.call('GET', KEYS[2]) or '0') ~= tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`

var storeIfVersion = redis.NewScript(storeIfVersionSrc)

// invalidateDomain moves KEYS[2] (version, kept ARGV[1] ms) and deletes
// KEYS[1] (entry). It is sent as EVAL inside the invalidation pipeline.
const invalidateDomain = `
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return redis.call('DEL', KEYS[1])`

// versionTTL is how long a version key outlives its last write: longer
// than any load that may have read it (load_timeout bounds the database
// read, redis_timeout the store), with a wide margin. Were it to expire
// under such a load, that load would read "absent" twice and store.
func versionTTL(loadTimeout, redisTimeout time.Duration) time.Duration {
	return time.Minute + 2*(loadTimeout+redisTimeout)
}

// parseVersion reads a version key's value from MGET: nil is 0; ok is
// false for anything else than a counter (then nothing is stored).
func parseVersion(v any) (int64, bool) {
	if v == nil {
		return 0, true
	}
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0
}
