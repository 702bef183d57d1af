package fleet

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/tenancy-dev/tenancy/tenants"
)

// Operation is what a run does to each tenant. Args are recorded with the
// run, so that another process can rebuild the operation (through its
// Factory) and resume the run.
type Operation interface {
	// Name is the operation's registered name (exec, sql, ...).
	Name() string
	// Args is the operation's arguments as recorded (JSON).
	Args() any
	// Describe says, for a dry run, what would happen to the tenant.
	Describe(t tenants.Tenant) string
	// Do works on one tenant. The error is the item's error; the result
	// is kept with the item either way (an output tail, statements run).
	Do(ctx context.Context, env Env, t tenants.Tenant) (Result, error)
}

// Env is what an operation may use. Do runs under the tenant's lock
// (its ctx carries it: tenants.WithHeldLock), so a service the operation
// calls that takes the same lock takes it at once.
type Env struct {
	Servers *tenants.Servers
	// Tenants is the tenant service (registry writes, other services).
	Tenants *tenants.Service
}

// Result is what an operation reports for one tenant, stored as JSON in
// the item's result column.
type Result struct {
	Summary    string `json:"summary,omitempty"`
	Statements int    `json:"statements,omitempty"`
	ExitCode   *int   `json:"exit_code,omitempty"`
	// Output is the tail of a command's combined output.
	Output string `json:"output,omitempty"`
}

// Scan reads the result column.
func (r *Result) Scan(src any) error {
	*r = Result{}
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("result column: unexpected %T", src)
	}
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, r)
}

// Value writes the result column.
func (r Result) Value() (driver.Value, error) {
	if r == (Result{}) {
		return nil, nil
	}
	b, err := json.Marshal(r)
	return string(b), err
}

// Factory rebuilds an operation from its recorded arguments.
type Factory func(args json.RawMessage) (Operation, error)

// Operations maps operation names to their factories. Build one with
// DefaultOperations and Register more; there is no global registry.
type Operations struct {
	factories map[string]Factory
}

// NewOperations returns an empty set.
func NewOperations() *Operations { return &Operations{factories: map[string]Factory{}} }

// DefaultOperations returns the built-in operations: exec and sql.
func DefaultOperations() *Operations {
	ops := NewOperations()
	ops.Register(ExecName, execFactory)
	ops.Register(SQLName, sqlFactory)
	ops.Register(MigrateName, migrateFactory)
	ops.Register(SeedName, seedFactory)
	ops.Register(StatusName, statusFactory)
	ops.Register(BackupName, backupFactory)
	return ops
}

// Register adds or replaces an operation.
func (o *Operations) Register(name string, f Factory) { o.factories[name] = f }

// Names lists the registered operations.
func (o *Operations) Names() []string {
	var out []string
	for n := range o.factories {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Build rebuilds a recorded operation.
func (o *Operations) Build(name string, args json.RawMessage) (Operation, error) {
	f, ok := o.factories[name]
	if !ok {
		return nil, fmt.Errorf("operation %q is not known to this tenancy (known: %v); run it with the tenancy version that started it", name, o.Names())
	}
	return f(args)
}

// ServerDownError is an item's error when its database server cannot be
// reached; the run fails the server's other items at once with it.
type ServerDownError struct {
	Server string
	Err    error
}

func (e *ServerDownError) Error() string {
	return fmt.Sprintf("database server %s cannot be reached (%v): start it or fix its dsn in [[servers]], then `tenancy runs resume` or run --failed-of", e.Server, e.Err)
}

func (e *ServerDownError) Unwrap() error { return e.Err }

func asServerDown(err error) (*ServerDownError, bool) {
	var sd *ServerDownError
	ok := errors.As(err, &sd)
	return sd, ok
}
