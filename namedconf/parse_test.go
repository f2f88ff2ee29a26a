package namedconf

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// flat renders statements compactly, for comparisons.
func flat(stmts []*Stmt) string {
	var b strings.Builder
	for _, s := range stmts {
		for i, v := range s.Values {
			if i > 0 {
				b.WriteByte(' ')
			}
			switch {
			case v.IsBlock:
				b.WriteString("{" + flat(v.Block) + "}")
			case v.Quoted:
				b.WriteString("\"" + v.Text + "\"")
			default:
				b.WriteString(v.Text)
			}
		}
		b.WriteString(";")
	}
	return b.String()
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"comments of three kinds", "// c++\n# shell\n/* c\n style */ options { directory \"/x\"; # tail\n}; // end", `options {directory "/x";};`},
		{"comment touching a word", "a b#c\n;", "a b;"},
		{"c comment inside a statement", "a /* x */ b;", "a b;"},
		{"slash inside a word", "allow { 10.0.0.0/8; !192.0.2.1; };", "allow {10.0.0.0/8;!192.0.2.1;};"},
		{"escaped quote", `f "a\"b";`, `f "a"b";`},
		{"backslash kept", `f "a\\b";`, `f "a\\b";`},
		{"backslash before a letter kept", `f "a\qb";`, `f "a\qb";`},
		{"newline in a string", "f \"a\nb\";", "f \"a\nb\";"},
		{"hash and slashes in a string", `f "a#b//c/*d";`, `f "a#b//c/*d";`},
		{"nested blocks", "controls { inet 127.0.0.1 port 953 allow { 127.0.0.1; } keys { rndc-key; }; };",
			"controls {inet 127.0.0.1 port 953 allow {127.0.0.1;} keys {rndc-key;};};"},
		{"bare block element", "acl a { { 10/8; }; };", "acl a {{10/8;};};"},
		{"no space", `zone"x"{type primary;file"f";};`, `zone "x" {type primary;file "f";};`},
		{"crlf", "a b;\r\nc;\r\n", "a b;c;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Parse([]byte(tt.in), "t.conf")
			if err != nil {
				t.Fatal(err)
			}
			if got := flat(st); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"missing semicolon at the end", "options { a; }", "t.conf:1: missing ';'"},
		{"missing semicolon before brace", "options {\n a\n};", "t.conf:3: missing ';' before '}'"},
		{"unbalanced close", "a;\n};", "t.conf:2: unexpected '}'"},
		{"never closed", "options {\n a;\n", "t.conf:1: '{' on line 1 is never closed"},
		{"unterminated string", "a \"b;\n\nc;", "t.conf:1: unterminated quoted string"},
		{"unterminated comment", "a;\n/* b;\n", "t.conf:2: unterminated /* comment"},
		{"empty statement", "a;;", "t.conf:1: unexpected ';'"},
		{"too deep", strings.Repeat("a {", 100) + strings.Repeat("};", 100), "nested more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in), "t.conf")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// Real configurations shipped by distributions parse, with their zones.
func TestParseRealConfigs(t *testing.T) {
	for _, f := range []string{"debian-named.conf", "debian-named.conf.options", "debian-named.conf.default-zones", "rhel-named.rfc1912.zones"} {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		st, err := Parse(data, f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(st) == 0 {
			t.Fatalf("%s: no statements", f)
		}
	}
}

func FuzzParseNamedConf(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		`options { directory "/var/named"; allow-update { none; }; };`,
		"view \"internal\" IN { match-clients { 10/8; }; zone \"10.in-addr.arpa\" { type master; file \"db.10\"; update-policy local; }; };",
		`zone "x" { in-view "internal"; };`,
		`controls { inet 127.0.0.1 port 953 allow { 127.0.0.1; } keys { "rndc-key"; }; };`,
		`key "k" { algorithm hmac-sha256; secret "c2VjcmV0"; };`,
		"f \"a\\\"b\\\\\"; /* x */ # y\n// z\n",
		"a {{{{{{ b; }; }; }; }; }; };",
		"a \"", "/*", "}", "{", ";",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := Parse(data, "fuzz.conf")
		if err != nil {
			var e *Error
			if !asError(err, &e) || e.Line < 1 || e.File != "fuzz.conf" {
				t.Fatalf("error without file:line: %v", err)
			}
			return
		}
		// what parses renders and parses again to the same statements
		again, err := Parse([]byte(render(st)), "again.conf")
		if err != nil {
			t.Fatalf("rendered config does not parse: %v\n%s", err, render(st))
		}
		if flat(again) != flat(st) {
			t.Fatalf("round trip:\n%s\n%s", flat(st), flat(again))
		}
		c := &Config{Path: "fuzz.conf", Directory: "/fuzz"}
		_ = c.interpret(st)
		_, _ = c.Select("")
	})
}

func asError(err error, e **Error) bool { return errors.As(err, e) }

// render writes statements back in named.conf syntax.
func render(stmts []*Stmt) string {
	var b strings.Builder
	for _, s := range stmts {
		for i, v := range s.Values {
			if i > 0 {
				b.WriteByte(' ')
			}
			switch {
			case v.IsBlock:
				b.WriteString("{\n" + render(v.Block) + "}")
			case v.Quoted:
				b.WriteString("\"" + strings.ReplaceAll(v.Text, "\"", "\\\"") + "\"")
			default:
				b.WriteString(v.Text)
			}
		}
		b.WriteString(";\n")
	}
	return b.String()
}
