package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// tokens are counting semaphores in Redis shared by every worker: the
// run's total and per-server limits. Each is asynq's x/rate.Semaphore
// layout (the key asynq:sema:<scope>, a sorted set whose members are task
// ids scored by the task's deadline), carried here because the Go module
// proxy serves github.com/hibiken/asynq/x only at its 2021 version, which
// is built on go-redis v8 and panics on asynq v0.26's go-redis v9 client.
// Unlike x/rate, a task takes all its tokens, or none, in one script (one
// round trip, where a semaphore at a time took four).
//
// A worker that dies holding a token loses it at the task's deadline at
// the latest, and at once when the queue retries its task: the script
// first removes the task's own token (same task id) and the expired ones.
type tokens struct {
	rc     redis.UniversalClient
	scopes []string
	max    []int
}

// KEYS    -> asynq:sema:<scope>, one per semaphore
// ARGV[1] -> now (unix)
// ARGV[2] -> deadline (unix)
// ARGV[3] -> task id
// ARGV[4..] -> max tokens of each key, in KEYS' order
var takeScript = redis.NewScript(`
for _, key in ipairs(KEYS) do
	redis.call("ZREM", key, ARGV[3])
	redis.call("ZREMRANGEBYSCORE", key, "-inf", tonumber(ARGV[1])-1)
end
for i, key in ipairs(KEYS) do
	if redis.call("ZCARD", key) >= tonumber(ARGV[3+i]) then
		return 0
	end
end
for _, key in ipairs(KEYS) do
	redis.call("ZADD", key, ARGV[2], ARGV[3])
end
return 1
`)

func semaphoreKey(scope string) string { return "asynq:sema:" + scope }

func (s *tokens) keys() []string {
	keys := make([]string, len(s.scopes))
	for i, scope := range s.scopes {
		keys[i] = semaphoreKey(scope)
	}
	return keys
}

// take takes a token of every semaphore for the task of ctx; false when
// one of them has none free (then none is taken).
func (s *tokens) take(ctx context.Context) (bool, error) {
	d, ok := ctx.Deadline()
	if !ok {
		return false, errors.New("semaphore: the task has no deadline")
	}
	id, ok := asynq.GetTaskID(ctx)
	if !ok {
		return false, errors.New("semaphore: no task id in the context")
	}
	args := []any{time.Now().Unix(), d.Unix(), id}
	for _, m := range s.max {
		args = append(args, m)
	}
	got, err := takeScript.Run(ctx, s.rc, s.keys(), args...).Int()
	if err != nil {
		return false, fmt.Errorf("take a token of %v: %w", s.scopes, err)
	}
	return got == 1, nil
}

// give gives the task's tokens back (no error for one it did not hold).
func (s *tokens) give(ctx context.Context) error {
	id, ok := asynq.GetTaskID(ctx)
	if !ok {
		return errors.New("semaphore: no task id in the context")
	}
	pipe := s.rc.TxPipeline()
	for _, key := range s.keys() {
		pipe.ZRem(ctx, key, id)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("give back the tokens of %v: %w", s.scopes, err)
	}
	return nil
}

// releasePatience is how long a worker keeps trying to give its tokens
// back while Redis does not answer (a restart, a failover): a token left
// behind holds one of the run's slots until the task's deadline
// ([queue] item_timeout).
const releasePatience = 30 * time.Second

// giveBack gives a task's tokens back, trying again while Redis is away.
func (s *tokens) giveBack(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	deadline := time.Now().Add(releasePatience)
	for wait := 100 * time.Millisecond; s.give(ctx) != nil && time.Now().Before(deadline); wait = min(2*wait, 2*time.Second) {
		time.Sleep(wait)
	}
}
