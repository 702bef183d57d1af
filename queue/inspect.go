package queue

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hibiken/asynq"
)

// Inspector is asynq's inspector on the queue's Redis (shared connection:
// closing the Queue closes it).
func (q *Queue) Inspector() *asynq.Inspector { return asynq.NewInspectorFromRedisClient(q.rc) }

// QueueStats is one queue's counts.
type QueueStats struct {
	Queue     string `json:"queue"`
	Pending   int    `json:"pending"`
	Active    int    `json:"active"`
	Scheduled int    `json:"scheduled"`
	Retry     int    `json:"retry"`
	Archived  int    `json:"archived"`
	Completed int    `json:"completed"`
	// Processed and Failed are today's counts.
	Processed int  `json:"processed_today"`
	Failed    int  `json:"failed_today"`
	Paused    bool `json:"paused"`
}

// WorkerStats is one running worker.
type WorkerStats struct {
	Host        string         `json:"host"`
	PID         int            `json:"pid"`
	Concurrency int            `json:"concurrency"`
	Active      int            `json:"active"`
	Queues      map[string]int `json:"queues"`
	Started     time.Time      `json:"started"`
	Status      string         `json:"status"`
}

// ScheduleStats is a schedule registered by the running workers.
type ScheduleStats struct {
	Name string    `json:"name"`
	Cron string    `json:"cron"`
	Next time.Time `json:"next"`
	Prev time.Time `json:"prev"`
}

// Stats is the queue as a whole: this fleet's queues (its prefix), the
// workers serving them and the schedules their schedulers run.
type Stats struct {
	Queues    []QueueStats    `json:"queues"`
	Workers   []WorkerStats   `json:"workers"`
	Schedules []ScheduleStats `json:"schedules"`
}

func (q *Queue) ours(name string) bool { return strings.HasPrefix(name, q.cfg.Prefix+":") }

// Stats reads the queues, workers and schedules.
func (q *Queue) Stats() (Stats, error) {
	in := q.Inspector()
	var st Stats
	names, err := in.Queues()
	if err != nil {
		return st, fmt.Errorf("list the queues: %w", err)
	}
	slices.Sort(names)
	for _, n := range names {
		if !q.ours(n) {
			continue
		}
		info, err := in.GetQueueInfo(n)
		if err != nil {
			return st, fmt.Errorf("read queue %s: %w", n, err)
		}
		st.Queues = append(st.Queues, QueueStats{Queue: n, Pending: info.Pending, Active: info.Active, Scheduled: info.Scheduled,
			Retry: info.Retry, Archived: info.Archived, Completed: info.Completed, Processed: info.Processed, Failed: info.Failed, Paused: info.Paused})
	}
	servers, err := in.Servers()
	if err != nil {
		return st, fmt.Errorf("list the workers: %w", err)
	}
	for _, s := range servers {
		serves := false
		for n := range s.Queues {
			serves = serves || q.ours(n)
		}
		if serves {
			st.Workers = append(st.Workers, WorkerStats{Host: s.Host, PID: s.PID, Concurrency: s.Concurrency, Active: len(s.ActiveWorkers),
				Queues: s.Queues, Started: s.Started, Status: s.Status})
		}
	}
	slices.SortFunc(st.Workers, func(a, b WorkerStats) int { return a.Started.Compare(b.Started) })
	entries, err := in.SchedulerEntries()
	if err != nil {
		return st, fmt.Errorf("list the schedules: %w", err)
	}
	byName := map[string]*ScheduleStats{}
	want := fmt.Sprintf("Queue(%q)", q.Name("schedule"))
	for _, e := range entries {
		var p schedulePayload
		if e.Task == nil || e.Task.Type() != TypeSchedule || json.Unmarshal(e.Task.Payload(), &p) != nil || !hasOption(e.Opts, want) {
			continue
		}
		s := byName[p.Name]
		if s == nil {
			s = &ScheduleStats{Name: p.Name, Cron: e.Spec, Next: e.Next}
			byName[p.Name] = s
		}
		if e.Prev.After(s.Prev) {
			s.Prev = e.Prev
		}
	}
	for _, s := range byName {
		st.Schedules = append(st.Schedules, *s)
	}
	slices.SortFunc(st.Schedules, func(a, b ScheduleStats) int { return strings.Compare(a.Name, b.Name) })
	return st, nil
}

func hasOption(opts []asynq.Option, s string) bool {
	for _, o := range opts {
		if o.String() == s {
			return true
		}
	}
	return false
}

// TaskRow is one task as `tenancy queue list` shows it.
type TaskRow struct {
	ID            string    `json:"id"`
	Queue         string    `json:"queue"`
	Type          string    `json:"type"`
	State         string    `json:"state"`
	Payload       string    `json:"payload"`
	Retried       int       `json:"retried"`
	MaxRetry      int       `json:"max_retry"`
	LastErr       string    `json:"last_error,omitempty"`
	NextProcessAt time.Time `json:"next_process_at"`
}

// Tasks lists up to limit tasks of a queue in one state (pending,
// active, scheduled, retry, archived, completed).
func (q *Queue) Tasks(queue, state string, limit int) ([]TaskRow, error) {
	in := q.Inspector()
	list := map[string]func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){
		"pending": in.ListPendingTasks, "active": in.ListActiveTasks, "scheduled": in.ListScheduledTasks,
		"retry": in.ListRetryTasks, "archived": in.ListArchivedTasks, "completed": in.ListCompletedTasks,
	}[state]
	if list == nil {
		return nil, fmt.Errorf("state %q: use pending, active, scheduled, retry, archived or completed", state)
	}
	tasks, err := list(queue, asynq.PageSize(max(limit, 1)))
	if err != nil {
		return nil, fmt.Errorf("list the %s tasks of %s: %w", state, queue, err)
	}
	out := []TaskRow{}
	for _, t := range tasks {
		out = append(out, TaskRow{ID: t.ID, Queue: t.Queue, Type: t.Type, State: t.State.String(), Payload: string(t.Payload),
			Retried: t.Retried, MaxRetry: t.MaxRetry, LastErr: t.LastErr, NextProcessAt: t.NextProcessAt})
	}
	return out, nil
}
