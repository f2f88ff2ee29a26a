package bulk

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/rdns"
)

func TestRewriters(t *testing.T) {
	tests := []struct {
		name string
		rw   Rewriter
		in   string
		out  string
		ok   bool
	}{
		{"suffix", NewSuffix("pool1.isp.net", "pool2.isp.net."), "1-2-3-4.pool1.isp.net.", "1-2-3-4.pool2.isp.net.", true},
		{"suffix whole labels only", NewSuffix("pool1.isp.net", "pool2.isp.net"), "1-2-3-4.xpool1.isp.net.", "", false},
		{"suffix is the name", NewSuffix("pool1.isp.net", "pool2.isp.net"), "pool1.isp.net.", "pool2.isp.net.", true},
		{"regexp groups", Regexp{regexp.MustCompile(`^(\d+)-(\d+)\.dsl\.`), "$2-$1.fiber."}, "1-2.dsl.isp.net.", "2-1.fiber.isp.net.", true},
		{"regexp no match", Regexp{regexp.MustCompile(`^x`), "y"}, "a.isp.net.", "", false},
		{"regexp result canonical", Regexp{regexp.MustCompile(`ISP`), "Other"}, "a.ISP.net.", "a.other.net.", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, ok := tt.rw.Rewrite(tt.in)
			if ok != tt.ok || out != tt.out {
				t.Fatalf("Rewrite(%q) = %q, %v; want %q, %v", tt.in, out, ok, tt.out, tt.ok)
			}
		})
	}
}

func TestGenerateRuns(t *testing.T) {
	tmpl := rdns.MustTemplate("{dashed}.pool.example.net.")
	add := func(ip string) rdns.Change {
		a := netip.MustParseAddr(ip)
		return rdns.Change{Action: rdns.Add, Zone: "2.0.192.in-addr.arpa.", File: "db", Addr: a, Type: "PTR", New: tmpl.Render(a, "")}
	}
	cs := rdns.ChangeSet{Changes: []rdns.Change{add("192.0.2.1"), add("192.0.2.2"), add("192.0.2.3"), add("192.0.2.5"),
		add("192.0.2.7"), add("192.0.2.8")}}
	out := Generate(cs, func(a netip.Addr) (string, bool) { return tmpl.Generate(a, "") })
	var got []string
	for _, c := range out.Changes {
		got = append(got, c.Type+" "+c.Addr.String()+" "+c.Range+" "+c.Generate)
	}
	want := []string{
		"PTR 192.0.2.1 1-3 192-0-2-$.pool.example.net.", "PTR 192.0.2.2 1-3 192-0-2-$.pool.example.net.", "PTR 192.0.2.3 1-3 192-0-2-$.pool.example.net.",
		"PTR 192.0.2.5  ",
		"PTR 192.0.2.7 7-8 192-0-2-$.pool.example.net.", "PTR 192.0.2.8 7-8 192-0-2-$.pool.example.net."}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// one change per address, names unchanged: the input is not modified
	for i, c := range out.Changes {
		if c.New != cs.Changes[i].New || c.Addr != cs.Changes[i].Addr || cs.Changes[i].Generate != "" {
			t.Fatalf("change %d: %+v from %+v", i, c, cs.Changes[i])
		}
	}
}

func mustRe(s string) *regexp.Regexp { return regexp.MustCompile(s) }
