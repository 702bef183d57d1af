package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// semaphore is a counting semaphore in Redis shared by every worker: the
// per-server (and per-run) limit. It is asynq's own x/rate.Semaphore
// (same script, same key, same token per task id), carried here because
// the Go module proxy serves github.com/hibiken/asynq/x only at its 2021
// version, which is built on go-redis v8 and panics on asynq v0.26's
// go-redis v9 client.
//
// A token is a member of the sorted set asynq:sema:<scope> named by the
// task id, scored by the task's deadline: a worker that dies holding one
// loses it at that deadline at the latest, and at once when the queue
// retries its task (release before acquire, same task id).
type semaphore struct {
	rc    redis.UniversalClient
	scope string
	max   int
}

// KEYS[1] -> asynq:sema:<scope>
// ARGV[1] -> max tokens
// ARGV[2] -> now (unix)
// ARGV[3] -> deadline (unix)
// ARGV[4] -> task id
var acquireScript = redis.NewScript(`
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", tonumber(ARGV[2])-1)
local count = redis.call("ZCARD", KEYS[1])
if (count < tonumber(ARGV[1])) then
     redis.call("ZADD", KEYS[1], ARGV[3], ARGV[4])
     return 'true'
else
     return 'false'
end
`)

func semaphoreKey(scope string) string { return "asynq:sema:" + scope }

// acquire takes a token for the task of ctx; false when none is free.
func (s *semaphore) acquire(ctx context.Context) (bool, error) {
	d, ok := ctx.Deadline()
	if !ok {
		return false, errors.New("semaphore: the task has no deadline")
	}
	id, ok := asynq.GetTaskID(ctx)
	if !ok {
		return false, errors.New("semaphore: no task id in the context")
	}
	got, err := acquireScript.Run(ctx, s.rc, []string{semaphoreKey(s.scope)}, s.max, time.Now().Unix(), d.Unix(), id).Bool()
	if err != nil {
		return false, fmt.Errorf("take a token of %s: %w", s.scope, err)
	}
	return got, nil
}

// release gives the task's token back (no error when it held none).
func (s *semaphore) release(ctx context.Context) error {
	id, ok := asynq.GetTaskID(ctx)
	if !ok {
		return errors.New("semaphore: no task id in the context")
	}
	if err := s.rc.ZRem(ctx, semaphoreKey(s.scope), id).Err(); err != nil {
		return fmt.Errorf("give back a token of %s: %w", s.scope, err)
	}
	return nil
}
