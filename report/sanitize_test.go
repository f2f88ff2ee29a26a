package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "mail.example.net.", "mail.example.net."},
		{"utf-8 kept", "café.example.", "café.example."},
		{"escape sequence", "a\x1b[2J\x1b]0;pwned\x07b", `a\x1b[2J\x1b]0;pwned\x07b`},
		{"bell", "\a", `\x07`},
		{"nul", "a\x00b", `a\x00b`},
		{"del", "a\x7fb", `a\x7fb`},
		{"tab newline cr", "a\tb\nc\rd", `a\tb\nc\rd`},
		{"c1 csi as utf-8", "a\u009b2Jb", `a\u009b2Jb`},
		{"c1 csi raw byte", "a\x9b2Jb", `a\x9b2Jb`},
		{"invalid utf-8", "a\xffb", `a\xffb`},
		{"bidi override", "evil\u202etxt.exe", `evil\u202etxt.exe`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"backslash kept", `a\032b`, `a\032b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCSVCell(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "mail.example.net.", "mail.example.net."},
		{"empty", "", ""},
		{"formula", "=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"plus", "+1+1", "'+1+1"},
		{"minus", "-2+3", "'-2+3"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\t=1", "'\t=1"},
		{"cr", "\r=1", "'\r=1"},
		{"inner equals kept", "a=b", "a=b"},
		{"escape", "x\x1b[31m", `x\x1b[31m`},
		{"newline kept for quoting", "a\nb", "a\nb"},
		{"formula and escape", "=a\x07", `'=a\x07`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CSVCell(tt.in); got != tt.want {
				t.Errorf("CSVCell(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// Every table and CSV writer sanitises every cell, the header too.
func TestWritersSanitise(t *testing.T) {
	hostile := "=cmd|' /C calc'!A0\x1b[2J"
	rows := Rows{Header: []string{"ip", "ptr"}}
	rows.Add("192.0.2.1", hostile)
	rows.Add("192.0.2.2", "-x\x9b")
	for _, tt := range []struct {
		name string
		o    Options
	}{{"table tty", Options{Format: Table, TTY: true}}, {"table pipe", Options{Format: Table}}, {"csv", Options{Format: CSV}}} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := (Printer{W: &b, Options: tt.o}).Render(nil, rows); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if strings.ContainsAny(out, "\x1b\x9b") || strings.Contains(out, "\xc2\x9b") {
				t.Errorf("control characters reached the output: %q", out)
			}
			if tt.o.Format == CSV && (!strings.Contains(out, "'=cmd") || !strings.Contains(out, "'-x")) {
				t.Errorf("formula not neutralised: %q", out)
			}
		})
	}
}
