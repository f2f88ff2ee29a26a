package zonecheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rdnsctl/rdnsctl/zoneset"
)

const origin = "100.51.198.in-addr.arpa."

const head = `$ORIGIN 100.51.198.in-addr.arpa.
$TTL 3600
@ SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 3600
@ NS ns1.example.net.
`

func itoa(n int) string { return strconv.Itoa(n) }

func loadZone(t testing.TB, text string) (*zoneset.Set, string) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "zone")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := zoneset.Load([]zoneset.Spec{{Path: file, Origin: origin}}, zoneset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s, file
}

// TestCheck holds the codes each small zone gives with the default
// severities, and that the BIND codes among them refuse the zone exactly
// when named-checkzone -i local does, both with -k fail and with -k warn
// (check-names codes at warning). The PTR-policy codes (relative-target,
// bad-hostname, multiple-ptr, bad-owner, generate-overlap, out-of-zone) are
// where rdnsctl refuses what BIND loads, on purpose.
func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		zone  string
		codes []string // code@line, in order
	}{
		{"clean", head + "1 PTR a.example.net.\n2 PTR b.example.net.\n", nil},
		{"relative target", head + "5 PTR mail.example.com\n", []string{CodeRelative + "@5"}},
		{"reverse name target", head + "5 PTR 5.0.0.10.in-addr.arpa.\n", []string{CodeRelative + "@5"}},
		{"underscore target", head + "5 PTR mail_1.example.com.\n", []string{CodeNamesTarget + "@5"}},
		{"dash label", head + "5 PTR -a.example.com.\n", []string{CodeNamesTarget + "@5"}},
		{"ip literal", head + "5 PTR 192.0.2.1.\n", []string{CodeHostname + "@5"}},
		{"numeric last label", head + "5 PTR host.123.\n", []string{CodeHostname + "@5"}},
		{"long label is not even DNS", head + "5 PTR " + strings.Repeat("a", 64) + ".example.com.\n", []string{CodeParse + "@5"}},
		{"two ptrs", head + "5 PTR a.example.net.\n5 PTR b.example.net.\n", []string{CodeMultiPTR + "@5"}},
		{"same ptr twice is one record", head + "5 PTR a.example.net.\n5 PTR a.example.net.\n", nil},
		{"bad owner", head + "5.6 PTR a.example.net.\n", []string{CodeBadOwner + "@5"}},
		{"address as owner", head + "198.51.100.7 PTR a.example.net.\n", []string{CodeBadOwner + "@5"}},
		{"underscore owner", head + "a_b PTR a.example.net.\n", []string{CodeBadOwner + "@5"}},
		{"generate overlap", head + "$GENERATE 1-10 $ PTR h-$.example.net.\n5 PTR custom.example.net.\n", []string{CodeGenerateOver + "@6"}},
		{"no ns", "$ORIGIN 100.51.198.in-addr.arpa.\n$TTL 3600\n@ SOA ns1.example.net. h.example.net. 1 2 3 4 5\n1 PTR a.example.net.\n", []string{CodeMissingNS + "@0"}},
		{"no soa", "$ORIGIN 100.51.198.in-addr.arpa.\n$TTL 3600\n@ NS ns1.example.net.\n1 PTR a.example.net.\n", []string{CodeMissingSOA + "@0"}},
		{"two soas", head + "@ SOA ns2.example.net. hostmaster.example.net. 1 7200 3600 1209600 3600\n", []string{CodeMultipleSOA + "@5"}},
		{"same soa twice", head + "@ SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 3600\n", nil},
		{"soa below the apex", head + "x SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 3600\n", []string{CodeParse + "@5"}},
		{"bad soa primary", "$ORIGIN 100.51.198.in-addr.arpa.\n$TTL 3600\n@ SOA ns_1.example.net. h.example.net. 1 2 3 4 5\n@ NS ns1.example.net.\n", []string{CodeNamesTarget + "@3"}},
		{"cname and ptr", head + "5 CNAME 5.0/26.100.51.198.in-addr.arpa.\n5 PTR a.example.net.\n", []string{CodeCNAMEAndData + "@5"}},
		{"cname and txt", head + "5 CNAME 5.0/26.100.51.198.in-addr.arpa.\n5 TXT \"x\"\n", []string{CodeCNAMEAndData + "@5"}},
		{"ptr then cname", head + "7 PTR a.example.net.\n7 CNAME 7.0/26\n", []string{CodeCNAMEAndData + "@6"}},
		{"two cnames", head + "5 CNAME 5.0/26\n5 CNAME 5.64/26\n", []string{CodeMultiCNAME + "@6"}},
		{"classless parent", head + "0/26 NS ns1.example.net.\n$GENERATE 0-63 $ CNAME $.0/26\n", nil},
		{"in-zone ns without glue", head + "@ NS ns.100.51.198.in-addr.arpa.\n", []string{CodeNSNoGlue + "@5"}},
		{"in-zone ns with glue", head + "@ NS ns\nns A 192.0.2.1\n", nil},
		{"in-zone ns with aaaa", head + "@ NS ns\nns AAAA 2001:db8::1\n", nil},
		{"delegation ns without address", head + "sub NS ns.100.51.198.in-addr.arpa.\n", []string{CodeMissingGlue + "@5"}},
		{"delegation without glue", head + "sub NS ns.sub\n", []string{CodeMissingGlue + "@5"}},
		{"delegation with glue", head + "sub NS ns.sub\nns.sub A 192.0.2.1\n", nil},
		{"apex ns below a delegation", head + "@ NS ns.sub\nsub NS ns1.example.net.\n", nil},
		{"ns is a cname", head + "@ NS ns\nns CNAME ns1.example.net.\n", []string{CodeBadNSTarget + "@5"}},
		{"ns below a dname", head + "@ NS ns.d\nd DNAME example.net.\nns.d A 192.0.2.1\n", []string{CodeBadNSTarget + "@5"}},
		{"delegation ns is a cname", head + "sub NS ns\nns CNAME ns1.example.net.\n", []string{CodeMissingGlue + "@5"}},
		{"delegation ns below a dname", head + "sub NS ns.d\nd DNAME example.net.\n", []string{CodeMissingGlue + "@5"}},
		{"ns cname with an address", head + "@ NS ns\nns CNAME ns1.example.net.\nns A 192.0.2.1\n", []string{CodeBadNSTarget + "@5", CodeCNAMEAndData + "@6"}},
		{"srv target", head + "_x._tcp SRV 0 0 80 a_b.example.net.\n", []string{CodeNamesTarget + "@5"}},
		{"srv target in zone", head + "_x._tcp SRV 0 0 80 web\nweb A 192.0.2.1\n", nil},
		{"mx target without address", head + "@ MX 10 mail\n", nil},
		{"ns occluded by a dname", head + "sub DNAME example.net.\nx.sub NS ns.sub\n", nil},
		{"out of zone", head + "x.example.com. PTR a.example.net.\n", []string{CodeOutOfZone + "@5"}},
		{"dns-sd browsing ptrs", head + "b._dns-sd._udp PTR a_b.example.\nlb._dns-sd._udp PTR a_b.example.\ndb._dns-sd._udp PTR x.example.\ndb._dns-sd._udp PTR y.example.\nr._dns-sd._udp PTR _x.example.\ndr._dns-sd._udp PTR x.example.\n", nil},
		{"not a dns-sd browsing name", head + "x._dns-sd._udp PTR a_b.example.\n", []string{CodeBadOwner + "@5", CodeNamesTarget + "@5"}},
		{"a owner", head + "a_b A 192.0.2.1\n", []string{CodeNamesOwner + "@5"}},
		{"wildcard a owner", head + "*.w A 192.0.2.1\n", nil},
		{"aaaa owner", head + "a_b AAAA 2001:db8::1\n", []string{CodeNamesOwner + "@5"}},
		{"mx target", head + "@ MX 10 mail_x.example.net.\n", []string{CodeNamesTarget + "@5"}},
		{"null mx", head + "@ MX 0 .\n", nil},
		{"ns target", head + "@ NS ns_1.example.net.\n", []string{CodeNamesTarget + "@5"}},
		{"ad exception", head + "gc._msdcs A 192.0.2.1\n", nil},
		{"spf exception", head + "x._spf A 192.0.2.1\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, file := loadZone(t, tt.zone)

			got := codesOf(Check(s, Options{}))
			if strings.Join(got, ",") != strings.Join(tt.codes, ",") {
				t.Fatalf("findings %v, want %v", got, tt.codes)
			}
			if !haveCheckzone() {
				t.Skip("named-checkzone not installed (Debian package bind9-utils): verdicts not compared with BIND")
			}
			for _, k := range []checkNames{kFail, kWarn} {
				v := checkFile(t, filepath.Dir(file), "zone", origin, k.options())
				loads, out := bindLoads(t, filepath.Dir(file), "zone", origin, k)
				if v.bindRefuses == loads {
					t.Errorf("-k %s: BIND loads=%v but rdnsctl's BIND codes refuse=%v %v\nBIND: %s", k, loads, v.bindRefuses, codesOf(v.findings), out)
				}
			}
		})
	}
}

// Messages say what was probably meant.
func TestMessages(t *testing.T) {
	tests := []struct{ zone, want string }{
		{head + "198.51.100.7 PTR a.example.net.\n", "the address 198.51.100.7 written as the owner? (its name is 7.100.51.198.in-addr.arpa.)"},
		{head + "5 PTR mail.example.com\n", "written without its final dot? (meant mail.example.com.)"},
		{head + "5 PTR a_b.example.com.\n", `label "a_b": contains an underscore`},
	}
	for _, tt := range tests {
		s, _ := loadZone(t, tt.zone)
		if f := Check(s, Options{}); len(f) != 1 || !strings.Contains(f[0].Message, tt.want) {
			t.Errorf("findings %+v, want one whose message contains %q", f, tt.want)
		}
	}
}

func TestParseErrorIsAFinding(t *testing.T) {
	s, _ := loadZone(t, head+"5 PTR\n6 PTR ok.example.net.\n")
	f := Check(s, Options{})
	if len(f) != 1 || f[0].Line != 5 || f[0].Code != CodeParse || !strings.HasSuffix(f[0].File, "zone") {
		t.Fatalf("findings %+v", f)
	}
	if s.Zones[0].Count() != 1 {
		t.Fatal("the good record after the bad one was lost")
	}
}

func TestSeverities(t *testing.T) {
	zone := head + "5 PTR a.example.net.\n5 PTR b.example.net.\n6 PTR mail.example.com\n"
	tests := []struct {
		name  string
		flags []string
		want  []string // code:severity
		err   string
	}{
		{"defaults", nil, []string{"multiple-ptr:error", "relative-target:error"}, ""},
		{"warning", []string{"multiple-ptr=warning"}, []string{"multiple-ptr:warning", "relative-target:error"}, ""},
		{"info and case", []string{"Multiple-PTR=INFO"}, []string{"multiple-ptr:info", "relative-target:error"}, ""},
		{"off", []string{"multiple-ptr=off", "relative-target=warning"}, []string{"relative-target:warning"}, ""},
		{"last wins", []string{"multiple-ptr=off", "multiple-ptr=error"}, []string{"multiple-ptr:error", "relative-target:error"}, ""},
		{"unknown code", []string{"multi-ptr=warning"}, nil, `unknown check code "multi-ptr" (valid codes: parse-error, `},
		{"bad severity", []string{"multiple-ptr=fatal"}, nil, `severity "fatal"`},
		{"no equals", []string{"multiple-ptr"}, nil, "want CODE=SEVERITY"},
		{"parse errors stay errors", []string{"parse-error=off"}, nil, "parse-error is always an error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sev, err := ParseSeverities(tt.flags)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s, _ := loadZone(t, zone)
			var got []string
			for _, f := range Check(s, Options{Severity: sev}) {
				got = append(got, f.Code+":"+string(f.Severity))
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCodesAreKebabCaseAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Codes() {
		if seen[c.Code] {
			t.Errorf("%s twice", c.Code)
		}
		seen[c.Code] = true
		for _, r := range c.Code {
			if !(r >= 'a' && r <= 'z' || r == '-') {
				t.Errorf("%s is not kebab-case", c.Code)
			}
		}
		if _, err := ParseSeverity(string(c.Severity)); err != nil || c.Severity == Off || c.Help == "" {
			t.Errorf("%s: default severity %q, help %q", c.Code, c.Severity, c.Help)
		}
	}
}

// A multiple-PTR finding at an owner with 100k PTRs lists the first lines
// and a count, and the check stays linear in the records at one owner: it
// takes well under a second, and not much longer than the same number of
// PTRs at as many owners (a quadratic check would take minutes).
func TestMultiplePTRAtOneOwner(t *testing.T) {
	const n = 100_000
	zone := func(owner func(i int) string) *zoneset.Set {
		var b strings.Builder
		b.WriteString("$ORIGIN 10.in-addr.arpa.\n$TTL 3600\n@ SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 3600\n@ NS ns1.example.net.\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "%s PTR h%d.example.net.\n", owner(i), i)
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "zone")
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := zoneset.Load([]zoneset.Spec{{Path: file, Origin: "10.in-addr.arpa"}}, zoneset.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	timed := func(s *zoneset.Set, opt Options) ([]Finding, time.Duration) {
		best := time.Duration(1 << 62)
		var f []Finding
		for range 3 {
			start := time.Now()
			f = Check(s, opt)
			best = min(best, time.Since(start))
		}
		return f, best
	}
	one := zone(func(int) string { return "5.0.0" })
	spread := zone(func(i int) string { return fmt.Sprintf("%d.%d.%d", i&255, i>>8&255, i>>16) })
	f, took := timed(one, Options{})
	_, base := timed(spread, Options{})
	if len(f) != 1 || f[0].Code != CodeMultiPTR || f[0].Line != 5 {
		t.Fatalf("findings %v", codesOf(f))
	}
	want := fmt.Sprintf("5.0.0.10.in-addr.arpa. has %d PTR records (at lines 5, 6, 7, 8, 9 and %d more)", n, n-5)
	if !strings.HasPrefix(f[0].Message, want) || len(f[0].Message) > 200 {
		t.Fatalf("message %q, want it to start %q", f[0].Message, want)
	}
	t.Logf("%d PTRs checked in %v at one owner, %v at %d owners", n, took, base, n)
	if took > 10*base+100*time.Millisecond {
		t.Errorf("%d PTRs at one owner took %v, at as many owners %v: not linear", n, took, base)
	}
	if !raceEnabled && took > time.Second {
		t.Errorf("checking %d PTRs at one owner took %v", n, took)
	}
	f = Check(one, Options{MaxLines: 2})
	if !strings.Contains(f[0].Message, "(at lines 5, 6 and 99998 more)") {
		t.Fatalf("MaxLines 2: %q", f[0].Message)
	}
}

// Two files with one origin give a duplicate-origin finding naming both.
func TestDuplicateOrigin(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.zone", "b.zone"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(head+"1 PTR a.example.net.\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := zoneset.Load([]zoneset.Spec{{Path: dir}}, zoneset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := Check(s, Options{})
	if len(f) != 1 || f[0].Code != CodeDuplicateOrigin || f[0].Severity != Error ||
		!strings.HasSuffix(f[0].File, "b.zone") || !strings.Contains(f[0].Message, "a.zone, which is the one read") {
		t.Fatalf("findings %+v", f)
	}
	if f := Check(s, Options{Severity: Severities{CodeDuplicateOrigin: Warning}}); len(f) != 1 || f[0].Severity != Warning {
		t.Fatalf("with duplicate-origin=warning: %+v", f)
	}
}
