package tenantlist

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/styles"
)

// colID names a column.
type colID int

// Columns in display order.
const (
	colIndex colID = iota
	colTenantID
	colName
	colDomain
	colStatus
	colDatabase
	colServer
	colLastAccess
	numCols
)

var titles = [numCols]string{"#", "ID", "NAME", "DOMAIN", "STATUS", "DATABASE", "SERVER", "LAST ACCESS"}

// shortTitles replace titles that leave no room for the sort arrow when
// their column is at its narrowest.
var shortTitles = map[colID]string{colLastAccess: "ACCESSED"}

// keepOrder is the order columns are kept in as the terminal narrows;
// the ID is shown shortened before it is shown in full.
var keepOrder = []colID{colIndex, colName, colStatus, colDomain, colLastAccess, colTenantID, colDatabase, colServer}

// minWidth is each column's narrowest useful width.
var minWidth = [numCols]int{3, 8, 16, 18, 8, 14, 7, 11}

// shortID is how many characters of the id show when it is shortened.
const shortID = 8

// downMarker follows the status of a tenant down for maintenance (the
// status line counts them and says what it means).
const downMarker = " ▼"

const gap = 2    // between columns
const gutter = 2 // mark glyph and a space

// layout is the width of each shown column (0: dropped).
type layout [numCols]int

// natural holds each column's widest value over all loaded tenants.
type natural [numCols]int

func measure(ts []tenants.Tenant) natural {
	var n natural
	for i := range n {
		n[i] = len(titles[i]) + 1 // room for the sort arrow
	}
	n[colStatus] = max(n[colStatus], len("inactive"))
	n[colLastAccess] = max(n[colLastAccess], len("never"))
	for _, t := range ts {
		n[colIndex] = max(n[colIndex], len(strconv.Itoa(t.Index))+2)
		if t.Maintenance != nil {
			n[colStatus] = max(n[colStatus], shownWidth(string(t.Status))+width(downMarker))
		}
		n[colTenantID] = max(n[colTenantID], shownWidth(t.ID))
		n[colName] = max(n[colName], shownWidth(t.Name))
		n[colDomain] = max(n[colDomain], shownWidth(t.PrimaryDomain())+domainsSuffix(t))
		n[colStatus] = max(n[colStatus], shownWidth(string(t.Status)))
		n[colDatabase] = max(n[colDatabase], shownWidth(t.Database))
		n[colServer] = max(n[colServer], shownWidth(t.Server))
	}
	return n
}

// shownWidth is the cells a registry value takes once escaped (what
// value shows).
func shownWidth(s string) int {
	if termtext.Safe(s) {
		return width(s)
	}
	return width(termtext.Line(s))
}

func domainsSuffix(t tenants.Tenant) int {
	if len(t.Domains) > 1 {
		return len(fmt.Sprintf(" +%d", len(t.Domains)-1))
	}
	return 0
}

// fitColumns picks the columns and their widths for width cells: columns
// join in keepOrder while their minimum fits, then the spare cells widen
// name, domain and database up to their natural width, then the id to full.
func fitColumns(width int, nat natural) layout {
	var l layout
	used := gutter
	for _, c := range keepOrder {
		w := min(minWidth[c], nat[c])
		if c == colTenantID {
			w = min(shortID, nat[c])
		}
		if c == colIndex || c == colStatus || c == colLastAccess {
			w = nat[c]
		}
		extra := w
		if used > gutter {
			extra += gap
		}
		if used+extra > width {
			if c == colName || c == colIndex {
				l[c] = max(width-used-gap, 1)
				used = width
			}
			continue
		}
		l[c] = w
		used += extra
	}
	spare := width - used
	for _, c := range []colID{colName, colDomain, colDatabase, colLastAccess, colServer} {
		if l[c] == 0 {
			continue
		}
		add := min(spare, nat[c]-l[c])
		if add > 0 {
			l[c] += add
			spare -= add
		}
	}
	if l[colTenantID] > 0 && spare >= nat[colTenantID]-l[colTenantID] {
		spare -= nat[colTenantID] - l[colTenantID]
		l[colTenantID] = nat[colTenantID]
	}
	if spare > 0 && l[colName] > 0 {
		l[colName] += spare // the last column is not padded, so give the rest to the name
	}
	return l
}

// cell renders one plain value cut or padded to w cells.
func cell(s string, w int) string {
	n := width(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-n)
}

// width is the cells a plain value takes: its length when ASCII (names,
// ids and domains nearly always are), else its grapheme width.
func width(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// headerLine renders the column titles, marking the sort column.
func headerLine(l layout, st *styles.Styles, sortCol colID, desc bool) string {
	var parts []string
	for c := colID(0); c < numCols; c++ {
		if l[c] == 0 {
			continue
		}
		t := titles[c]
		if c == sortCol {
			arrow := "↑"
			if desc {
				arrow = "↓"
			}
			if short, ok := shortTitles[c]; ok && width(t)+1 > l[c] {
				t = short
			}
			t = strings.TrimRight(cell(t, l[c]-1), " ") + arrow // the arrow is never cut
		}
		parts = append(parts, cell(t, l[c]))
	}
	return st.TableHeader.Render(strings.Repeat(" ", gutter) + strings.Join(parts, strings.Repeat(" ", gap)))
}

// rowLine renders one tenant; the status keeps its colour unless the row
// is the cursor (reversed as a whole). Plain rows are not passed through
// a style at all, and status cells come from the cache: a frame renders
// dozens of rows.
func rowLine(t *tenants.Tenant, l layout, st *styles.Styles, cache *statusCells, now time.Time, cursor, marked bool) string {
	var before, after strings.Builder
	status := ""
	if marked {
		before.WriteString("● ")
	} else {
		before.WriteString("  ")
	}
	b := &before
	first := true
	for c := colID(0); c < numCols; c++ {
		if l[c] == 0 {
			continue
		}
		if !first {
			b.WriteString(strings.Repeat(" ", gap))
		}
		first = false
		v := value(t, c, now)
		if c == colTenantID && len(v) > l[c] { // a prefix of the id is what people type: no ellipsis
			if width(v) == len(v) {
				v = v[:l[c]]
			} else {
				v = ansi.Truncate(v, l[c], "") // never half a character
			}
		}
		if c == colStatus {
			status = cell(v, l[c])
			b = &after
			continue
		}
		b.WriteString(cell(v, l[c]))
	}
	switch {
	case cursor && marked:
		return st.MarkedCursor.Render(before.String() + status + after.String())
	case cursor:
		return st.Cursor.Render(before.String() + status + after.String())
	case marked:
		return st.Marked.Render(before.String()) + cache.paint(st, t.Status, status) + st.Marked.Render(after.String())
	}
	return before.String() + cache.paint(st, t.Status, status) + after.String()
}

// statusCells caches styled status cells by status, width and background.
type statusCells struct {
	m map[statusKey]string
}

type statusKey struct {
	status string // the padded cell
	dark   bool
}

func (c *statusCells) paint(st *styles.Styles, status tenants.Status, padded string) string {
	if padded == "" {
		return ""
	}
	k := statusKey{padded, st.IsDark}
	if s, ok := c.m[k]; ok {
		return s
	}
	if c.m == nil || len(c.m) > 64 { // unknown statuses cannot grow it without bound
		c.m = map[statusKey]string{}
	}
	s := st.Status(status).Render(padded)
	c.m[k] = s
	return s
}

// value is what a cell shows: registry values escaped as one line (only
// the rows on screen are escaped, and a safe value is not copied).
func value(t *tenants.Tenant, c colID, now time.Time) string {
	switch c {
	case colIndex:
		return "[" + strconv.Itoa(t.Index) + "]"
	case colTenantID:
		return termtext.Line(t.ID)
	case colName:
		return termtext.Line(t.Name)
	case colDomain:
		d := termtext.Line(t.PrimaryDomain())
		if len(t.Domains) > 1 {
			d += fmt.Sprintf(" +%d", len(t.Domains)-1)
		}
		if d == "" {
			return "—"
		}
		return d
	case colStatus:
		if t.Maintenance != nil {
			return termtext.Line(string(t.Status)) + downMarker
		}
		return termtext.Line(string(t.Status))
	case colDatabase:
		return termtext.Line(t.Database)
	case colServer:
		return termtext.Line(t.Server)
	case colLastAccess:
		return ago(t.LastAccessedAt, now)
	}
	return ""
}

// ago says how long ago t was, in the largest whole unit ("3d ago").
func ago(t *time.Time, now time.Time) string {
	if t == nil {
		return "never"
	}
	d := now.Sub(*t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	case d < 60*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d.Hours()/24))
	}
	return t.Format("2006-01-02")
}
