package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/perf"
	"github.com/tenancy-dev/tenancy/tenants"
)

const hostile = "x\x1b]0;title\a\x1b[31m\x1b]52;c;aGk=\a\n\r\t\x7f\u009b\u202e\u2066\xff"

// Every write for a person goes through printf, printBlock or a table,
// and every JSON encoder through jsonLines: a new raw fmt.Fprintf (or
// cobra Print, or json.NewEncoder) in the package fails here.
func TestOutputGoesThroughTermtext(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	allowed := map[string]map[string]bool{
		"termout.go": {"fmt.Fprintf": true, "io.WriteString": true},
		"table.go":   {"io.WriteString": true},
		"app.go":     {"json.NewEncoder": true},
	}
	raw := map[string]bool{"Print": true, "Printf": true, "Println": true, "Fprint": true, "Fprintf": true, "Fprintln": true,
		"PrintErr": true, "PrintErrf": true, "PrintErrln": true}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			what := sel.Sel.Name
			if pkg, ok := sel.X.(*ast.Ident); ok {
				what = pkg.Name + "." + what
			}
			sink := raw[sel.Sel.Name] || what == "io.WriteString" || what == "json.NewEncoder"
			require.False(t, sink && !allowed[name][what], "%s: %s writes without termtext; use printf, printBlock, a table or jsonLines", fset.Position(call.Pos()), what)
			return true
		})
	}
}

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

func TestPrintfEscapesArgumentsNotFormat(t *testing.T) {
	var buf bytes.Buffer
	printf(&buf, "\r\x1b[2K%s|%v|%s|%s|%d|%q\n", hostile, errors.New(hostile), stringer{hostile}, tenants.Status(hostile), 42, hostile)
	out := buf.String()
	require.True(t, strings.HasPrefix(out, "\r\x1b[2K"), "the format's own controls stay")
	body := strings.TrimPrefix(out, "\r\x1b[2K")
	requireInert(t, body)
	require.Equal(t, 1, strings.Count(body, "\n"))
	want := `x\e]0;title\a\e[31m\e]52;c;aGk=\a\n\r\t\x7f\x9b\u202e\u2066\xff`
	require.Equal(t, strings.Repeat(want+"|", 4)+"42|", body[:4*(len(want)+1)+3])
}

func TestPrintBlockKeepsLinesOnly(t *testing.T) {
	var buf bytes.Buffer
	printBlock(&buf, "tenancy: "+hostile+"\n")
	requireInert(t, buf.String())
	require.Equal(t, 2, strings.Count(buf.String(), "\n"))
	require.Contains(t, buf.String(), `\e]0;title\a`)
}

// JSON keeps every value exact, yet nothing in it acts on a terminal.
func TestJSONLinesExactAndInert(t *testing.T) {
	in := tenants.Tenant{ID: hostile, Name: "emoji 😀 " + hostile, Domains: []string{hostile}}
	for _, indent := range []bool{false, true} {
		var buf bytes.Buffer
		enc := jsonLines(&buf)
		if indent {
			enc = jsonEncoder(&buf)
		}
		require.NoError(t, enc.Encode(in))
		requireInert(t, buf.String())
		var out tenants.Tenant
		require.NoError(t, json.Unmarshal(buf.Bytes(), &out))
		valid := strings.ToValidUTF8(hostile, "\ufffd") // what encoding/json itself writes for bad bytes
		require.Equal(t, valid, out.ID)
		require.Equal(t, "emoji 😀 "+valid, out.Name)
		require.Equal(t, []string{valid}, out.Domains)
		require.Contains(t, buf.String(), "😀", "safe characters are left as they are")
	}
	var plain, ours bytes.Buffer
	require.NoError(t, json.NewEncoder(&plain).Encode(tenants.Tenant{ID: "acme", Name: "Café"}))
	require.NoError(t, jsonLines(&ours).Encode(tenants.Tenant{ID: "acme", Name: "Café"}))
	require.Equal(t, plain.String(), ours.String())
}

func TestProgressViewEscapesTenantAndTable(t *testing.T) {
	var buf bytes.Buffer
	v := newProgressView(&buf, true, false, 2)
	v.report(hostile, backup.Progress{Step: backup.StepData, Table: hostile, TableTotal: 10})
	line := buf.String()
	require.True(t, strings.HasPrefix(line, "\r\x1b[2K[0/2] "))
	requireInert(t, strings.TrimPrefix(line, "\r\x1b[2K"))
	require.NotContains(t, line, "\n")
	require.Contains(t, line, `data x\e]0;title\a`)
}

func TestStepPrinterEscapesMessages(t *testing.T) {
	for _, state := range []tenants.StepState{tenants.StepStarted, tenants.StepDone, tenants.StepSkipped, tenants.StepFailed, tenants.StepRolledBack} {
		var buf bytes.Buffer
		stepPrinter(&buf, true)(tenants.Progress{Step: tenants.Step(hostile), State: state, Message: hostile})
		out := strings.TrimSuffix(strings.TrimPrefix(buf.String(), "\x1b[2K"), "\r")
		requireInert(t, out)
		require.LessOrEqual(t, strings.Count(out, "\n"), 1, state)
		require.Contains(t, out, `x\e]0;`, state)
	}
	// The rewritten "started" line is cut to the terminal (80 columns off
	// one) as shown, escapes included, or it would wrap.
	var buf bytes.Buffer
	stepPrinter(&buf, true)(tenants.Progress{Step: tenants.StepDatabase, State: tenants.StepStarted, Message: strings.Repeat(hostile, 10)})
	require.Equal(t, 79, ansi.StringWidth(strings.TrimSuffix(buf.String(), "\r")))
}

func TestPerfPrinterEscapesPhase(t *testing.T) {
	var out, errw bytes.Buffer
	p := perfPrinter(&out, &errw, false, true)
	p(perf.Progress{Phase: perf.Phase(hostile)})
	p(perf.Progress{Phase: perf.Phase(hostile), Done: 1, Total: 1})
	requireInert(t, strings.NewReplacer("\x1b[2K", "", "tenants\r", "tenants").Replace(errw.String()))
	require.Contains(t, errw.String(), `x\e]0;title\a`)
}

func TestAskTenantNameShowsEscapedNameAndAcceptsIt(t *testing.T) {
	ask := func(tn tenants.Tenant, typed string) (string, error) {
		var errw bytes.Buffer
		err := askTenantName(&App{Stdin: strings.NewReader(typed), Stderr: &errw}, tn, "nothing was deleted")
		return errw.String(), err
	}
	tn := tenants.Tenant{ID: "id-1", Name: "Red \x1b[31mALERT\x1b]0;title\a"}
	prompt, err := ask(tn, `Red \e[31mALERT\e]0;title\a`+"\n")
	require.NoError(t, err, "what is shown is accepted")
	requireInert(t, prompt)
	require.Contains(t, prompt, `(Red \e[31mALERT\e]0;title\a)`)
	_, err = ask(tn, tn.Name+"\n")
	require.NoError(t, err, "the exact name is accepted")
	_, err = ask(tn, "Red ALERT\n")
	require.ErrorContains(t, err, "nothing was deleted")

	nameless := tenants.Tenant{ID: "id-\x1b[2J"}
	_, err = ask(nameless, "\n")
	require.ErrorContains(t, err, "the id did not match", "a bare Enter never confirms")
	prompt, err = ask(nameless, `id-\e[2J`+"\n")
	require.NoError(t, err)
	require.Contains(t, prompt, `tenant's id (id-\e[2J)`)
}

// An error is one escaped line, so a name cannot forge a line on stderr;
// a config's problems and a linesError keep their line breaks.
func TestErrorText(t *testing.T) {
	require.Equal(t, `tenant a\nb\e[31m: gone`, errorText(fmt.Errorf("tenant %s: %w", "a\nb\x1b[31m", errors.New("gone"))))
	multi := &config.Error{Path: "t\x1b]0;x\a.toml", Problems: []config.Problem{{Key: "a", Message: "one"}, {Key: "b", Message: "two"}}}
	require.Equal(t, "load: t\\e]0;x\\a.toml has 2 problem(s); fix them and run again:\n  a: one\n  b: two", errorText(fmt.Errorf("load: %w", multi)))
	require.Equal(t, "log ends with:\n\\e[2Jline", errorText(linesError{errors.New("log ends with:\n\x1b[2Jline")}))
}

// The final error printer shows what an error carries (here a config path
// from --config) escaped, keeping only its line ends.
func TestErrorPrinterEscapes(t *testing.T) {
	var out, errb bytes.Buffer
	app := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}
	code := run(context.Background(), app, []string{"--config", filepath.Join(t.TempDir(), "a\x1b]0;title\a\u202e.toml"), "tenants", "list"})
	require.Equal(t, 1, code)
	requireInert(t, errb.String())
	require.Contains(t, errb.String(), `a\e]0;title\a\u202e.toml`)
}

// requireInert fails when s holds anything a terminal would act on: a C0
// control other than a line's end, DEL, a C1 control, a bidi override or
// isolate, or bytes that are not UTF-8.
func requireInert(t *testing.T, s string) {
	t.Helper()
	require.True(t, utf8.ValidString(s), "invalid UTF-8 in %q", s)
	for i, r := range s {
		bad := r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r <= 0x9f ||
			r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
		require.False(t, bad, "raw %U at byte %d of:\n%s", r, i, s)
	}
}
