package queue

import (
	"context"
	"fmt"
	"strings"

	"github.com/hibiken/asynq"

	"github.com/tenancy-dev/tenancy/access"
)

// The queue's writes, checked and audited through package access (whose
// table gives their roles: an operator retries, archives, pauses and
// resumes; deleting a task needs an admin).
const (
	TaskRetry   = access.QueueTaskRetry
	TaskArchive = access.QueueTaskArchive
	TaskDelete  = access.QueueTaskDelete
	QueuePause  = access.QueuePause
	QueueResume = access.QueueResume
)

// taskActs are the Inspector's actions on one task.
var taskActs = map[access.Action]func(in *asynq.Inspector, queue, id string) error{
	TaskRetry:   (*asynq.Inspector).RunTask,
	TaskArchive: (*asynq.Inspector).ArchiveTask,
	TaskDelete:  (*asynq.Inspector).DeleteTask,
}

// TaskAct retries (runs now), archives or deletes one task of a queue.
func (q *Queue) TaskAct(ctx context.Context, a access.Action, queue, id string) (err error) {
	act, ok := taskActs[a]
	if !ok {
		return fmt.Errorf("%s is not an action on a task (use %s, %s or %s)", a, TaskRetry, TaskArchive, TaskDelete)
	}
	target := queue + " " + id
	if err := access.Require(ctx, a, target); err != nil {
		return err
	}
	defer access.Done(ctx, a, target, &err)
	if err := act(q.Inspector(), queue, id); err != nil {
		return fmt.Errorf("%s task %s of queue %s: %w (`tenancy queue list %s STATE` lists its tasks)",
			strings.TrimPrefix(string(a), "queue.task."), id, queue, err, queue)
	}
	return nil
}

// SetPaused pauses a queue (workers take nothing from it) or resumes it.
func (q *Queue) SetPaused(ctx context.Context, queue string, paused bool) (err error) {
	a, act := QueueResume, (*asynq.Inspector).UnpauseQueue
	if paused {
		a, act = QueuePause, (*asynq.Inspector).PauseQueue
	}
	if err := access.Require(ctx, a, queue); err != nil {
		return err
	}
	defer access.Done(ctx, a, queue, &err)
	if err := act(q.Inspector(), queue); err != nil {
		return fmt.Errorf("%s %s: %w", a, queue, err)
	}
	return nil
}
