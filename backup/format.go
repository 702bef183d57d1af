package backup

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tenancy-dev/tenancy/tenants"
)

// Lines that divide a native backup into its sections. The restore loads
// the data section in parallel; the mariadb client reads them as comments.
const (
	markPrefix  = "-- tenancy:"
	markSchema  = "-- tenancy:section schema"
	markData    = "-- tenancy:section data"
	markObjects = "-- tenancy:section objects"
	markPart    = "part " // after "-- tenancy:", ends a task's rows

	footerPrefix = "-- tenancy:complete "
	// mysqldumpFooter ends a complete mariadb-dump/mysqldump file.
	mysqldumpFooter = "-- Dump completed"
)

// sessionSetup is the session every dump and restore connection runs in:
// the file's prelude says the same, so the mariadb client matches.
var sessionSetup = []string{
	"SET NAMES utf8mb4",
	"SET TIME_ZONE='+00:00'",
	"SET FOREIGN_KEY_CHECKS=0",
	"SET UNIQUE_CHECKS=0",
	"SET SQL_MODE='NO_AUTO_VALUE_ON_ZERO'",
	"SET SQL_NOTES=0",
}

// maxStatement bounds one extended INSERT (about 1 MB, as mysqldump's
// net_buffer_length does).
const maxStatement = 1 << 20

type header struct {
	Tool, Version, Server, ServerVersion, Tenant, Database, Kind, Snapshot string
	Time                                                                   time.Time
}

func (h header) render() string {
	var b strings.Builder
	if strings.Contains(h.ServerVersion, "MariaDB") {
		b.WriteString(sandboxLine + "\n")
	}
	fmt.Fprintf(&b, "-- %s %s backup\n", h.Tool, h.Version)
	fmt.Fprintf(&b, "-- server: %s (%s)\n", commentText(h.Server), commentText(h.ServerVersion))
	fmt.Fprintf(&b, "-- tenant: %s, database: %s\n", commentText(h.Tenant), commentText(h.Database))
	fmt.Fprintf(&b, "-- kind: %s, started: %s\n", h.Kind, h.Time.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "-- snapshot: %s\n", commentText(h.Snapshot))
	b.WriteString("-- Restore with: tenancy backup restore, or mariadb --binary-mode DATABASE < file.sql after decompression (mysql --binary-mode on MySQL; binary mode keeps a CR LF in a name and turns client commands off). Names in comments are %XX-encoded. It names no database, so it loads into whichever one it is given.\n\n")
	for _, s := range sessionSetup {
		b.WriteString(s + ";\n")
	}
	b.WriteString("\n" + markSchema + "\n")
	return b.String()
}

func tableDDL(t table) string {
	return fmt.Sprintf("\n-- table %s\nDROP TABLE IF EXISTS %s;\n%s;\n", commentText(t.Name), tenants.QuoteIdent(t.Name), t.DDL)
}

func objectsSQL(objs []object) string {
	var b strings.Builder
	b.WriteString("\n" + markObjects + "\n")
	for _, o := range objs {
		fmt.Fprintf(&b, "\n-- %s %s\n", o.Kind, commentText(o.Name))
		if o.Compound {
			fmt.Fprintf(&b, "DELIMITER ;;\n%s;;\nDELIMITER ;\n", o.Create)
		} else {
			fmt.Fprintf(&b, "%s;\n", o.Create)
		}
	}
	return b.String()
}

func footer(tables int, rows, bytes int64) string {
	return fmt.Sprintf("%stables=%d rows=%d bytes=%d\n", footerPrefix, tables, rows, bytes)
}

// parseFooter reads a native footer line (without its newline).
func parseFooter(line string) (tables int, rows, bytes int64, ok bool) {
	if !strings.HasPrefix(line, footerPrefix) {
		return 0, 0, 0, false
	}
	_, err := fmt.Sscanf(line[len(footerPrefix):], "tables=%d rows=%d bytes=%d", &tables, &rows, &bytes)
	return tables, rows, bytes, err == nil
}

func insertPrefix(t table) []byte {
	var b strings.Builder
	b.WriteString("INSERT INTO " + tenants.QuoteIdent(t.Name) + " (")
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(tenants.QuoteIdent(c.Name))
	}
	b.WriteString(") VALUES ")
	return []byte(b.String())
}

// appendLiteral writes one value as a SQL literal that reads back as the
// exact same value. raw is nil for NULL; floats come as float32/float64
// from the binary protocol in f (f nil: raw, already a literal, or NULL).
func appendLiteral(b []byte, kind valueKind, raw []byte, f any) []byte {
	switch kind {
	case kindFloat:
		switch v := f.(type) {
		case nil:
			return append(b, "NULL"...)
		case float32:
			return appendFloat(b, float64(v))
		case float64:
			return appendFloat(b, v)
		}
		if raw == nil {
			return append(b, "NULL"...)
		}
		return append(b, raw...)
	case kindNumber:
		if raw == nil {
			return append(b, "NULL"...)
		}
		return append(b, raw...)
	case kindBinary:
		if raw == nil {
			return append(b, "NULL"...)
		}
		if len(raw) == 0 {
			return append(b, "''"...)
		}
		b = append(b, "0x"...)
		return hex.AppendEncode(b, raw)
	}
	if raw == nil {
		return append(b, "NULL"...)
	}
	return appendQuoted(b, raw)
}

// appendFloat writes the shortest decimal that parses back to v as a
// double; a FLOAT's value widened to double is exact, so it reads back
// bit-exact too. The exponent keeps MySQL from reading it as an integer
// (which would lose -0).
func appendFloat(b []byte, v float64) []byte {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return append(b, "NULL"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, v, 'g', -1, 64)
	for _, c := range b[start:] {
		if c == '.' || c == 'e' {
			return b
		}
	}
	return append(b, "e0"...)
}

// escapes maps each byte that needs a backslash in a quoted literal to
// the letter written after it.
var escapes = [256]byte{0: '0', '\n': 'n', '\r': 'r', '\\': '\\', '\'': '\'', 0x1a: 'Z'}

func appendQuoted(b []byte, s []byte) []byte {
	b = append(b, '\'')
	start := 0
	for i, c := range s {
		if e := escapes[c]; e != 0 {
			b = append(b, s[start:i]...)
			b = append(b, '\\', e)
			start = i + 1
		}
	}
	b = append(b, s[start:]...)
	return append(b, '\'')
}
