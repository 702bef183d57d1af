package common

import (
	"testing"

	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
	"github.com/stretchr/testify/require"
)

func TestMessage(t *testing.T) {
	for in, want := range map[string]string{
		"refresh tenants: connection refused": "refresh tenants: connection refused",
		"a:\n  b\n\tc  d":                     "a: b c d",
		"tenant \x1b]0;title\a: \x1b[2J":      `tenant \e]0;title\a: \e[2J`,
		"rtl \u202ex\r\x85":                   `rtl \u202ex\r\x85`,
		"":                                    "",
		"join\u2028ed":                        "join ed",
	} {
		require.Equal(t, want, Message(in), "%q", in)
	}
}

func TestCell(t *testing.T) {
	for _, tc := range []struct {
		in   string
		w    int
		want string
	}{
		{"users", 8, "users   "},
		{"red \x1b[31m", 12, `red \e[31m  `},
		{"line\nbreak", 8, `line\nb…`},
		{"emoji 😀🎉", 8, "emoji … "}, // the cut ends short of the wide character: padded
		{"😀😀", 3, "😀…"},
	} {
		got := Cell(tc.in, tc.w)
		require.Equal(t, tc.want, got, "%q", tc.in)
		require.Equal(t, tc.w, lipgloss.Width(got), "%q", tc.in)
	}
}

func TestEscapeInput(t *testing.T) {
	in := textinput.New()
	in.SetValue("acme\u202e")
	EscapeInput(&in)
	require.Equal(t, `acme\u202e`, in.Value())
	in.SetValue("plain")
	EscapeInput(&in)
	require.Equal(t, "plain", in.Value())
}
