package cli

import (
	"fmt"
	"io"
	"reflect"
	"strconv"
	"unicode/utf8"

	"github.com/tenancy-dev/tenancy/termtext"
)

// Everything the CLI writes for a person goes through printf, printBlock
// or a table (table.go); TestOutputGoesThroughTermtext keeps it so. Names,
// ids, domains, database and table names, file names and errors are
// untrusted (tenants write the central database through their app): raw,
// they could retitle the admin's terminal, recolour it, write its
// clipboard (OSC 52), reverse text or forge lines.

// printf is fmt.Fprintf for a terminal. The format's own layout stays (its
// newlines, a progress line's \r and erase-line); every string, error and
// Stringer argument is shown through termtext.Line, so it can add none.
func printf(w io.Writer, format string, args ...any) {
	safe := make([]any, len(args))
	for i, a := range args {
		safe[i] = lineArg(a)
	}
	fmt.Fprintf(w, format, safe...)
}

func lineArg(a any) any {
	switch v := a.(type) {
	case nil:
		return nil
	case string:
		return termtext.Line(v)
	case error:
		return termtext.Line(v.Error())
	case fmt.Stringer:
		return termtext.Line(v.String())
	}
	if v := reflect.ValueOf(a); v.Kind() == reflect.String { // tenants.Status, tenants.Step, perf.Phase
		return termtext.Line(v.String())
	}
	return a
}

// printBlock writes text meant to span lines (an error, a rendered
// report) through termtext.Block: its newlines stay, nothing else acts.
func printBlock(w io.Writer, s string) {
	_, _ = io.WriteString(w, termtext.Block(s))
}

// jsonTerminalWriter carries JSON to what may be a terminal. encoding/json
// escapes the controls below U+0020 but writes DEL, the C1 controls and
// the bidi characters raw; these can only occur inside strings, where
// \uXXXX means the same, so the JSON stays exact for every parser and is
// inert on a terminal. Each json.Encoder.Encode is one Write of whole
// runes.
type jsonTerminalWriter struct{ w io.Writer }

func (j jsonTerminalWriter) Write(p []byte) (int, error) {
	ascii := true
	for _, c := range p {
		if c >= 0x7f {
			ascii = false
			break
		}
	}
	if ascii {
		return j.w.Write(p)
	}
	out := make([]byte, 0, len(p)+16)
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRune(p[i:])
		if r >= 0x7f && r <= 0xffff && r != utf8.RuneError && !termtext.Safe(string(r)) {
			out = append(out, `\u`...)
			hex := strconv.FormatInt(int64(r), 16)
			for k := len(hex); k < 4; k++ {
				out = append(out, '0')
			}
			out = append(out, hex...)
		} else {
			out = append(out, p[i:i+n]...)
		}
		i += n
	}
	if _, err := j.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
