package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// EnvQueueURL overrides [queue] url (it may carry a password).
const EnvQueueURL = "TENANCY_QUEUE_URL"

// Queue is where fleet runs' items are queued for `tenancy worker`
// processes (asynq on Redis). With no url, runs work in process.
type Queue struct {
	// URL is the queue's Redis: redis://, rediss://, redis-sentinel://
	// (?master_name=M&addr=host2:port) or redis-cluster://. Empty: no queue.
	URL string `toml:"url"`
	// Prefix starts the name of every queue (prefix:exec, prefix:sql...)
	// and semaphore key, so several fleets can share one Redis.
	Prefix string `toml:"prefix"`
	// Concurrency is how many items one worker works at once.
	Concurrency int `toml:"concurrency"`
	// Priorities weigh the queues (one per kind of work): a worker takes
	// from a queue in proportion to its weight.
	Priorities map[string]int `toml:"priorities"`
	// ShutdownTimeout is how long a stopping worker lets running items
	// finish before it puts them back in the queue.
	ShutdownTimeout Duration `toml:"shutdown_timeout"`
	// ItemTimeout bounds one item; it is also how long a per-server
	// token lives when its worker died before the queue retried it.
	ItemTimeout Duration `toml:"item_timeout"`
	// MaxRetry is how many times the queue tries an item again after its
	// worker died or the central database failed (not after the
	// operation failed: that is recorded, and retried with --failed-of).
	MaxRetry int `toml:"max_retry"`
	// Retention keeps finished tasks visible to `tenancy queue` (and
	// their ids taken) this long.
	Retention Duration `toml:"retention"`
}

// Schedule is a tenancy command run on a cron schedule by the workers.
type Schedule struct {
	Name string `toml:"name"`
	// Cron is a five-field cron expression or a descriptor (@daily,
	// @every 1h), in the workers' local time.
	Cron string `toml:"cron"`
	// Command is a tenancy command line without "tenancy", like
	// "backup create --all"; words are split on spaces, "..." or '...'
	// keep spaces inside a word.
	Command string `toml:"command"`
}

// QueueKinds are the kinds of work, one queue each.
var QueueKinds = []string{"migrate", "sql", "exec", "repair", "backup", "schedule"}

func defaultQueue() Queue {
	return Queue{
		Prefix: "tenancy", Concurrency: 4,
		Priorities:      map[string]int{"schedule": 8, "migrate": 6, "sql": 5, "exec": 4, "repair": 3, "backup": 2},
		ShutdownTimeout: Duration(30 * time.Second), ItemTimeout: Duration(time.Hour), MaxRetry: 5,
		Retention: Duration(time.Hour),
	}
}

var queuePrefix = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func (q Queue) validate(p *problems) {
	if q.URL != "" {
		if u, err := url.Parse(q.URL); err != nil {
			p.add("queue.url", "%v", err)
		} else if u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "redis-sentinel" && u.Scheme != "redis-cluster" {
			p.add("queue.url", "scheme %q is not supported: use redis://, rediss://, redis-sentinel:// or redis-cluster://", u.Scheme)
		}
	}
	if !queuePrefix.MatchString(q.Prefix) {
		p.add("queue.prefix", "%q must be letters, digits, '_', '.' or '-' (not empty)", q.Prefix)
	}
	if q.Concurrency < 1 {
		p.add("queue.concurrency", "must be at least 1, got %d", q.Concurrency)
	}
	for kind, w := range q.Priorities {
		if w < 1 {
			p.add("queue.priorities."+kind, "must be at least 1, got %d", w)
		}
	}
	if q.ShutdownTimeout < 0 {
		p.add("queue.shutdown_timeout", "must not be negative, got %s", q.ShutdownTimeout.D())
	}
	if q.ItemTimeout.D() < time.Second {
		p.add("queue.item_timeout", "must be at least 1s, got %s", q.ItemTimeout.D())
	}
	if q.MaxRetry < 0 {
		p.add("queue.max_retry", "must not be negative, got %d", q.MaxRetry)
	}
	if q.Retention < 0 {
		p.add("queue.retention", "must not be negative, got %s", q.Retention.D())
	}
}

func validateSchedules(list []Schedule, p *problems) {
	seen := map[string]bool{}
	for i, s := range list {
		key := fmt.Sprintf("schedule[%d]", i)
		switch {
		case s.Name == "":
			p.add(key+".name", "must not be empty")
		case !queuePrefix.MatchString(s.Name):
			p.add(key+".name", "%q must be letters, digits, '_', '.' or '-'", s.Name)
		case seen[s.Name]:
			p.add(key+".name", "%q is listed twice", s.Name)
		}
		seen[s.Name] = true
		if _, err := ParseCron(s.Cron); err != nil {
			p.add(key+".cron", "%v", err)
		}
		if words, err := SplitCommand(s.Command); err != nil {
			p.add(key+".command", "%v", err)
		} else if len(words) == 0 {
			p.add(key+".command", "must not be empty (a tenancy command without \"tenancy\", like \"backup create --all\")")
		}
	}
}

// ParseCron reads a schedule's cron expression the way the queue's
// scheduler (asynq's, on robfig/cron) does.
func ParseCron(spec string) (cron.Schedule, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("must not be empty (like \"0 2 * * *\" or \"@daily\")")
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cron expression (minute hour day month weekday, or @daily, @every 1h): %w", spec, err)
	}
	return s, nil
}

// SplitCommand splits a schedule's command into words: on spaces, with
// "..." and '...' keeping spaces inside a word. No other shell syntax.
func SplitCommand(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("%q has an unclosed %c", s, quote)
	}
	if inWord {
		out = append(out, cur.String())
	}
	if len(out) > 0 && out[0] == "tenancy" {
		out = out[1:]
	}
	return out, nil
}
