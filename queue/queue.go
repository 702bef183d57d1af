// Package queue is tenancy's adapter to asynq (github.com/hibiken/asynq)
// on Redis: it enqueues a fleet run's items (a fleet.Executor), serves
// them to `tenancy worker` processes under the run's limits (a
// distributed semaphore per database server), fires the [[schedule]]
// entries with asynq's scheduler, and reads the queues through asynq's
// Inspector. The runs tables in MySQL stay the truth; the queue only
// carries work.
package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/resolver"
)

// Task types.
const (
	TypeItem     = "tenancy:item"
	TypeSchedule = "tenancy:schedule"
)

// redisTimeout bounds each Redis command of the queue.
const redisTimeout = 5 * time.Second

// Queue is one connection to the queue's Redis. Build it with Open and
// Close it when done; it is safe for concurrent use.
type Queue struct {
	cfg    config.Queue
	rc     redis.UniversalClient
	client *asynq.Client
}

// Open connects to [queue] url (nothing is sent until first use).
func Open(cfg config.Queue) (*Queue, error) {
	if cfg.URL == "" {
		return nil, errors.New("no queue: set [queue] url (or $TENANCY_QUEUE_URL) to a Redis, like redis://127.0.0.1:6379/0")
	}
	rc, err := resolver.NewRedisClient(cfg.URL, redisTimeout)
	if err != nil {
		return nil, errors.New("queue" + strings.TrimPrefix(err.Error(), "redis"))
	}
	return &Queue{cfg: cfg, rc: rc, client: asynq.NewClientFromRedisClient(rc)}, nil
}

// Close closes the connection.
func (q *Queue) Close() error {
	return errors.Join(q.client.Close(), q.rc.Close())
}

// Ping checks that Redis answers.
func (q *Queue) Ping(ctx context.Context) error {
	if err := q.rc.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("the queue's Redis at [queue] url does not answer (%w): start it or fix the url", err)
	}
	return nil
}

// Name is the queue of one kind of work (exec, sql, migrate, backup,
// repair, schedule; an operation's name otherwise).
func (q *Queue) Name(kind string) string { return q.cfg.Prefix + ":" + kind }

// Kinds are the kinds of work the queue knows: config.QueueKinds plus the
// operations given.
func Kinds(ops *fleet.Operations) []string {
	out := append([]string(nil), config.QueueKinds...)
	for _, n := range ops.Names() {
		if !contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TaskID is an item's task id: one task per run and tenant, so an item
// is never queued twice.
func TaskID(runID int64, tenantID string) string { return fmt.Sprintf("%d:%s", runID, tenantID) }
