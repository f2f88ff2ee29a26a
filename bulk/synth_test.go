package bulk

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/rdns"
)

func zoneNames(t *testing.T, origins ...string) []rdns.ZoneName {
	t.Helper()
	var out []rdns.ZoneName
	for _, o := range origins {
		z, err := rdns.ParseZoneName(o, rdns.Slash)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, z)
	}
	return out
}

// Knot's reverse synthrecord module is attached to the zone Knot serves:
// the loaded zone covering the entry, not the entry's own nibble zone
// (regression: a /56 entry inside a loaded /48 zone named the /56).
func TestSynthesizeKnotZone(t *testing.T) {
	const z48 = "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."
	const z40 = "1.0.8.b.d.0.1.0.0.2.ip6.arpa."
	const z56 = "a.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."
	for _, c := range []struct {
		name    string
		prefix  string
		loaded  []string
		want    []string // the reverse zones of the zone: section, in order
		comment string   // a comment the zone: section must hold
	}{
		{"56 in a loaded 48", "2001:db8:100:a00::/56", []string{z48}, []string{z48}, ""},
		{"deepest covering zone wins", "2001:db8:100:a00::/56", []string{z40, z48, "4.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."}, []string{z48}, ""},
		{"50 off the nibble boundary", "2001:db8:100:4000::/50", []string{z48}, []string{z48}, ""},
		{"entry equal to the zone", "2001:db8:100::/48", []string{z48}, []string{z48}, ""},
		{"loaded child zone at the entry", "2001:db8:100:a00::/56", []string{z48, z56}, []string{z56}, ""},
		{"32 over two loaded 48s", "2001:db8::/32", []string{"1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", z48, z56},
			[]string{"1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", z48}, "no loaded zone covers all of 2001:db8::/32"},
		{"no zone loaded", "2001:db8:100:a00::/56", nil, []string{z56}, "no loaded zone serves 2001:db8:100:a00::/56: " + z56 + " is its own nibble zone"},
		{"other zones only", "2001:db8:100:a00::/56", []string{"1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "100.51.198.in-addr.arpa."}, []string{z56}, "no loaded zone serves"},
		{"IPv4 /26 in its /24", "198.51.100.64/26", []string{"100.51.198.in-addr.arpa.", "64/26.100.51.198.in-addr.arpa."}, []string{"100.51.198.in-addr.arpa."}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := netip.MustParsePrefix(c.prefix)
			tm, err := rdns.ParseTemplate("{dashed}.dyn.example.net.")
			if err != nil {
				t.Fatal(err)
			}
			out, err := Synthesize("knot", []netip.Prefix{p}, tm, nil, nil, zoneNames(t, c.loaded...))
			if err != nil {
				t.Fatal(err)
			}
			_, section, ok := strings.Cut(out, "\nzone:\n")
			if !ok {
				t.Fatalf("no zone: section:\n%s", out)
			}
			var got []string
			for _, m := range regexp.MustCompile(`(?m)^  - domain: (\S+)\n    module: \[mod-synthrecord/rdnsctl-0\]$`).FindAllStringSubmatch(section, -1) {
				got = append(got, m[1])
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("reverse module in zones %v, want %v:\n%s", got, c.want, out)
			}
			if !strings.Contains(section, "  - domain: dyn.example.net.\n    module: [mod-synthrecord/rdnsctl-0-forward]\n") {
				t.Errorf("forward module not in dyn.example.net.:\n%s", out)
			}
			if c.comment == "" && strings.Contains(section, "#") != strings.Contains(section, "# add the modules") {
				t.Errorf("unexpected comment in the zone section:\n%s", section)
			}
			if c.comment != "" && !strings.Contains(section, "  # "+c.comment) {
				t.Errorf("want the comment %q in the zone section:\n%s", c.comment, section)
			}
			if !strings.Contains(out, "network: "+c.prefix+"\n") {
				t.Errorf("the module's network is not %s:\n%s", c.prefix, out)
			}
		})
	}
}

// PowerDNS: the wildcard stays below the entry's nibble owner, and the
// comment names the zone that holds it.
func TestSynthesizePowerDNSZone(t *testing.T) {
	tm, err := rdns.ParseTemplate("{dashed}.dyn.example.net.")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Synthesize("powerdns", []netip.Prefix{netip.MustParsePrefix("2001:db8:100:a00::/56")}, tm, nil, nil,
		zoneNames(t, "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"for 2001:db8:100:a00::/56 in zone 0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.\n",
		"\n*.a.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN LUA PTR "} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}
}
