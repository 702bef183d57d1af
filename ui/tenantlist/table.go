package tenantlist

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/tenants"
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

// keepOrder is the order columns are kept in as the terminal narrows;
// the ID is shown shortened before it is shown in full.
var keepOrder = []colID{colIndex, colName, colStatus, colDomain, colLastAccess, colTenantID, colDatabase, colServer}

// minWidth is each column's narrowest useful width.
var minWidth = [numCols]int{3, 8, 16, 18, 8, 14, 7, 11}

// shortID is how many characters of the id show when it is shortened.
const shortID = 8

const gap = 2    // between columns
const gutter = 2 // mark glyph and a space

// layout is the width of each shown column (0: dropped).
type layout [numCols]int

// natural holds each column's widest value over all loaded tenants.
type natural [numCols]int

func measure(ts []tenants.Tenant) natural {
	var n natural
	for i := range n {
		n[i] = len(titles[i])
	}
	n[colStatus] = max(n[colStatus], len("inactive"))
	n[colLastAccess] = max(n[colLastAccess], len("never"))
	for _, t := range ts {
		n[colIndex] = max(n[colIndex], len(strconv.Itoa(t.Index))+2)
		n[colTenantID] = max(n[colTenantID], len(t.ID))
		n[colName] = max(n[colName], lipgloss.Width(t.Name))
		n[colDomain] = max(n[colDomain], len(t.PrimaryDomain())+domainsSuffix(t))
		n[colStatus] = max(n[colStatus], len(t.Status))
		n[colDatabase] = max(n[colDatabase], len(t.Database))
		n[colServer] = max(n[colServer], len(t.Server))
	}
	return n
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
		if c == colIndex || c == colStatus {
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

// cell renders one value cut to w.
func cell(s string, w int) string {
	if lipgloss.Width(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-lipgloss.Width(s))
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
			if desc {
				t += "↓"
			} else {
				t += "↑"
			}
		}
		parts = append(parts, cell(t, l[c]))
	}
	return st.TableHeader.Render(strings.Repeat(" ", gutter) + strings.Join(parts, strings.Repeat(" ", gap)))
}

// rowLine renders one tenant; the status keeps its colour unless the row
// is the cursor (reversed as a whole).
func rowLine(t *tenants.Tenant, l layout, st *styles.Styles, now time.Time, cursor, marked bool) string {
	mark := "  "
	if marked {
		mark = "● "
	}
	var b strings.Builder
	b.WriteString(mark)
	first := true
	statusAt, statusW := -1, 0
	for c := colID(0); c < numCols; c++ {
		if l[c] == 0 {
			continue
		}
		if !first {
			b.WriteString(strings.Repeat(" ", gap))
		}
		first = false
		v := value(t, c, now)
		if c == colTenantID && len(v) > l[c] {
			v = v[:l[c]] // a prefix of the id is what people type: no ellipsis
		}
		if c == colStatus {
			statusAt, statusW = b.Len(), l[c]
		}
		b.WriteString(cell(v, l[c]))
	}
	line := b.String()
	switch {
	case cursor && marked:
		return st.MarkedCursor.Render(line)
	case cursor:
		return st.Cursor.Render(line)
	}
	base := st.Row
	if marked {
		base = st.Marked
	}
	if statusAt < 0 {
		return base.Render(line)
	}
	// Status cells are ASCII, so byte offsets are cell offsets here.
	status := line[statusAt : statusAt+statusW]
	return base.Render(line[:statusAt]) + st.Status(t.Status).Render(status) + base.Render(line[statusAt+statusW:])
}

func value(t *tenants.Tenant, c colID, now time.Time) string {
	switch c {
	case colIndex:
		return "[" + strconv.Itoa(t.Index) + "]"
	case colTenantID:
		return t.ID
	case colName:
		return t.Name
	case colDomain:
		d := t.PrimaryDomain()
		if len(t.Domains) > 1 {
			d += fmt.Sprintf(" +%d", len(t.Domains)-1)
		}
		if d == "" {
			return "—"
		}
		return d
	case colStatus:
		return string(t.Status)
	case colDatabase:
		return t.Database
	case colServer:
		return t.Server
	case colLastAccess:
		return Ago(t.LastAccessedAt, now)
	}
	return ""
}

// Ago says how long ago t was, in the largest whole unit ("3d ago").
func Ago(t *time.Time, now time.Time) string {
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
