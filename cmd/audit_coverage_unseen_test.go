package cmd

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The coverage audit on an ISP none of the other tests use
// (testdata/coverage-unseen: 2a0b:4e00::/32 with two /48 zones, one
// written with $ORIGIN changes, relative owners, an $INCLUDE with its own
// origin and an upper-case NS owner, a /44 zone, a hosted /56 child zone
// that delegates a /60 itself, a hosted /56 with only its apex, the
// delegations made by transfer delegate: a /56 with in-zone glue, a /50,
// three /52s of a /50 whose fourth is synthesized, a /62, a /58, a /56
// forced over PTRs). The same prefixes as a generic CSV (mixed-case
// statuses, a non-canonical 2A0B:4E00:0010:0110::/60), a NetBox import,
// a NetBox UI export and a phpIPAM subnet export give the same rows:
// every assigned /49-/64 exactly once in its state, nothing for the
// deprecated, the unwanted VRF, the container /48, the active /48 and
// /40 and the IPv4 prefix; and all four exports together give each
// prefix once too.
func TestAuditCoverageUnseenISP(t *testing.T) {
	dir := filepath.Join("testdata", "coverage-unseen")
	want := map[string]string{
		"2a0b:4e00:10:100::/56":   "delegated",
		"2a0b:4e00:10:110::/60":   "delegated",
		"2a0b:4e00:10:4000::/50":  "delegated",
		"2a0b:4e00:10:4100::/56":  "delegated",
		"2a0b:4e00:10:5000::/52":  "delegated",
		"2a0b:4e00:10:8000::/50":  "delegated",
		"2a0b:4e00:10:b000::/52":  "synthesized",
		"2a0b:4e00:10:200::/64":   "explicit",
		"2a0b:4e00:10:201::/64":   "uncovered",
		"2a0b:4e00:10:202::/64":   "uncovered",
		"2a0b:4e00:10:f123::/64":  "synthesized",
		"2a0b:4e00:10:f040::/58":  "synthesized",
		"2a0b:4e00:10:300::/62":   "delegated",
		"2a0b:4e00:10:340::/58":   "delegated",
		"2a0b:4e00:10:400::/56":   "delegated delegation-overlap",
		"2a0b:4e00:10:e00::/56":   "explicit",
		"2a0b:4e00:10:e10::/60":   "delegated",
		"2a0b:4e00:10:e20::/64":   "explicit",
		"2a0b:4e00:10:e30::/64":   "uncovered",
		"2a0b:4e00:20:1::/64":     "explicit",
		"2a0b:4e00:20:200::/56":   "delegated",
		"2a0b:4e00:20:3000::/52":  "delegated",
		"2a0b:4e00:20:3100::/56":  "delegated",
		"2a0b:4e00:20:ab00::/56":  "uncovered",
		"2a0b:4e00:30:100::/56":   "uncovered",
		"2a0b:4e00:103:1200::/56": "delegated",
		"2a0b:4e00:10a:30::/60":   "explicit",
	}
	summary := map[string]int{"delegated": 14, "synthesized": 3, "explicit": 5, "uncovered": 5, "delegation-overlap": 1}
	exports := [][]string{{"prefixes.csv"}, {"nb_import.csv"}, {"nb_ui.csv"}, {"php_sub.csv"},
		{"prefixes.csv", "nb_import.csv", "nb_ui.csv", "php_sub.csv"}}
	for _, ex := range exports {
		t.Run(strings.Join(ex, "+"), func(t *testing.T) {
			args := []string{"audit", "--config", filepath.Join(dir, "rdnsctl.yaml"), "--ipam", filepath.Join(dir, "addrs.csv"), "-o", "json", "--show-info"}
			for _, f := range ex {
				args = append(args, "--ipam", filepath.Join(dir, f))
			}
			r := run(t, "", "", args...)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1 (uncovered and delegation-overlap)\n%s", r.code, r.err)
			}
			var doc struct {
				Findings []struct {
					Category string `json:"category"`
					IP       string `json:"ip"`
				} `json:"findings"`
				Coverage []struct {
					Prefix, State, File string
					Line                *int
				} `json:"coverage"`
				CoverageSummary map[string]int `json:"coverage_summary"`
			}
			if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, c := range doc.Coverage {
				got[c.Prefix] = append(got[c.Prefix], c.State)
				if c.State != "delegation-overlap" && (c.File != filepath.Join(dir, ex[0]) || c.Line == nil) {
					t.Errorf("%s: IPAM row %s:%v, want the first export's row", c.Prefix, c.File, c.Line)
				}
			}
			for p, states := range got {
				sort.Strings(states)
				if s := strings.Join(states, " "); s != want[p] {
					t.Errorf("%s: %q, want %q", p, s, want[p])
				}
			}
			for p := range want {
				if got[p] == nil {
					t.Errorf("%s: no coverage row", p)
				}
			}
			for s, n := range summary {
				if doc.CoverageSummary[s] != n {
					t.Errorf("coverage_summary %v, want %v", doc.CoverageSummary, summary)
					break
				}
			}
			// the synthesized address is no missing finding; the one
			// without its PTR is
			var missing []string
			for _, f := range doc.Findings {
				if f.Category == "missing" {
					missing = append(missing, f.IP)
				}
			}
			if strings.Join(missing, " ") != "2a0b:4e00:10:201::2" {
				t.Errorf("missing findings %v, want only 2a0b:4e00:10:201::2", missing)
			}
		})
	}
	// BIND loads every zone as it is (the $INCLUDE relative to dir)
	bin, err := exec.LookPath("named-checkzone")
	if err != nil {
		t.Log("named-checkzone not installed (Debian package bind9-utils): zones not checked by BIND")
		return
	}
	for origin, file := range map[string]string{
		"0.1.0.0.0.0.e.4.b.0.a.2.ip6.arpa.":     "db.2a0b.4e00.10",
		"e.0.0.1.0.0.0.0.e.4.b.0.a.2.ip6.arpa.": "e.0.0.1.0.0.0.0.e.4.b.0.a.2.ip6.arpa.zone",
		"0.2.0.0.0.0.e.4.b.0.a.2.ip6.arpa.":     "rev-20.zone",
		"b.a.0.2.0.0.0.0.e.4.b.0.a.2.ip6.arpa.": "b.a.0.2.0.0.0.0.e.4.b.0.a.2.ip6.arpa.zone",
		"0.1.0.0.0.e.4.b.0.a.2.ip6.arpa.":       "db.2a0b.4e00.100-44",
	} {
		c := exec.Command(bin, "-q", "-k", "fail", "-i", "local", origin, filepath.Join("zones", file))
		c.Dir = dir
		if out, err := c.CombinedOutput(); err != nil {
			t.Errorf("named-checkzone %s %s: %v\n%s", origin, file, err, out)
		}
	}
}
