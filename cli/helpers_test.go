package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tenancy-dev/tenancy/testdb"
)

// runEnv executes the CLI against the test environment's config, in process.
func runEnv(t *testing.T, env *testdb.Env, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, cfg: env.Config}
	defer app.Close()
	root := NewRoot(app)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}
