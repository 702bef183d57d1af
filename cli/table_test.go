package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/require"
)

func TestTableAlignsWideCharacters(t *testing.T) {
	var out bytes.Buffer
	tw := newTable(&out)
	fmt.Fprintln(tw, "NAME\tDOMAIN\tSTATUS")
	fmt.Fprintln(tw, "日本語テナント株式会社\tjp.test\tactive")
	fmt.Fprintln(tw, "Acme\tacme.test\tblocked")
	require.NoError(t, tw.Flush())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3)
	col := func(line, cell string) int { return ansi.StringWidth(line[:strings.Index(line, cell)]) }
	require.Equal(t, col(lines[0], "DOMAIN"), col(lines[1], "jp.test"))
	require.Equal(t, col(lines[0], "DOMAIN"), col(lines[2], "acme.test"))
	require.Equal(t, col(lines[0], "STATUS"), col(lines[1], "active"))
	require.Equal(t, col(lines[0], "STATUS"), col(lines[2], "blocked"))
}
