package audit

import (
	"net/netip"
	"testing"
)

// Regression: an address in use inside a synthesize entry, without an
// explicit PTR, was a missing finding (exit 1) while the coverage audit
// called its prefix synthesized: the server answers its PTR. Only IPv6
// entries count (synthesis here is ip6.arpa), and an address just outside
// the entry is still missing.
func TestSynthesizedAddressNotMissing(t *testing.T) {
	zones := map[string]string{
		"db.2a0b.4e00.10": zoneText("2a0b:4e00:10::/48",
			ptr("2a0b:4e00:10:200::1", "h200.example."),
		),
	}
	csv := "address,vrf,tenant,status,role,dns_name,description\n" +
		"2a0b:4e00:10:200::1/64,,a,active,,h200.example,\n" +
		"2a0b:4e00:10:f123::9/64,,dyn,active,,,\n" + // inside the entry
		"2a0b:4e00:10:efff::1/64,,edge,active,,,\n" + // just below it
		"2a0b:4e00:10:b000::1/64,,v4entry,active,,,\n" // only an IPv4 entry "covers" nothing here
	s, exp := load(t, zones, csv)
	synth := []netip.Prefix{netip.MustParsePrefix("2a0b:4e00:10:f000::/52"), netip.MustParsePrefix("198.51.100.0/24")}
	for _, tc := range []struct {
		name  string
		synth []netip.Prefix
		want  []string
	}{
		{"without synthesize", nil, []string{"2a0b:4e00:10:b000::1", "2a0b:4e00:10:efff::1", "2a0b:4e00:10:f123::9"}},
		{"with synthesize", synth, []string{"2a0b:4e00:10:b000::1", "2a0b:4e00:10:efff::1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Run(s, exp, Options{Synthesized: tc.synth, ShowInfo: true})
			var got []string
			for _, f := range res.Findings {
				if f.Category != Missing {
					t.Errorf("unexpected %s finding %s: %s", f.Category, f.Addr, f.Reason)
					continue
				}
				got = append(got, f.Addr.String())
			}
			if len(got) != len(tc.want) {
				t.Fatalf("missing = %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("missing = %v, want %v", got, tc.want)
				}
			}
			if res.Counts[Missing] != len(tc.want) {
				t.Errorf("count missing = %d, want %d", res.Counts[Missing], len(tc.want))
			}
		})
	}
}
