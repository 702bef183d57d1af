package cli

import (
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/termtext"
)

// table lines up cells like text/tabwriter, but measures cells by their
// width on the terminal, so names in CJK or with emoji do not push the
// columns after them out of line. Add rows, then Flush.
type table struct {
	w    io.Writer
	rows [][]string
}

func newTable(w io.Writer) *table { return &table{w: w} }

// Row adds one row. Each cell is shown through termtext.Line before it is
// measured: a value can neither act on the terminal nor break the row
// (a newline or tab in a name stays one visible cell), and the columns
// line up on what is actually shown.
func (t *table) Row(cells ...string) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = termtext.Line(c)
	}
	t.rows = append(t.rows, row)
}

// Flush writes the rows with every column padded to its widest cell and
// two spaces between columns.
func (t *table) Flush() error {
	var widths []int
	cellWidths := make([][]int, len(t.rows))
	for i, r := range t.rows {
		cellWidths[i] = make([]int, len(r))
		for j, c := range r {
			cellWidths[i][j] = cellWidth(c)
			if j == len(r)-1 {
				break // the last cell is never padded
			}
			if j >= len(widths) {
				widths = append(widths, 0)
			}
			widths[j] = max(widths[j], cellWidths[i][j])
		}
	}
	var out strings.Builder
	for i, r := range t.rows {
		for j, c := range r {
			out.WriteString(c)
			if j < len(r)-1 {
				out.WriteString(strings.Repeat(" ", widths[j]-cellWidths[i][j]+2))
			}
		}
		out.WriteString("\n")
	}
	t.rows = nil
	_, err := io.WriteString(t.w, out.String())
	return err
}

// cellWidth is an escaped cell's width on the terminal; ASCII, by far the
// common case, skips the grapheme segmentation.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}
