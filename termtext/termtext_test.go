package termtext

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestLine(t *testing.T) {
	for in, want := range map[string]string{
		"acme":                        "acme",
		"Café 😀":                      "Café 😀",
		"t_nl\nDROP DATABASE victim;": `t_nl\nDROP DATABASE victim;`,
		"\x1b]0;pwned\a":              `\e]0;pwned\a`,
		"\x1b[31mred":                 `\e[31mred`,
		"\x1b]52;c;Y2xpcA==\a":        `\e]52;c;Y2xpcA==\a`,
		"cr\rlf":                      `cr\rlf`,
		"tab\there":                   `tab\there`,
		"del\x7f":                     `del\x7f`,
		"c1\u009b2J":                  `c1\x9b2J`,
		"abc\u202etxt.exe":            `abc\u202etxt.exe`,
		"iso\u2066x\u2069":            `iso\u2066x\u2069`,
		"bad\xffutf8":                 `bad\xffutf8`,
		"nul\x00":                     `nul\0`,
		`back\slash`:                  `back\slash`,
	} {
		require.Equal(t, want, Line(in), "%q", in)
	}
}

func TestBlockKeepsLines(t *testing.T) {
	require.Equal(t, "a\n    b\\e[2J", Block("a\n\tb\x1b[2J"))
}

// FuzzLine: whatever goes in, nothing a terminal acts on comes out, the
// result is valid UTF-8, and safe text is left exactly as it was.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"acme", "\x1b]0;t\a", "\u202e", "a\nb", "\xff", "\u0085", "😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{Line(s), Block(s)} {
			require.True(t, utf8.ValidString(out))
			for _, r := range out {
				if r == '\n' && out == Block(s) {
					continue
				}
				require.False(t, needsEscape(r, utf8.RuneLen(r)), "%q left %U in %q", s, r, out)
			}
		}
		require.NotContains(t, Line(s), "\n")
		if Safe(s) {
			require.Equal(t, s, Line(s))
		} else {
			require.NotEqual(t, s, Line(s))
		}
		require.Equal(t, strings.Count(s, "\n"), strings.Count(Block(s), "\n"))
	})
}
