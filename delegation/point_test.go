package delegation

import (
	"net/netip"
	"testing"
	"testing/fstest"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

const soa = "$TTL 3600\n@ IN SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 3600\n@ IN NS ns1.example.net.\n"

func TestPoints(t *testing.T) {
	fsys := fstest.MapFS{
		"v6": {Data: []byte("$ORIGIN 0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.\n" + soa +
			"a.0 IN NS ns1.customer.example.\na.0 IN NS NS2.Customer.Example.\na.0 IN NS ns1.customer.example.\n" +
			"4 IN NS ns.4\nns.4 IN AAAA 2001:db8:100:4000::53\n5 IN NS ns1.other.example.\n")},
		"v4": {Data: []byte("$ORIGIN 2.0.192.in-addr.arpa.\n" + soa +
			"0-25 IN NS ns.customer.example.\n1 IN CNAME 1.0-25\n64/26 IN NS ns.other.example.\nweird IN NS ns.x.example.\n")},
	}
	s, err := zoneset.LoadFS(fsys, []zoneset.Spec{{Path: "v6"}, {Path: "v4"}}, zoneset.Options{Style: rdns.Slash})
	if err != nil {
		t.Fatal(err)
	}
	got := Points(s, rdns.Slash)
	want := []struct {
		owner  string
		prefix string
		ns     int
		glue   bool
		line   int
	}{
		{"0-25.2.0.192.in-addr.arpa.", "192.0.2.0/25", 1, false, 5},
		{"64/26.2.0.192.in-addr.arpa.", "192.0.2.64/26", 1, false, 7},
		{"a.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "2001:db8:100:a00::/56", 2, false, 5},
		{"4.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "2001:db8:100:4000::/52", 1, true, 8},
		{"5.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "2001:db8:100:5000::/52", 1, false, 10},
		{"weird.2.0.192.in-addr.arpa.", "", 1, false, 8},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d points, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		var p netip.Prefix
		if w.prefix != "" {
			p = netip.MustParsePrefix(w.prefix)
		}
		if g.Owner != w.owner || g.Prefix != p || len(g.NS) != w.ns || (len(g.Glue) > 0) != w.glue || g.Line != w.line {
			t.Errorf("point %d: got %s %s ns=%v glue=%v line %d, want %+v", i, g.Owner, g.Prefix, g.NS, g.Glue, g.Line, w)
		}
	}
	if got[3].Glue["ns.4.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."][0] != netip.MustParseAddr("2001:db8:100:4000::53") {
		t.Errorf("glue: %v", got[3].Glue)
	}
}
