package queue

import (
	"github.com/hibiken/asynq"
)

// Inspector is asynq's inspector on the queue's Redis (shared connection:
// closing the Queue closes it).
func (q *Queue) Inspector() *asynq.Inspector { return asynq.NewInspectorFromRedisClient(q.rc) }
