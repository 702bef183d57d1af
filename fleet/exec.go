package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/tenancy-dev/tenancy/tenants"
)

// ExecName is the exec operation's name.
const ExecName = "exec"

// OutputTail is how much of a command's combined output an item keeps.
const OutputTail = 4096

// Exec runs a command per tenant, without a shell. {id}, {database},
// {server}, {domain} and {name} in each argument are replaced by the
// tenant's values; the same values are in the environment as
// TENANCY_TENANT_ID, TENANCY_DATABASE, TENANCY_SERVER and TENANCY_DOMAIN.
type Exec struct {
	Argv []string `json:"argv"`
	// Timeout kills the command (and its process group) after this long;
	// 0 is no limit.
	Timeout time.Duration `json:"timeout_ns,omitempty"`
}

// NewExec checks and returns an exec operation.
func NewExec(argv []string, timeout time.Duration) (*Exec, error) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, errors.New("exec needs a command: tenancy run exec [flags] -- COMMAND ARGS")
	}
	if timeout < 0 {
		return nil, fmt.Errorf("exec timeout %s is negative", timeout)
	}
	return &Exec{Argv: argv, Timeout: timeout}, nil
}

func execFactory(args json.RawMessage) (Operation, error) {
	var e Exec
	if err := json.Unmarshal(args, &e); err != nil {
		return nil, fmt.Errorf("exec run's recorded arguments: %w", err)
	}
	return NewExec(e.Argv, e.Timeout)
}

// Name implements Operation.
func (e *Exec) Name() string { return ExecName }

// Args implements Operation.
func (e *Exec) Args() any { return e }

// Describe implements Operation.
func (e *Exec) Describe(t tenants.Tenant) string {
	return "exec " + strings.Join(e.expand(t), " ")
}

func (e *Exec) expand(t tenants.Tenant) []string {
	r := strings.NewReplacer("{id}", t.ID, "{database}", t.Database, "{server}", t.Server,
		"{domain}", t.PrimaryDomain(), "{name}", t.Name)
	out := make([]string, len(e.Argv))
	for i, a := range e.Argv {
		out[i] = r.Replace(a)
	}
	return out
}

// Do implements Operation: the exit status is the result, the output's
// last OutputTail bytes are kept.
func (e *Exec) Do(ctx context.Context, _ Env, t tenants.Tenant) (Result, error) {
	if e.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.Timeout)
		defer cancel()
	}
	argv := e.expand(t)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(),
		"TENANCY_TENANT_ID="+t.ID, "TENANCY_DATABASE="+t.Database,
		"TENANCY_SERVER="+t.Server, "TENANCY_DOMAIN="+t.PrimaryDomain())
	out := &tailBuffer{max: OutputTail}
	cmd.Stdout, cmd.Stderr = out, out
	killGroup(cmd)
	// A grandchild that keeps the output open must not hold the item.
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	err := cmd.Run()
	res := Result{Output: out.String()}
	if cmd.ProcessState != nil {
		code := cmd.ProcessState.ExitCode()
		res.ExitCode = &code
	}
	elapsed := time.Since(start).Round(time.Millisecond)
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && e.Timeout > 0:
		res.Summary = "timed out"
		return res, fmt.Errorf("command %s timed out after %s and was killed: raise --timeout or look at its output", argv[0], e.Timeout)
	case ctx.Err() != nil:
		res.Summary = "cancelled"
		return res, fmt.Errorf("command %s: %w", argv[0], ctx.Err())
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			res.Summary = fmt.Sprintf("exit %d", ee.ExitCode())
			return res, fmt.Errorf("command %s exited with status %d after %s%s", argv[0], ee.ExitCode(), elapsed, lastLine(res.Output))
		}
		res.Summary = "not started"
		return res, fmt.Errorf("command %s: %w", argv[0], err)
	}
	res.Summary = fmt.Sprintf("exit 0 in %s", elapsed)
	return res, nil
}

// lastLine is ": " and the output's last non-empty line (cut), or "".
func lastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	l := strings.TrimSpace(lines[len(lines)-1])
	if l == "" {
		return ""
	}
	if len(l) > 200 {
		l = l[:200] + "…"
	}
	return ": " + l
}

// tailBuffer keeps the last max bytes written to it. Command output goes
// to it from two pipes (os/exec copies them one at a time into one
// writer when Stdout == Stderr).
type tailBuffer struct {
	max   int
	buf   []byte
	total int64
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.total += int64(len(p))
	if len(p) >= b.max {
		b.buf = append(b.buf[:0], p[len(p)-b.max:]...)
		return len(p), nil
	}
	if over := len(b.buf) + len(p) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// String is the tail, marked when earlier output was dropped.
func (b *tailBuffer) String() string {
	if b.total > int64(len(b.buf)) {
		return fmt.Sprintf("[… %d earlier bytes dropped]\n", b.total-int64(len(b.buf))) + string(b.buf)
	}
	return string(b.buf)
}
