package perf

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReportEscapesTenantText: names and evidence from tenant databases
// reach the text report (a terminal) and the Markdown file escaped, one
// line each, and the report's line count does not change with them.
func TestReportEscapesTenantText(t *testing.T) {
	render := func(name string) (string, string) {
		r := &Report{RunID: "r1",
			Tenants: []TenantReport{{Tenant: "t1", Name: name}, {Tenant: "t2", Name: "plain"}},
			Isolation: Isolation{
				Rows:  []RowCheck{{Tenant: "t1", Name: name, Evidence: []string{"row of " + name}}},
				Pairs: []PairCheck{{From: name, User: name, To: "plain", Evidence: []string{"read " + name}}},
			},
			CleanupErrors: []string{"drop work table of " + name},
		}
		var text, md strings.Builder
		require.NoError(t, r.WriteText(&text))
		require.NoError(t, r.WriteMarkdown(&md))
		return text.String(), md.String()
	}
	plainText, plainMD := render("calm")
	hostile := "e\x1b]0;pwn\x07\x1b[31m|x\n\r\u202e\x7f"
	text, md := render(hostile)
	for _, out := range []string{text, md} {
		require.False(t, strings.ContainsFunc(out, func(r rune) bool {
			return r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x202e)
		}), "raw control byte in %q", out)
		require.Contains(t, out, `\e]0;pwn\a\e[31m`)
	}
	require.Equal(t, strings.Count(plainText, "\n"), strings.Count(text, "\n"))
	require.Equal(t, strings.Count(plainMD, "\n"), strings.Count(md, "\n"))
}
