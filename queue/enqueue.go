package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/tenancy-dev/tenancy/fleet"
)

// itemPayload is what an item's task carries: who, and the run's limits
// (fixed when the run is created), so that a worker can take the
// semaphores before it reads anything from MySQL.
type itemPayload struct {
	RunID     int64  `json:"run_id"`
	TenantID  string `json:"tenant_id"`
	Tenant    string `json:"tenant_name"`
	Server    string `json:"server"`
	Operation string `json:"operation"`
	Parallel  int    `json:"parallel"`
	PerServer int    `json:"per_server"`
}

// Enqueue queues items of run, one task each (id runID:tenantID) on the
// queue of the run's kind of work; an item whose task is already queued
// (or kept after it finished) is left as it is. It is fleet's Executor.
func (q *Queue) Enqueue(ctx context.Context, run fleet.Run, items []fleet.Item) error {
	for _, it := range items {
		if _, err := q.enqueueItem(ctx, run, it); err != nil {
			return err
		}
	}
	return nil
}

// enqueueItem queues one item; false when its task id is taken.
func (q *Queue) enqueueItem(ctx context.Context, run fleet.Run, it fleet.Item) (bool, error) {
	payload, err := json.Marshal(itemPayload{RunID: run.ID, TenantID: it.TenantID, Tenant: it.TenantName, Server: it.Server,
		Operation: run.Operation, Parallel: run.Parallel, PerServer: run.PerServer})
	if err != nil {
		return false, err
	}
	_, err = q.client.EnqueueContext(ctx, asynq.NewTask(TypeItem, payload),
		asynq.TaskID(TaskID(run.ID, it.TenantID)), asynq.Queue(q.Name(run.Operation)),
		asynq.MaxRetry(q.cfg.MaxRetry), asynq.Timeout(q.cfg.ItemTimeout.D()), asynq.Retention(q.cfg.Retention.D()))
	switch {
	case errors.Is(err, asynq.ErrTaskIDConflict):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("queue tenant %s of run %d: %w", it.TenantID, run.ID, err)
	}
	return true, nil
}
