package detail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// redacted are the data keys whose values are never shown.
var redacted = map[string]bool{"tenancy_db_password": true, "password": true, "db_password": true}

// maxTables bounds the table list (a schema can have hundreds).
const maxTables = 30

// render rebuilds the viewport content from the tenant and its database.
func (m *Model) render() {
	if m.width == 0 {
		return
	}
	st := m.c.Styles
	var b strings.Builder
	section := func(title string) { b.WriteString(st.Section.Render(title) + "\n") }
	field := func(label, value string) {
		b.WriteString("  " + st.Label.Render(fmt.Sprintf("%-14s", label)) + " " + value + "\n")
	}
	if !m.have {
		if m.loadErr != nil {
			b.WriteString(st.FlashError.Render(common.Message(m.loadErr.Error())))
		} else {
			b.WriteString(st.Subtle.Render("finding tenant " + termtext.Line(m.ref) + "…"))
		}
		m.vp.SetContent(b.String())
		return
	}
	t := m.t
	now := m.c.Now()
	status := st.Status(t.Status).Render(termtext.Line(string(t.Status)))
	b.WriteString(st.Title.Render(fmt.Sprintf("[%d] %s", t.Index, termtext.Line(t.Name))) + "  " + status + "\n")
	section("Tenant")
	field("id", termtext.Line(t.ID))
	field("status", status)
	field("has homepage", fmt.Sprint(t.HasHomepage))
	if t.Maintenance != nil {
		field("maintenance", st.FlashError.Render(maintenanceLine(t.Maintenance)))
		if t.Maintenance.Message != "" {
			field("  message", termtext.Line(t.Maintenance.Message))
		}
	} else {
		field("maintenance", "off")
	}
	field("created", when(t.CreatedAt, now))
	field("updated", when(t.UpdatedAt, now))
	field("last access", when(t.LastAccessedAt, now))

	section(fmt.Sprintf("Domains (%d)", len(t.Domains)))
	if len(t.Domains) == 0 {
		b.WriteString("  " + st.Subtle.Render("none") + "\n")
	}
	for _, d := range t.Domains {
		b.WriteString("  " + termtext.Line(d) + "\n")
	}

	section("Database")
	field("server", termtext.Line(t.Server))
	field("name", termtext.Line(t.Database))
	if t.DBUser != "" {
		field("user", termtext.Line(t.DBUser)+st.Subtle.Render("  (password stored in data, hidden)"))
	} else {
		field("user", st.Subtle.Render("none (the server's connection user)"))
	}
	m.renderInfo(&b, field)

	// The raw data keeps its lines; what JSON leaves unescaped (bidi
	// controls, C1, DEL) and settings that are not JSON are escaped.
	section("Data")
	b.WriteString(indent(st.Code.Render(termtext.Block(prettyData(t.Data))), "  ") + "\n")
	if len(t.Settings) > 0 && string(t.Settings) != "null" {
		section("Settings")
		b.WriteString(indent(st.Code.Render(termtext.Block(prettyJSON(t.Settings))), "  ") + "\n")
	}
	m.vp.SetContent(b.String())
}

func (m *Model) renderInfo(b *strings.Builder, field func(string, string)) {
	st := m.c.Styles
	switch {
	case !m.infoOK:
		field("size", st.Subtle.Render("reading information_schema…"))
		return
	case m.infoErr != nil:
		field("size", st.FlashError.Render(common.Message(m.infoErr.Error())))
		return
	case !m.info.Exists:
		field("exists", st.FlashError.Render("no: the database is missing on "+termtext.Line(m.t.Server)))
		return
	}
	i := m.info
	field("charset", termtext.Line(i.Charset)+" / "+termtext.Line(i.Collation))
	field("size", humanize.IBytes(uint64(i.Bytes)))
	field("tables", fmt.Sprint(len(i.Tables)))
	field("rows (est.)", humanize.Comma(i.Rows))
	for n, tb := range i.Tables {
		if n == maxTables {
			b.WriteString("    " + st.Subtle.Render(fmt.Sprintf("… and %d more tables", len(i.Tables)-maxTables)) + "\n")
			break
		}
		// table names come from the tenant's own database
		b.WriteString(fmt.Sprintf("    %s %10s rows  %9s\n", tableName(tb.Name), humanize.Comma(tb.Rows),
			humanize.IBytes(uint64(tb.DataBytes+tb.IndexBytes))))
	}
}

// tableName is a table's name escaped in a column of 28 cells; a longer
// name is shown whole (the row is then wider, as it was before).
func tableName(name string) string {
	name = termtext.Line(name)
	if w := ansi.StringWidth(name); w < 28 {
		return name + strings.Repeat(" ", 28-w)
	}
	return name
}

func when(t *time.Time, now time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC") + "  (" + humanize.RelTime(*t, now, "ago", "from now") + ")"
}

// prettyData renders the data column as indented JSON with its keys
// sorted and passwords replaced.
func prettyData(data map[string]json.RawMessage) string {
	if len(data) == 0 {
		return "{}"
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("{\n")
	for i, k := range keys {
		v := prettyJSON(data[k])
		if redacted[k] {
			v = `"••••••••"`
		}
		kj, _ := json.Marshal(k)
		b.WriteString("  " + string(kj) + ": " + indent(v, "  ")[2:])
		if i < len(keys)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}")
	return b.String()
}

func prettyJSON(raw json.RawMessage) string {
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return string(raw)
	}
	return out.String()
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
