// Package termtext makes untrusted text safe to write to a terminal.
//
// Tenant names, domains, ids and the raw data column come from the central
// database, which tenants can often write through the application. Written
// raw, an escape sequence in them would retitle the admin's terminal,
// recolour the screen, write the clipboard (OSC 52) or break a table. Every
// place that writes such text to a terminal (CLI tables, progress lines,
// error messages, every dashboard view) passes it through Line or Block.
// JSON output does not: JSON escapes what it must itself and stays exact.
package termtext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Line returns s with every character a terminal would act on shown as a
// visible escape: C0 controls (\n, \t, \r too), ESC as \e, DEL, C1
// controls, the bidi embeddings, overrides and isolates (U+202A-U+202E,
// U+2066-U+2069, and the marks U+200E, U+200F, U+061C), and bytes that are
// not UTF-8. The result is one line, and its width is what a table must
// measure.
func Line(s string) string { return escape(s, false) }

// Block is Line for text that is meant to span lines (an error message, the
// raw data of a tenant): newlines stay, tabs become spaces, everything else
// Line escapes is escaped.
func Block(s string) string { return escape(s, true) }

// Safe reports whether s needs no escaping as one line.
func Safe(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if needsEscape(r, n) {
			return false
		}
		i += n
	}
	return true
}

func escape(s string, block bool) string {
	if Safe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case block && r == '\n':
			b.WriteByte('\n')
		case block && r == '\t':
			b.WriteString("    ")
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case !needsEscape(r, n):
			b.WriteString(s[i : i+n])
		default:
			b.WriteString(visible(r))
		}
		i += n
	}
	return b.String()
}

func needsEscape(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// visible is the escape written for one control or bidi character.
func visible(r rune) string {
	switch r {
	case 0x1b:
		return `\e`
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	case 0x07:
		return `\a`
	case 0x08:
		return `\b`
	case 0x0c:
		return `\f`
	case 0x0b:
		return `\v`
	case 0:
		return `\0`
	}
	if r < 0x100 {
		return `\x` + hex2(byte(r))
	}
	return `\u` + strconv.FormatInt(int64(r), 16)
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}
