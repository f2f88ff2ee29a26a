package cmd

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

const fcrdnsReverse = `$ORIGIN 100.51.198.in-addr.arpa.
$TTL 300
@ SOA ns1.example.net. h.example.net. 1 2 3 4 5
@ NS ns1.example.net.
1 PTR good.example.net.
2 PTR Mixed.Example.NET.
3 PTR gone.example.net.
4 PTR elsewhere.example.net.
5 PTR a.example.net.
5 PTR b.example.net.
6 PTR outside.other.test.
7 PTR alias.example.net.
64/26 NS ns1.example.net.
$GENERATE 64-127 $ CNAME $.64/26
`

const fcrdnsChild = `$ORIGIN 64/26.100.51.198.in-addr.arpa.
$TTL 300
@ SOA ns1.example.net. h.example.net. 1 2 3 4 5
@ NS ns1.example.net.
65 PTR hosted.example.net.
66 PTR elsewhere.example.net.
`

const fcrdnsForward = `$ORIGIN example.net.
$TTL 300
@ SOA ns1.example.net. h.example.net. 1 2 3 4 5
@ NS ns1.example.net.
ns1 A 127.0.0.1
good A 198.51.100.1
mixed A 198.51.100.2
elsewhere A 192.0.2.9
a A 198.51.100.5
b A 198.51.100.5
alias CNAME good2
good2 A 198.51.100.7
hosted A 198.51.100.65
`

// The same verdicts from a real BIND and from --offline.
func TestFCrDNSVerdicts(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"rev/db.198.51.100":       fcrdnsReverse,
		"rev/db.198.51.100.64-26": fcrdnsChild,
		"fwd/example.net.zone":    fcrdnsForward,
	})
	want := map[string]string{
		"198.51.100.1":  "pass",
		"198.51.100.2":  "pass",
		"198.51.100.3":  "no-forward",
		"198.51.100.4":  "mismatch",
		"198.51.100.5":  "multi-ptr",
		"198.51.100.6":  "error",
		"198.51.100.7":  "pass",
		"198.51.100.8":  "no-ptr",
		"198.51.100.65": "pass",
		"198.51.100.66": "mismatch",
		"198.51.100.67": "no-ptr",
	}
	args := []string{"fcrdns", "198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.5", "198.51.100.6",
		"198.51.100.7", "198.51.100.8", "198.51.100.65", "198.51.100.66", "198.51.100.67", "-o", "json", "--timeout", "500ms", "--retries", "1"}
	check := func(t *testing.T, r result) {
		t.Helper()
		if r.code != 1 {
			t.Fatalf("exit %d, want 1 (failures found)\n%s\n%s", r.code, r.out, r.err)
		}
		var out struct {
			Results []struct{ IP, Verdict, IPRev string } `json:"results"`
		}
		if err := json.Unmarshal([]byte(r.out), &out); err != nil {
			t.Fatal(err, r.out)
		}
		for _, res := range out.Results {
			if want[res.IP] != res.Verdict {
				t.Errorf("%s: %s, want %s", res.IP, res.Verdict, want[res.IP])
			}
		}
		if len(out.Results) != len(want) {
			t.Errorf("%d results, want %d", len(out.Results), len(want))
		}
	}
	t.Run("offline", func(t *testing.T) {
		check(t, run(t, "", "", append(args, "--offline", "--zones", filepath.Join(dir, "rev"), "--forward-zones", filepath.Join(dir, "fwd"))...))
	})
	t.Run("named", func(t *testing.T) {
		if _, err := lookPath("named"); err != nil {
			t.Skip("named not installed (Debian package bind9)")
		}
		addr := dnstest.StartNamed(t, []dnstest.Zone{
			{Origin: "100.51.198.in-addr.arpa.", File: filepath.Join(dir, "rev/db.198.51.100")},
			{Origin: "64/26.100.51.198.in-addr.arpa.", File: filepath.Join(dir, "rev/db.198.51.100.64-26")},
			{Origin: "example.net.", File: filepath.Join(dir, "fwd/example.net.zone")},
		})
		r := run(t, "", "", append(args, "--resolver", addr)...)
		check(t, r)
		if !strings.Contains(r.err, "checks/s") {
			t.Errorf("no rate on stderr: %s", r.err)
		}
	})
}
