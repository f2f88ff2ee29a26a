package zonecheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/zoneset"
)

const head = `$ORIGIN 100.51.198.in-addr.arpa.
$TTL 3600
@ SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 3600
@ NS ns1.example.net.
`

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		zone  string
		codes []string // code@line
	}{
		{"clean", head + "1 PTR a.example.net.\n2 PTR b.example.net.\n", nil},
		{"relative target", head + "5 PTR mail.example.com\n", []string{CodeRelative + "@5"}},
		{"underscore", head + "5 PTR mail_1.example.com.\n", []string{CodeHostname + "@5"}},
		{"long label is not even DNS", head + "5 PTR " + strings.Repeat("a", 64) + ".example.com.\n", []string{CodeParse + "@5"}},
		{"dash label", head + "5 PTR -a.example.com.\n", []string{CodeHostname + "@5"}},
		{"ip literal", head + "5 PTR 192.0.2.1.\n", []string{CodeHostname + "@5"}},
		{"two ptrs", head + "5 PTR a.example.net.\n5 PTR b.example.net.\n", []string{CodeMultiPTR + "@5"}},
		{"same ptr twice is one record", head + "5 PTR a.example.net.\n5 PTR a.example.net.\n", nil},
		{"bad owner", head + "5.6 PTR a.example.net.\n", []string{CodeBadOwner + "@5"}},
		{"generate overlap", head + "$GENERATE 1-10 $ PTR h-$.example.net.\n5 PTR custom.example.net.\n", []string{CodeGenerateOver + "@6"}},
		{"no ns", "$ORIGIN 100.51.198.in-addr.arpa.\n$TTL 3600\n@ SOA ns1.example.net. h.example.net. 1 2 3 4 5\n1 PTR a.example.net.\n", []string{CodeNoNS + "@0"}},
		{"cname and ptr", head + "5 CNAME 5.0/26.100.51.198.in-addr.arpa.\n5 PTR a.example.net.\n", []string{CodeCNAMEAndData + "@5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "zone"), []byte(tt.zone), 0o644)
			s, err := zoneset.Load([]zoneset.Spec{{Path: filepath.Join(dir, "zone")}}, zoneset.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range s.Problems {
				f := ParseFinding(p)
				got = append(got, f.Code+"@"+itoa(f.Line))
			}
			for _, f := range Check(s) {
				got = append(got, f.Code+"@"+itoa(f.Line))
			}
			if strings.Join(got, ",") != strings.Join(tt.codes, ",") {
				t.Fatalf("findings %v, want %v", got, tt.codes)
			}
		})
	}
}

func TestParseErrorIsAFinding(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "zone"), []byte(head+"5 PTR\n6 PTR ok.example.net.\n"), 0o644)
	s, err := zoneset.Load([]zoneset.Spec{{Path: filepath.Join(dir, "zone")}}, zoneset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Problems) != 1 {
		t.Fatalf("problems %v", s.Problems)
	}
	f := ParseFinding(s.Problems[0])
	if f.Line != 5 || f.Code != CodeParse || !strings.HasSuffix(f.File, "zone") {
		t.Fatalf("finding %+v", f)
	}
	if s.Zones[0].Count() != 1 {
		t.Fatal("the good record after the bad one was lost")
	}
}

func itoa(n int) string {
	s := ""
	if n == 0 {
		return "0"
	}
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
