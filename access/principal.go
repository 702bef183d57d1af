package access

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Principal is who acts: an SSH user or the OS user of a CLI.
type Principal struct {
	// User is the SSH user's configured name, or user@host for the CLI.
	User string
	Role Role
	// Via is the front end: "ssh" or "cli".
	Via string
	// Remote is the client's address for SSH ("" for the CLI).
	Remote string
	// Audit receives every allowed and refused action (nil: none kept).
	Audit Sink
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal ctx carries.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// ErrDenied is what every refusal wraps (errors.Is(err, access.ErrDenied)).
var ErrDenied = errors.New("permission denied")

// DeniedError says who was refused what, and which role it needs.
type DeniedError struct {
	User   string
	Role   Role
	Action Action
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("permission denied: %s %q may not %s (it needs the %s role; ask an admin)",
		e.Role, e.User, e.Action, e.Action.Needs())
}

// Unwrap makes errors.Is(err, ErrDenied) true.
func (e *DeniedError) Unwrap() error { return ErrDenied }

// ReadOnlyError is a read-only role's answer to a write it asked a front
// end for (a key the dashboard disabled), before any service is reached.
type ReadOnlyError struct {
	Role Role
	// What names the write as the user asked for it ("delete").
	What string
}

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("read-only: your role %s cannot %s; ask an admin", e.Role, e.What)
}

// Unwrap makes errors.Is(err, ErrDenied) true.
func (e *ReadOnlyError) Unwrap() error { return ErrDenied }

// ReadOnly returns a *ReadOnlyError for what when ctx's principal has a
// read-only role, and nil otherwise (the front end is read-only for a
// reason of its own, a flag or a read-only database, and says so).
func ReadOnly(ctx context.Context, what string) error {
	if p, ok := FromContext(ctx); ok && p.Role.ReadOnly() {
		return &ReadOnlyError{Role: p.Role, What: what}
	}
	return nil
}

// Entry is one audited action.
type Entry struct {
	Time   time.Time
	User   string
	Role   Role
	Via    string
	Remote string
	Action Action
	// Target names what was acted on (a tenant id, a backup id, a run).
	Target string
	// Detail holds the arguments ("status=blocked", "domain=a.example").
	Detail string
	// Outcome is "ok", "denied" or "failed"; Error says why when not ok.
	Outcome string
	Error   string
}

// Outcomes.
const (
	OutcomeOK     = "ok"
	OutcomeDenied = "denied"
	OutcomeFailed = "failed"
)

// Sink keeps audit entries (package audit writes them to the central
// database). Record must be safe for concurrent use; it reports its own
// failures (a service never prints).
type Sink interface {
	Record(ctx context.Context, e Entry)
}

// Require returns a *DeniedError when ctx's principal may not perform a,
// after auditing the refusal; target (optional) names what it was on. A
// context without a principal may do everything.
func Require(ctx context.Context, a Action, target ...string) error {
	p, ok := FromContext(ctx)
	if !ok || p.Role.AtLeast(a.Needs()) || ctx.Value(withinKey{a}) != nil {
		return nil
	}
	err := &DeniedError{User: p.User, Role: p.Role, Action: a}
	record(ctx, p, a, first(target), "", err)
	return err
}

type withinKey struct{ a Action }

// Within returns ctx under which a is allowed: an action Require allowed
// that performs another as its part (a cleanup by the retention policy
// deletes backups) passes it down. Each part is still audited by Done.
func Within(ctx context.Context, a Action) context.Context {
	return context.WithValue(ctx, withinKey{a}, true)
}

// Allowed reports whether ctx's principal may perform a (for hiding what
// it may not do; the check that counts is Require's).
func Allowed(ctx context.Context, a Action) bool {
	p, ok := FromContext(ctx)
	return !ok || p.Role.AtLeast(a.Needs())
}

// Done records the outcome of an action Require allowed: defer it with
// the method's named error, `defer access.Done(ctx, a, target, &err)`;
// detail holds the arguments worth keeping ("status=blocked").
func Done(ctx context.Context, a Action, target string, errp *error, detail ...string) {
	p, ok := FromContext(ctx)
	if !ok {
		return
	}
	var err error
	if errp != nil {
		err = *errp
	}
	record(ctx, p, a, target, strings.Join(detail, " "), err)
}

func record(ctx context.Context, p Principal, a Action, target, detail string, err error) {
	if p.Audit == nil {
		return
	}
	e := Entry{Time: time.Now().UTC(), User: p.User, Role: p.Role, Via: p.Via, Remote: p.Remote,
		Action: a, Target: target, Detail: detail, Outcome: OutcomeOK}
	switch {
	case errors.Is(err, ErrDenied):
		e.Outcome, e.Error = OutcomeDenied, err.Error()
	case err != nil:
		e.Outcome, e.Error = OutcomeFailed, err.Error()
	}
	// The record outlives a cancelled action (esc during a delete).
	p.Audit.Record(context.WithoutCancel(ctx), e)
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
