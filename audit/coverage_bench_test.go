package audit

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rdnsctl/rdnsctl/delegation"
	"github.com/rdnsctl/rdnsctl/ipam"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// coverageScale is a /40 of business customers: one /56 each, 65,536 of
// them; every other one delegated, a quarter on explicit PTRs, the rest
// uncovered; one prefix row per /56.
func coverageScale(tb testing.TB) (*zoneset.Set, []ipam.PrefixRecord, []ipam.Record) {
	tb.Helper()
	var z strings.Builder
	z.WriteString("$ORIGIN 2.0.8.b.d.0.1.0.0.2.ip6.arpa.\n" + head)
	var prs []ipam.PrefixRecord
	var addrs []ipam.Record
	base := netip.MustParsePrefix("2001:db8:200::/40").Addr().As16()
	for i := 0; i < 1<<16; i++ {
		a := base
		a[5], a[6] = byte(i>>8), byte(i)
		p := netip.PrefixFrom(netip.AddrFrom16(a), 56)
		prs = append(prs, ipam.PrefixRecord{Prefix: p, Customer: fmt.Sprintf("c%d", i), Line: int32(i + 2)})
		switch i % 4 {
		case 0, 1:
			o, _ := rdns.ZoneOrigin(p)
			z.WriteString(o + " NS ns1.c" + fmt.Sprint(i) + ".example.\n")
		case 2:
			h := a
			h[15] = 1
			ha := netip.AddrFrom16(h)
			z.WriteString(rdns.ReverseName(ha) + " PTR gw.c" + fmt.Sprint(i) + ".example.\n")
			addrs = append(addrs, ipam.Record{Addr: ha})
		}
	}
	s, err := zoneset.LoadFS(fstest.MapFS{"db": {Data: []byte(z.String())}}, []zoneset.Spec{{Path: "db"}}, zoneset.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return s, prs, addrs
}

func BenchmarkCoverage65536(b *testing.B) {
	s, prs, addrs := coverageScale(b)
	points := delegation.Points(s, rdns.Slash)
	b.ResetTimer()
	for b.Loop() {
		res := Coverage(CoverageInput{Zones: s, Prefixes: prs, Addresses: addrs, Points: points})
		if res.Checked != 1<<16 || res.Counts[CoverDelegated] != 1<<15 || res.Counts[CoverExplicit] != 1<<14 || res.Counts[CoverUncovered] != 1<<14 {
			b.Fatalf("counts %v", res.Counts)
		}
	}
}
