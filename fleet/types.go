package fleet

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// RunState is where a run stands.
type RunState string

// Run states.
const (
	RunPending   RunState = "pending"
	RunRunning   RunState = "running"
	RunPaused    RunState = "paused" // after its canary, until Continue
	RunDone      RunState = "done"
	RunFailed    RunState = "failed"
	RunCancelled RunState = "cancelled"
)

// ItemState is where one tenant of a run stands.
type ItemState string

// Item states. Skipped items were not started because the run stopped
// (max failures exceeded); cancelled ones because it was cancelled. Resume
// starts both again; a done item never runs again.
const (
	ItemPending   ItemState = "pending"
	ItemRunning   ItemState = "running"
	ItemDone      ItemState = "done"
	ItemFailed    ItemState = "failed"
	ItemSkipped   ItemState = "skipped"
	ItemCancelled ItemState = "cancelled"
)

// Run is one operation over a selection of tenants, as recorded.
type Run struct {
	ID              int64      `json:"id" db:"id"`
	Operation       string     `json:"operation" db:"operation"`
	Args            string     `json:"args" db:"args"`
	Selection       string     `json:"selection" db:"selection"`
	State           RunState   `json:"state" db:"state"`
	Parallel        int        `json:"parallel" db:"parallel"`
	PerServer       int        `json:"per_server" db:"per_server"`
	Canary          int        `json:"canary" db:"canary"`
	CanaryPending   bool       `json:"canary_pending" db:"canary_pending"`
	MaxFailures     string     `json:"max_failures" db:"max_failures"`
	CancelRequested bool       `json:"cancel_requested" db:"cancel_requested"`
	StartedBy       string     `json:"started_by" db:"started_by"`
	Host            string     `json:"host" db:"host"`
	PID             int        `json:"pid" db:"pid"`
	Total           int        `json:"total" db:"total"`
	Done            int        `json:"done" db:"done"`
	Failed          int        `json:"failed" db:"failed"`
	Skipped         int        `json:"skipped" db:"skipped"`
	Cancelled       int        `json:"cancelled" db:"cancelled"`
	Error           string     `json:"error,omitempty" db:"error"`
	CreatedAt       time.Time  `json:"created_at" db:"created_at"`
	StartedAt       *time.Time `json:"started_at" db:"started_at"`
	FinishedAt      *time.Time `json:"finished_at" db:"finished_at"`
}

// Item is one tenant of a run.
type Item struct {
	RunID      int64      `json:"run_id" db:"run_id"`
	TenantID   string     `json:"tenant_id" db:"tenant_id"`
	TenantName string     `json:"tenant_name" db:"tenant_name"`
	Server     string     `json:"server" db:"server"`
	Database   string     `json:"database" db:"database_name"`
	Position   int        `json:"position" db:"position"`
	State      ItemState  `json:"state" db:"state"`
	Attempts   int        `json:"attempts" db:"attempts"`
	StartedAt  *time.Time `json:"started_at" db:"started_at"`
	FinishedAt *time.Time `json:"finished_at" db:"finished_at"`
	Error      string     `json:"error,omitempty" db:"error"`
	Result     Result     `json:"result" db:"result"`
	Host       string     `json:"host" db:"host"`
	PID        int        `json:"pid" db:"pid"`
}

// Limits say how a run is worked.
type Limits struct {
	// Parallel is how many items run at once in total (default 4).
	Parallel int
	// PerServer is how many items run at once on one database server
	// (default: Parallel).
	PerServer int
	// Canary runs this many items, then pauses the run until Continue.
	Canary int
	// MaxFailures stops starting new items once more items failed.
	MaxFailures MaxFailures
}

// DefaultParallel is Limits.Parallel when unset.
const DefaultParallel = 4

// WithDefaults is the limits as a run applies them: Parallel
// DefaultParallel when unset, PerServer Parallel when unset or larger.
func (l Limits) WithDefaults() Limits {
	if l.Parallel <= 0 {
		l.Parallel = DefaultParallel
	}
	if l.PerServer <= 0 || l.PerServer > l.Parallel {
		l.PerServer = l.Parallel
	}
	return l
}

// MaxFailures is a limit on failed items: a count, or a percentage of the
// run's items. The zero value is no limit.
type MaxFailures struct {
	Count   int
	Percent float64
	percent bool
	set     bool
}

// ParseMaxFailures reads "N" or "P%"; "" is no limit.
func ParseMaxFailures(s string) (MaxFailures, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return MaxFailures{}, nil
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f < 0 || f > 100 || math.IsNaN(f) {
			return MaxFailures{}, fmt.Errorf("max failures %q: a percentage needs a number from 0 to 100, like 5%%", s)
		}
		return MaxFailures{Percent: f, percent: true, set: true}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return MaxFailures{}, fmt.Errorf("max failures %q: give a number of failed tenants (3) or a percentage (5%%)", s)
	}
	return MaxFailures{Count: n, set: true}, nil
}

// Set reports whether there is a limit.
func (m MaxFailures) Set() bool { return m.set }

// String is the form ParseMaxFailures reads.
func (m MaxFailures) String() string {
	switch {
	case !m.set:
		return ""
	case m.percent:
		return strconv.FormatFloat(m.Percent, 'f', -1, 64) + "%"
	}
	return strconv.Itoa(m.Count)
}

// Exceeded reports whether failed items out of total pass the limit.
func (m MaxFailures) Exceeded(failed, total int) bool {
	if !m.set {
		return false
	}
	if m.percent {
		return float64(failed) > m.Percent/100*float64(total)
	}
	return failed > m.Count
}
