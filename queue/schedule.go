package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/tenancy-dev/tenancy/config"
)

// schedulePayload is what a schedule's task carries.
type schedulePayload struct {
	Name string   `json:"name"`
	Cron string   `json:"cron"`
	Args []string `json:"args"`
}

// Tick is the tick a firing at now belongs to: the minute for a cron
// expression, the period's window for @every. Every scheduler firing the
// same tick names its task the same (ScheduleTaskID), and asynq refuses
// the second task with that id, so a tick fires once however many
// workers run a scheduler.
func Tick(spec string, now time.Time) time.Time {
	if d, ok := strings.CutPrefix(strings.TrimSpace(spec), "@every "); ok {
		if p, err := time.ParseDuration(strings.TrimSpace(d)); err == nil && p >= time.Second {
			return now.Truncate(p)
		}
	}
	return now.Truncate(time.Minute)
}

// ScheduleTaskID names the task of one tick of a schedule.
func ScheduleTaskID(name string, tick time.Time) string {
	return fmt.Sprintf("schedule:%s:%d", name, tick.Unix())
}

// scheduleRetention keeps a fired schedule's task (and so its id taken)
// long enough that no late scheduler fires the same tick again.
const scheduleRetention = 10 * time.Minute

// newScheduler registers the schedules with an asynq scheduler. Each
// entry's first option is its task id, set per tick just before asynq
// enqueues it (PreEnqueueFunc gets the entry's own options).
func (q *Queue) newScheduler(list []config.Schedule, log func(Event)) (*asynq.Scheduler, error) {
	// The entry's options are one slice that asynq hands to every tick's
	// job, and a slow tick's job can still be enqueuing when the next one
	// starts: firing holds this lock from PreEnqueueFunc to
	// PostEnqueueFunc (asynq calls both, in order, on the job's goroutine),
	// so no tick rewrites the task id while another reads it.
	var firing sync.Mutex
	s := asynq.NewSchedulerFromRedisClient(q.rc, &asynq.SchedulerOpts{
		Location: time.Local,
		// Shutdown says, as an error, that it did not close the client
		// it was given: that is as it should be.
		Logger: asynqLogger{func(e Event) {
			if !strings.Contains(e.Message, "connection is shared") {
				log(e)
			}
		}},
		LogLevel: asynq.WarnLevel,
		PreEnqueueFunc: func(task *asynq.Task, opts []asynq.Option) {
			firing.Lock()
			var p schedulePayload
			if json.Unmarshal(task.Payload(), &p) == nil && len(opts) > 0 {
				opts[0] = asynq.TaskID(ScheduleTaskID(p.Name, Tick(p.Cron, time.Now())))
			}
		},
		PostEnqueueFunc: func(info *asynq.TaskInfo, err error) {
			firing.Unlock()
			if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
				log(Event{Time: time.Now(), Event: "schedule", Level: "error", Error: "fire a schedule: " + err.Error()})
			}
		},
	})
	for _, sc := range list {
		args, err := config.SplitCommand(sc.Command)
		if err != nil {
			return nil, fmt.Errorf("schedule %s: %w", sc.Name, err)
		}
		payload, err := json.Marshal(schedulePayload{Name: sc.Name, Cron: sc.Cron, Args: args})
		if err != nil {
			return nil, err
		}
		_, err = s.Register(sc.Cron, asynq.NewTask(TypeSchedule, payload),
			asynq.TaskID(sc.Name), asynq.Queue(q.Name("schedule")), asynq.MaxRetry(0),
			asynq.Retention(max(q.cfg.Retention.D(), scheduleRetention)))
		if err != nil {
			return nil, fmt.Errorf("schedule %s: cron %q: %w", sc.Name, sc.Cron, err)
		}
	}
	return s, nil
}

// processSchedule runs a fired schedule's command on this worker.
func (w *Worker) processSchedule(ctx context.Context, t *asynq.Task) error {
	var p schedulePayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("schedule task: %w: %w", err, asynq.SkipRetry)
	}
	id, _ := asynq.GetTaskID(ctx)
	ev := Event{Time: time.Now(), Event: "schedule", Schedule: p.Name, TaskID: id, State: "done", Message: strings.Join(p.Args, " ")}
	if w.opts.RunCommand == nil {
		return fmt.Errorf("schedule %s: this worker cannot run commands: %w", p.Name, asynq.SkipRetry)
	}
	start := time.Now()
	out, err := w.opts.RunCommand(ctx, p.Args)
	ev.Elapsed = time.Since(start)
	if err != nil {
		ev.State, ev.Level, ev.Error = "failed", "error", err.Error()
		if out != "" {
			ev.Error += ": " + out
		}
		w.opts.Log(ev)
		// Archived with its error (`tenancy queue list archived`); the
		// next tick fires again.
		return fmt.Errorf("schedule %s: %w: %w", p.Name, err, asynq.SkipRetry)
	}
	w.opts.Log(ev)
	return nil
}

// NextTimes are a schedule's next n firing times after from.
func NextTimes(sc config.Schedule, from time.Time, n int) ([]time.Time, error) {
	s, err := config.ParseCron(sc.Cron)
	if err != nil {
		return nil, err
	}
	var out []time.Time
	for t := from; len(out) < n; {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out, nil
}

// taskIDOf is the id of the task being worked (tests, logs).
func taskIDOf(ctx context.Context) (string, bool) { return asynq.GetTaskID(ctx) }
