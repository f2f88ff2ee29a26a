package report

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Text makes s safe to print on a terminal: every control character (C0,
// DEL, C1), every byte that is not UTF-8, and the Unicode controls that
// reorder or break lines (bidi overrides and isolates, U+2028, U+2029) are
// replaced by a visible escape (\x1b, \x9b, \u202e; \t, \n and \r as
// themselves), so that a hostile zone file or IPAM export cannot move the
// cursor, rewrite the screen or hide text. Every table, plain-text line and
// message rdnsctl prints goes through it.
func Text(s string) string {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return s // printable ASCII: the common case
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, c)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unsafeRune says whether r is a C1 control or a Unicode format character
// that changes how the text around it is shown.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1: CSI, OSC, ...
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c: // bidi
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	}
	return false
}

// CSVCell neutralises a cell that a spreadsheet would run as a formula
// (OWASP's CSV injection rule): a cell that starts with =, +, -, @, a tab or
// a carriage return is prefixed with a single quote. Control characters
// other than tab, CR and LF (which CSV quoting carries) are escaped as in
// Text, so that printing the file on a terminal is safe too.
func CSVCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		s = "'" + s
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c >= 0x7f {
			return csvEscape(s)
		}
	}
	return s
}

func csvEscape(s string) string {
	var b strings.Builder
	start := 0
	for start < len(s) {
		end := strings.IndexAny(s[start:], "\t\n\r")
		if end < 0 {
			b.WriteString(Text(s[start:]))
			break
		}
		b.WriteString(Text(s[start : start+end]))
		b.WriteByte(s[start+end])
		start += end + 1
	}
	return b.String()
}
