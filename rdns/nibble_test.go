package rdns

import (
	"net/netip"
	"strings"
	"testing"
)

func TestNibbleCover(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		want   []string
		err    string
	}{
		{prefix: "2001:db8:100:a00::/56", want: []string{"2001:db8:100:a00::/56"}},
		{prefix: "2001:db8:100::/48", want: []string{"2001:db8:100::/48"}},
		{prefix: "2001:db8:100::/50", want: []string{"2001:db8:100::/52", "2001:db8:100:1000::/52", "2001:db8:100:2000::/52", "2001:db8:100:3000::/52"}},
		{prefix: "2001:db8:100:4000::/50", want: []string{"2001:db8:100:4000::/52", "2001:db8:100:5000::/52", "2001:db8:100:6000::/52", "2001:db8:100:7000::/52"}},
		{prefix: "2001:db8:100:8000::/49", want: []string{"2001:db8:100:8000::/52", "2001:db8:100:9000::/52", "2001:db8:100:a000::/52", "2001:db8:100:b000::/52", "2001:db8:100:c000::/52", "2001:db8:100:d000::/52", "2001:db8:100:e000::/52", "2001:db8:100:f000::/52"}},
		{prefix: "2001:db8:100:a00::/55", want: []string{"2001:db8:100:a00::/56", "2001:db8:100:b00::/56"}},
		{prefix: "2001:db8:100:a40::/58", want: []string{"2001:db8:100:a40::/60", "2001:db8:100:a50::/60", "2001:db8:100:a60::/60", "2001:db8:100:a70::/60"}},
		{prefix: "2001:db8:100:a0e::/63", want: []string{"2001:db8:100:a0e::/64", "2001:db8:100:a0f::/64"}},
		{prefix: "2001:db8:100:a0f::/64", want: []string{"2001:db8:100:a0f::/64"}},
		{prefix: "2001:db8:100:a01::/48", err: "not a network"},
		{prefix: "198.51.100.0/24", err: "not an IPv6 prefix"},
	} {
		t.Run(tc.prefix, func(t *testing.T) {
			got, err := NibbleCover(netip.MustParsePrefix(tc.prefix))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, p := range got {
				s = append(s, p.String())
			}
			if strings.Join(s, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got %v, want %v", s, tc.want)
			}
		})
	}
}

// Every length from /49 to /64: the cover is exact (its prefixes are
// disjoint, nibble-aligned, inside p, and as many as p holds of them).
func TestNibbleCoverEveryLength(t *testing.T) {
	base := netip.MustParseAddr("2001:db8:100:a5c3::")
	for bits := 49; bits <= 64; bits++ {
		p := netip.PrefixFrom(base, bits).Masked()
		got, err := NibbleCover(p)
		if err != nil {
			t.Fatal(err)
		}
		next := (bits + 3) / 4 * 4
		if len(got) != 1<<(next-bits) {
			t.Errorf("/%d: %d prefixes, want %d", bits, len(got), 1<<(next-bits))
		}
		for i, c := range got {
			if c.Bits() != next || !p.Contains(c.Addr()) || c != c.Masked() {
				t.Errorf("/%d: %s is not a /%d inside %s", bits, c, next, p)
			}
			if i > 0 && !got[i-1].Addr().Less(c.Addr()) {
				t.Errorf("/%d: not in address order", bits)
			}
		}
	}
	owners, _ := NibbleOwners(netip.MustParsePrefix("2001:db8:100:a00::/56"))
	if len(owners) != 1 || owners[0] != "a.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa." {
		t.Errorf("owner %v", owners)
	}
}
