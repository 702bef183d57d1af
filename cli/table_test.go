package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/require"
)

func TestTableAlignsWideCharacters(t *testing.T) {
	var out bytes.Buffer
	tw := newTable(&out)
	tw.Row("NAME", "DOMAIN", "STATUS")
	tw.Row("日本語テナント株式会社", "jp.test", "active")
	tw.Row("Acme", "acme.test", "blocked")
	tw.Row("😀 emoji", "e.test", "active")
	require.NoError(t, tw.Flush())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 4)
	col := func(line, cell string) int { return ansi.StringWidth(line[:strings.Index(line, cell)]) }
	for i, domain := range []string{"jp.test", "acme.test", "e.test"} {
		require.Equal(t, col(lines[0], "DOMAIN"), col(lines[i+1], domain))
	}
	for i, status := range []string{"active", "blocked", "active"} {
		require.Equal(t, col(lines[0], "STATUS"), col(lines[i+1], status))
	}
}

// A cell is escaped before it is measured: a tab or newline in a value
// stays in its cell, an escape sequence is shown, and columns line up on
// what is shown.
func TestTableEscapesCellsBeforeMeasuring(t *testing.T) {
	var out bytes.Buffer
	tw := newTable(&out)
	tw.Row("NAME", "STATUS")
	tw.Row("a\tb\nc", "active")
	tw.Row("\x1b[31mred\x1b]0;title\a", "active")
	tw.Row("\u202eevil", "active")
	require.NoError(t, tw.Flush())
	requireInert(t, out.String())
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Equal(t, []string{
		`NAME                   STATUS`,
		`a\tb\nc                active`,
		`\e[31mred\e]0;title\a  active`,
		`\u202eevil             active`,
	}, lines)
}
