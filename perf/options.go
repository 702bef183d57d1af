// Package perf holds tenancy's load tests: a workload of simulated users
// running a CRUD mix against a work table in each selected tenant's
// database, latency statistics in HDR histograms with live interval
// snapshots, the isolation verifier (rows and per-tenant credentials), and
// the final report with its JSON, text and Markdown renderings.
package perf

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind is one operation of the CRUD mix.
type Kind int

// Operation kinds, in display order.
const (
	Read Kind = iota
	Insert
	Update
	Delete
	numKinds
)

var kindNames = [numKinds]string{"read", "insert", "update", "delete"}

// Kinds lists every operation kind in display order.
var Kinds = [numKinds]Kind{Read, Insert, Update, Delete}

func (k Kind) String() string { return kindNames[k] }

// Mix is the share of each kind in percent; the shares sum to 100.
type Mix [numKinds]int

// DefaultMix is read=70,insert=15,update=10,delete=5.
var DefaultMix = Mix{70, 15, 10, 5}

// ParseMix reads "read=70,insert=15,update=10,delete=5"; kinds left out
// get 0, and the shares must sum to 100.
func ParseMix(s string) (Mix, error) {
	var m Mix
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return m, fmt.Errorf("mix %q: %q is not kind=percent", s, part)
		}
		k, known := kindByName(strings.TrimSpace(name))
		if !known {
			return m, fmt.Errorf("mix %q: unknown kind %q (use read, insert, update, delete)", s, name)
		}
		if seen[k.String()] {
			return m, fmt.Errorf("mix %q: %s given twice", s, k)
		}
		seen[k.String()] = true
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(val, "%")))
		if err != nil || n < 0 || n > 100 {
			return m, fmt.Errorf("mix %q: %s=%s is not a percentage from 0 to 100", s, k, val)
		}
		m[k] = n
	}
	return m, m.validate()
}

func kindByName(name string) (Kind, bool) {
	for _, k := range Kinds {
		if k.String() == name {
			return k, true
		}
	}
	return 0, false
}

func (m Mix) validate() error {
	sum := 0
	for _, v := range m {
		sum += v
	}
	if sum != 100 {
		return fmt.Errorf("mix %s: shares sum to %d%%, not 100%%", m, sum)
	}
	return nil
}

func (m Mix) String() string {
	parts := make([]string, 0, numKinds)
	for _, k := range Kinds {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, ",")
}

// pick maps a number in [0,100) to a kind.
func (m Mix) pick(n int) Kind {
	for _, k := range Kinds {
		if n < m[k] {
			return k
		}
		n -= m[k]
	}
	return Read
}

// MarshalText writes the mix as ParseMix reads it.
func (m Mix) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a mix as ParseMix does.
func (m *Mix) UnmarshalText(b []byte) error {
	v, err := ParseMix(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Options are a run's parameters; they are copied into the report.
type Options struct {
	// Users is the number of simulated users per tenant.
	Users int `json:"users"`
	// Duration is the measured time (after Warmup); ignored when Ops is set.
	Duration time.Duration `json:"duration_ns"`
	// Ops stops the run after this many measured operations in total.
	Ops int64 `json:"ops,omitempty"`
	Mix Mix   `json:"mix"`
	// Rate is the total target in operations per second across every
	// user (fixed-rate mode); 0 runs closed loop, as fast as possible.
	Rate   float64       `json:"rate,omitempty"`
	Warmup time.Duration `json:"warmup_ns"`
	// Keep leaves the work tables in place after the run.
	Keep bool `json:"keep"`
	// SeedRows are inserted into each tenant's table before the run.
	SeedRows int `json:"seed_rows"`
	// Interval is how often a Snapshot is reported (default 1s).
	Interval time.Duration `json:"interval_ns"`
	// MaxOpenConns bounds each tenant's pool (0 = Users).
	MaxOpenConns int `json:"max_open_conns"`
	// PayloadBytes is the size of each row's payload (default 100).
	PayloadBytes int `json:"payload_bytes"`
	// OpTimeout is the pool's read and write timeout: a statement the
	// server does not answer within it fails (default 30s).
	OpTimeout time.Duration `json:"op_timeout_ns"`
}

const maxPayload = 255

func (o *Options) normalize() error {
	if o.Users <= 0 {
		return fmt.Errorf("users must be at least 1, got %d", o.Users)
	}
	if o.Ops < 0 || o.Rate < 0 || o.Warmup < 0 || o.Duration < 0 || o.SeedRows < 0 || o.MaxOpenConns < 0 {
		return fmt.Errorf("ops, rate, warm-up, duration, seed rows and pool size must not be negative")
	}
	if o.Ops == 0 && o.Duration == 0 {
		return fmt.Errorf("give a duration or an operation count")
	}
	if o.Mix == (Mix{}) {
		o.Mix = DefaultMix
	}
	if err := o.Mix.validate(); err != nil {
		return err
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.PayloadBytes <= 0 {
		o.PayloadBytes = 100
	}
	if o.PayloadBytes > maxPayload {
		return fmt.Errorf("payload of %d bytes is over the %d the work table holds", o.PayloadBytes, maxPayload)
	}
	if o.OpTimeout <= 0 {
		o.OpTimeout = 30 * time.Second
	}
	if o.MaxOpenConns == 0 {
		o.MaxOpenConns = o.Users
	}
	return nil
}
