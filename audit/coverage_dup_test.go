package audit

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/delegation"
	"github.com/rdnsctl/rdnsctl/ipam"
	"github.com/rdnsctl/rdnsctl/rdns"
)

// Regression: a prefix that IPAM names more than once (twice in one
// export, in a NetBox and a phpIPAM export given together, in two wanted
// VRFs) was reported once per row, so every count doubled. It is one row
// now (the first IPAM row's), naming the others in its reason.
func TestCoverageDuplicatePrefixOnce(t *testing.T) {
	s := coverageZones(t)
	points := delegation.Points(s, rdns.Slash)
	row := func(p, customer, vrf, file string, line int32, st ipam.Status) ipam.PrefixRecord {
		return ipam.PrefixRecord{Prefix: netip.MustParsePrefix(p), Customer: customer, VRF: vrf, File: file, Line: line, Status: st}
	}
	cases := []struct {
		name    string
		rows    []ipam.PrefixRecord
		state   CoverageState
		file    string
		line    int
		also    string // "" when the reason names no other row
		checked int
	}{
		{"once", []ipam.PrefixRecord{row("2001:db8:100:300::/56", "Soylent", "", "p.csv", 2, ipam.StatusActive)},
			CoverUncovered, "p.csv", 2, "", 1},
		{"twice in one export", []ipam.PrefixRecord{
			row("2001:db8:100:300::/56", "Soylent", "", "p.csv", 2, ipam.StatusActive),
			row("2001:db8:100:300::/56", "Soylent Corp", "", "p.csv", 7, ipam.StatusReserved)},
			CoverUncovered, "p.csv", 2, "IPAM names the prefix again at p.csv:7 (Soylent Corp)", 1},
		{"in two exports", []ipam.PrefixRecord{
			row("2001:db8:100:a00::/56", "Acme", "", "netbox.csv", 3, ipam.StatusActive),
			row("2001:db8:100:a00::/56", "Acme", "", "phpipam.csv", 9, ipam.StatusActive)},
			CoverDelegated, "netbox.csv", 3, "IPAM names the prefix again at phpipam.csv:9 (Acme)", 1},
		{"in two VRFs", []ipam.PrefixRecord{
			row("2001:db8:100:100::/56", "Hooli", "", "p.csv", 4, ipam.StatusActive),
			row("2001:db8:100:100::/56", "Hooli", "transit", "p.csv", 5, ipam.StatusActive)},
			CoverExplicit, "p.csv", 4, "IPAM names the prefix again at p.csv:5 (Hooli, VRF transit)", 1},
		{"a row that does not apply is no duplicate", []ipam.PrefixRecord{
			row("2001:db8:100:300::/56", "Old", "", "p.csv", 2, ipam.StatusDeprecated),
			row("2001:db8:100:300::/56", "Soylent", "", "p.csv", 3, ipam.StatusActive)},
			CoverUncovered, "p.csv", 3, "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := Coverage(CoverageInput{Zones: s, Prefixes: tc.rows, Points: points, Synthesize: coverageSynth,
				Addresses: addrRecords("2001:db8:100:100::1", "2001:db8:100:100::2"), ShowInfo: true})
			var got []CoverageRow
			for _, r := range res.Rows {
				if r.State != CoverDelegationOverlap {
					got = append(got, r)
				}
			}
			if len(got) != 1 || res.Checked != tc.checked {
				t.Fatalf("rows %+v, checked %d: want one row, checked %d", got, res.Checked, tc.checked)
			}
			r := got[0]
			if r.State != tc.state || r.File != tc.file || r.Line != tc.line {
				t.Errorf("row %s %s:%d, want %s %s:%d", r.State, r.File, r.Line, tc.state, tc.file, tc.line)
			}
			if n := res.Counts[tc.state]; n != 1 {
				t.Errorf("count of %s = %d, want 1", tc.state, n)
			}
			if tc.also == "" && strings.Contains(r.Reason, "again") {
				t.Errorf("reason %q names another row", r.Reason)
			}
			if tc.also != "" && !strings.HasSuffix(r.Reason, "; "+tc.also) {
				t.Errorf("reason %q does not end with %q", r.Reason, tc.also)
			}
		})
	}
}
