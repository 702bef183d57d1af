// Package uitest helps the dashboard's screen tests: a Context with no
// database and a fixed clock, key messages, and golden views (ANSI
// stripped) in testdata, regenerated with `go test ./ui/... -update`.
package uitest

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/keys"
	"github.com/tenancy-dev/tenancy/ui/styles"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Now is the fixed clock of test contexts.
var Now = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// Sizes are the terminal sizes every golden view is taken at.
var Sizes = [][2]int{{80, 24}, {120, 40}}

// Context returns a screen context with no service, a fixed clock and the
// given content size.
func Context(t testing.TB, readOnly bool, width, height int) *common.Context {
	t.Helper()
	cfg := config.Default()
	cfg.Central.DSN = "root@tcp(127.0.0.1:3306)/central"
	cfg.UI.ReadOnly = readOnly
	km, err := keys.New(nil, readOnly)
	require.NoError(t, err)
	c := common.NewContext(context.Background(), nil, cfg, km, styles.New(true))
	c.Now = func() time.Time { return Now }
	c.Width, c.Height = width, height
	return c
}

// Key returns the key press for a key name as key.Binding spells it
// ("enter", "ctrl+c", "space", "a").
func Key(name string) tea.KeyPressMsg {
	special := map[string]tea.Key{
		"enter": {Code: tea.KeyEnter}, "esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab},
		"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift}, "space": {Code: tea.KeySpace, Text: " "},
		"up": {Code: tea.KeyUp}, "down": {Code: tea.KeyDown}, "left": {Code: tea.KeyLeft}, "right": {Code: tea.KeyRight},
		"pgup": {Code: tea.KeyPgUp}, "pgdown": {Code: tea.KeyPgDown}, "home": {Code: tea.KeyHome}, "end": {Code: tea.KeyEnd},
		"backspace": {Code: tea.KeyBackspace}, "ctrl+c": {Code: 'c', Mod: tea.ModCtrl},
	}
	if k, ok := special[name]; ok {
		return tea.KeyPressMsg(k)
	}
	r := []rune(name)
	return tea.KeyPressMsg(tea.Key{Code: r[0], Text: name})
}

// Type returns the key presses that type s.
func Type(s string) []tea.KeyPressMsg {
	var out []tea.KeyPressMsg
	for _, r := range s {
		out = append(out, Key(string(r)))
	}
	return out
}

// Plain strips ANSI sequences and trailing spaces from a rendered view.
func Plain(view string) string {
	lines := strings.Split(ansi.Strip(view), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// Golden compares the plain view with testdata/<name>.golden (or writes
// it with -update).
func Golden(t *testing.T, name, view string) {
	t.Helper()
	got := Plain(view)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file: run go test ./ui/... -update")
	require.Equal(t, string(want), got, "view differs from %s (run with -update if the change is intended)", path)
}

// Press sends key presses to a screen and returns the last command.
func Press(s common.Screen, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = s.Update(Key(k))
	}
	return cmd
}
