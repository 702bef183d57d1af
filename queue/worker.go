package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/fleet"
)

// Event is one line of a worker's log: an item worked (or put back), a
// schedule fired, or a message of the worker or of asynq.
type Event struct {
	Time     time.Time     `json:"time"`
	Event    string        `json:"event"` // item, schedule, worker, asynq
	Level    string        `json:"level,omitempty"`
	TaskID   string        `json:"task_id,omitempty"`
	RunID    int64         `json:"run_id,omitempty"`
	TenantID string        `json:"tenant_id,omitempty"`
	Tenant   string        `json:"tenant_name,omitempty"`
	Server   string        `json:"server,omitempty"`
	State    string        `json:"state,omitempty"`
	Attempts int           `json:"attempts,omitempty"`
	Elapsed  time.Duration `json:"elapsed_ns,omitempty"`
	Schedule string        `json:"schedule,omitempty"`
	Error    string        `json:"error,omitempty"`
	Message  string        `json:"message,omitempty"`
}

// WorkerOptions tune a worker.
type WorkerOptions struct {
	// Concurrency is how many tasks it works at once ([queue] concurrency).
	Concurrency int
	// Kinds are the kinds of work it takes (nil: every kind of ops).
	Kinds []string
	// Schedules, when given, are fired by this worker's scheduler (one
	// firing per tick across every worker).
	Schedules []config.Schedule
	// RunCommand runs a schedule's tenancy command and returns the tail
	// of its output.
	RunCommand func(ctx context.Context, args []string) (string, error)
	// Log receives the worker's events; called from many goroutines.
	Log func(Event)
	// Grace is how long Run waits, after asynq put the unfinished items
	// back in the queue, for them to record that (default 10s).
	Grace time.Duration
}

// Worker works queued items (and fires schedules) until its context ends.
type Worker struct {
	q    *Queue
	fs   *fleet.Service
	opts WorkerOptions
	// handlers counts the items being worked, so that Run returns only
	// after each recorded how it ended or that it went back to pending.
	handlers sync.WaitGroup
}

// NewWorker builds a worker over fs, which rebuilds and works the items.
func (q *Queue) NewWorker(fs *fleet.Service, opts WorkerOptions) *Worker {
	if opts.Concurrency <= 0 {
		opts.Concurrency = q.cfg.Concurrency
	}
	if len(opts.Kinds) == 0 {
		opts.Kinds = Kinds(fs.Operations())
	}
	if opts.Log == nil {
		opts.Log = func(Event) {}
	}
	if opts.Grace <= 0 {
		opts.Grace = 10 * time.Second
	}
	return &Worker{q: q, fs: fs, opts: opts}
}

// errBusy: a limit of the run (a per-server or total token) or the
// tenant's lock is taken; the task is tried again soon without counting
// as a failure.
var errBusy = errors.New("busy: the run's limit on this server is reached, or the tenant is locked; tried again soon")

func (w *Worker) queues() map[string]int {
	out := map[string]int{}
	for _, k := range w.opts.Kinds {
		weight := w.q.cfg.Priorities[k]
		if weight < 1 {
			weight = 1
		}
		out[w.q.Name(k)] = weight
	}
	return out
}

// Run serves until ctx ends, then stops gracefully: no new task starts,
// running items get [queue] shutdown_timeout to finish, after which asynq
// puts them back in the queue (their items back to pending).
func (w *Worker) Run(ctx context.Context) error {
	if err := w.q.Ping(ctx); err != nil {
		return err
	}
	srv := asynq.NewServerFromRedisClient(w.q.rc, asynq.Config{
		Concurrency: w.opts.Concurrency, Queues: w.queues(),
		RetryDelayFunc: retryDelay, IsFailure: func(err error) bool { return !errors.Is(err, errBusy) },
		ShutdownTimeout:          w.q.cfg.ShutdownTimeout.D(),
		DelayedTaskCheckInterval: 500 * time.Millisecond, TaskCheckInterval: 200 * time.Millisecond,
		Logger: asynqLogger{w.opts.Log}, LogLevel: asynq.WarnLevel,
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeItem, w.processItem)
	mux.HandleFunc(TypeSchedule, w.processSchedule)
	if err := srv.Start(mux); err != nil {
		return fmt.Errorf("start the worker: %w", err)
	}
	var sched *asynq.Scheduler
	if len(w.opts.Schedules) > 0 {
		var err error
		if sched, err = w.q.newScheduler(w.opts.Schedules, w.opts.Log); err == nil {
			err = sched.Start()
		}
		if err != nil {
			srv.Shutdown()
			return fmt.Errorf("start the scheduler: %w", err)
		}
	}
	w.opts.Log(Event{Time: time.Now(), Event: "worker", Message: fmt.Sprintf("working queues %v with concurrency %d (pid %d)", w.opts.Kinds, w.opts.Concurrency, os.Getpid())})
	<-ctx.Done()
	w.opts.Log(Event{Time: time.Now(), Event: "worker", Message: fmt.Sprintf("stopping: running items have %s to finish", w.q.cfg.ShutdownTimeout.D())})
	if sched != nil {
		sched.Shutdown()
	}
	srv.Shutdown()
	done := make(chan struct{})
	go func() { w.handlers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(w.opts.Grace):
		return errors.New("stopped with items still recording their end; the queue retries them")
	}
	return nil
}

// retryDelay: a busy task soon (with jitter, so waiting tasks spread);
// a failed one after 1s, 2s, 4s... up to 30s.
func retryDelay(n int, err error, _ *asynq.Task) time.Duration {
	if errors.Is(err, errBusy) {
		return 100*time.Millisecond + rand.N(200*time.Millisecond)
	}
	return min(time.Second<<min(n, 5), 30*time.Second)
}

// processItem works one item under the run's limits: a token of the
// run's total and one of its server (taken together in Redis, shared by
// every worker), then fleet's WorkItem (tenant lock, records, operation).
func (w *Worker) processItem(ctx context.Context, t *asynq.Task) error {
	w.handlers.Add(1)
	defer w.handlers.Done()
	var p itemPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("item task %s: %w: %w", t.Payload(), err, asynq.SkipRetry)
	}
	toks := w.q.runTokens(p)
	// A token this task held in an attempt whose worker died is freed
	// first (by the same script): the task id is the token, and the queue
	// runs a task once.
	ok, err := toks.take(ctx)
	if err != nil || !ok {
		return errors.Join(err, errBusy)
	}
	defer toks.giveBack(ctx)
	start := time.Now()
	it, err := w.fs.WorkItem(ctx, p.RunID, p.TenantID)
	if errors.Is(err, fleet.ErrTenantBusy) {
		return errBusy
	}
	ev := Event{Time: time.Now(), Event: "item", TaskID: TaskID(p.RunID, p.TenantID), RunID: p.RunID, TenantID: p.TenantID,
		Tenant: p.Tenant, Server: p.Server, State: string(it.State), Attempts: it.Attempts, Elapsed: time.Since(start), Error: it.Error}
	if err != nil {
		ev.Level, ev.Error = "error", err.Error()
		if ctx.Err() != nil {
			ev.State = "requeued"
		}
		w.opts.Log(ev)
		return err
	}
	w.opts.Log(ev)
	return nil
}

// runTokens are the tokens an item takes: one of its run's total and one
// of its server. Their keys share the hash tag {prefix:run:ID}, so that on
// a Redis Cluster the script that takes both finds them on one shard.
func (q *Queue) runTokens(p itemPayload) *tokens {
	run := fmt.Sprintf("{%s:run:%d}", q.cfg.Prefix, p.RunID)
	return &tokens{rc: q.rc, scopes: []string{run, run + ":server:" + p.Server}, max: []int{max(p.Parallel, 1), max(p.PerServer, 1)}}
}

// asynqLogger turns asynq's own log lines into events.
type asynqLogger struct{ log func(Event) }

func (l asynqLogger) emit(level string, args []any) {
	l.log(Event{Time: time.Now(), Event: "asynq", Level: level, Message: fmt.Sprint(args...)})
}

func (l asynqLogger) Debug(args ...any) { l.emit("debug", args) }
func (l asynqLogger) Info(args ...any)  { l.emit("info", args) }
func (l asynqLogger) Warn(args ...any)  { l.emit("warn", args) }
func (l asynqLogger) Error(args ...any) { l.emit("error", args) }
func (l asynqLogger) Fatal(args ...any) { l.emit("fatal", args); os.Exit(1) }
