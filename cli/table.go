package cli

import (
	"bytes"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// table lines up tab-separated cells like text/tabwriter, but measures
// cells by their width on the terminal, so names in CJK or with emoji do
// not push the columns after them out of line. Write rows, then Flush.
type table struct {
	w   io.Writer
	buf bytes.Buffer
}

func newTable(w io.Writer) *table { return &table{w: w} }

func (t *table) Write(p []byte) (int, error) { return t.buf.Write(p) }

// Flush writes the rows with every column padded to its widest cell and
// two spaces between columns.
func (t *table) Flush() error {
	lines := strings.Split(strings.TrimSuffix(t.buf.String(), "\n"), "\n")
	t.buf.Reset()
	var widths []int
	rows := make([][]string, len(lines))
	cellWidths := make([][]int, len(lines))
	for i, l := range lines {
		rows[i] = strings.Split(l, "\t")
		cellWidths[i] = make([]int, len(rows[i]))
		for j, c := range rows[i][:len(rows[i])-1] { // the last cell is never padded
			cellWidths[i][j] = cellWidth(c)
			if j >= len(widths) {
				widths = append(widths, 0)
			}
			widths[j] = max(widths[j], cellWidths[i][j])
		}
	}
	var out strings.Builder
	for i, r := range rows {
		for j, c := range r {
			out.WriteString(c)
			if j < len(r)-1 {
				out.WriteString(strings.Repeat(" ", widths[j]-cellWidths[i][j]+2))
			}
		}
		out.WriteString("\n")
	}
	_, err := io.WriteString(t.w, out.String())
	return err
}

// cellWidth is a cell's width on the terminal; ASCII, by far the common
// case, skips the grapheme segmentation.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}
