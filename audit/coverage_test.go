package audit

import (
	"encoding/json"
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

// ptr is a PTR line for a, absolute owner.
func ptr(a, target string) string {
	return rdns.ReverseName(netip.MustParseAddr(a)) + " PTR " + target + "\n"
}

// ns is an NS line at the nibble owner of p.
func ns(p, server string) string {
	o, err := rdns.ZoneOrigin(netip.MustParsePrefix(p))
	if err != nil {
		panic(err)
	}
	return o + " NS " + server + "\n"
}

func zoneText(p string, body ...string) string {
	o, err := rdns.ZoneOrigin(netip.MustParsePrefix(p))
	if err != nil {
		panic(err)
	}
	return "$ORIGIN " + o + "\n" + head + strings.Join(body, "")
}

// coverageZones is a small ISP: a /48 with customer delegations, partial
// ones, explicit PTRs and a hosted child; a second /48 with mixes; a /40
// with a /44 handed over; an IPv4 /24 with an RFC 2317 child.
func coverageZones(t *testing.T) *zoneset.Set {
	t.Helper()
	fsys := fstest.MapFS{
		"db.100": {Data: []byte(zoneText("2001:db8:100::/48",
			// a /56 delegated at its nibble owner
			ns("2001:db8:100:a00::/56", "ns1.cust-a.example."),
			ns("2001:db8:100:a00::/56", "ns2.cust-a.example."),
			// a PTR left below that delegation: never served
			ptr("2001:db8:100:a00::5", "old.cust-a.example."),
			ptr("2001:db8:100:a00::6", "old2.cust-a.example."),
			// a /50 as its four /52 nibble zones
			ns("2001:db8:100:4000::/52", "ns.cust-b.example."),
			ns("2001:db8:100:5000::/52", "ns.cust-b.example."),
			ns("2001:db8:100:6000::/52", "ns.cust-b.example."),
			ns("2001:db8:100:7000::/52", "ns.cust-b.example."),
			// a /50 with three of four
			ns("2001:db8:100:8000::/52", "ns.cust-c.example."),
			ns("2001:db8:100:9000::/52", "ns.cust-c.example."),
			ns("2001:db8:100:a000::/52", "ns.cust-c.example."),
			// three of four, the fourth synthesized
			ns("2001:db8:100:c000::/52", "ns.cust-d.example."),
			ns("2001:db8:100:d000::/52", "ns.cust-d.example."),
			ns("2001:db8:100:e000::/52", "ns.cust-d.example."),
			// explicit PTRs
			ptr("2001:db8:100:100::1", "gw.cust-e.example."),
			ptr("2001:db8:100:100::2", "mail.cust-e.example."),
			ptr("2001:db8:100:200::1", "gw.cust-f.example."),
			// a child we host
			ns("2001:db8:100:b00::/56", "ns1.example.net."),
			// the delegation's glue belongs there
			ns("2001:db8:100:c00::/56", "ns.c.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."),
			"ns.c.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa. AAAA 2001:db8:100:c00::53\n",
		))},
		"db.100.b00": {Data: []byte(zoneText("2001:db8:100:b00::/56",
			ptr("2001:db8:100:b00::1", "gw.cust-g.example."),
		))},
		"db.101": {Data: []byte(zoneText("2001:db8:101::/48",
			// three /52s delegated, the fourth explicit
			ns("2001:db8:101::/52", "ns.cust-h.example."),
			ns("2001:db8:101:1000::/52", "ns.cust-h.example."),
			ns("2001:db8:101:2000::/52", "ns.cust-h.example."),
			ptr("2001:db8:101:3000::1", "gw.cust-h.example."),
			// two /52s hosted here, two delegated
			ns("2001:db8:101:6000::/52", "ns.cust-i.example."),
			ns("2001:db8:101:7000::/52", "ns.cust-i.example."),
		))},
		"db.101.4": {Data: []byte(zoneText("2001:db8:101:4000::/52", ptr("2001:db8:101:4000::1", "a.cust-i.example.")))},
		"db.101.5": {Data: []byte(zoneText("2001:db8:101:5000::/52", ptr("2001:db8:101:5000::1", "b.cust-i.example.")))},
		"db.200": {Data: []byte(zoneText("2001:db8:200::/40",
			ns("2001:db8:200::/44", "ns.big-customer.example."),
		))},
		"db.192.0.2": {Data: []byte("$ORIGIN 2.0.192.in-addr.arpa.\n" + head +
			"0/26 NS ns.0/26\nns.0/26 A 192.0.2.53\n5.0/26 PTR left-behind.example.\n1 CNAME 1.0/26\n" +
			"64/26 NS ns.other.example.\n")},
	}
	specs := []zoneset.Spec{}
	for name := range fsys {
		specs = append(specs, zoneset.Spec{Path: name})
	}
	s, err := zoneset.LoadFS(fsys, specs, zoneset.Options{Style: rdns.Slash})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Problems) > 0 {
		t.Fatal(s.Problems)
	}
	return s
}

var coverageSynth = []Synthesized{
	{Prefix: netip.MustParsePrefix("2001:db8:100:f000::/52"), Server: "knot"},
	{Prefix: netip.MustParsePrefix("2001:db8:100:e00::/56"), Server: "powerdns"},
}

func addrRecords(specs ...string) []ipam.Record {
	var out []ipam.Record
	for i, s := range specs {
		st := ipam.StatusActive
		if a, ok := strings.CutSuffix(s, " free"); ok {
			s, st = a, ipam.StatusFree
		}
		out = append(out, ipam.Record{Addr: netip.MustParseAddr(s), Status: st, Line: int32(i + 2)})
	}
	return out
}

func TestCoverageStates(t *testing.T) {
	s := coverageZones(t)
	points := delegation.Points(s, rdns.Slash)
	addrs := addrRecords(
		"2001:db8:100:100::1", "2001:db8:100:100::2", "2001:db8:100:100::99 free",
		"2001:db8:100:200::1", "2001:db8:100:200::2",
		"2001:db8:101:3000::1", "2001:db8:101:4000::1",
		"2001:db8:100:a00::5", // inside a delegation: its child answers
	)
	cases := []struct {
		name     string
		prefix   string
		status   ipam.Status
		state    CoverageState
		reason   string // a part of the reason
		zone     string
		owners   int
		ptrs     int
		assigned int
		without  int
	}{
		{"delegated /56 at its nibble owner", "2001:db8:100:a00::/56", ipam.StatusActive, CoverDelegated,
			"NS set at a.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa. (db.100:", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", 1, 0, 1, 0},
		{"delegated /64 inside a delegated /56", "2001:db8:100:a00::/64", ipam.StatusReserved, CoverDelegated,
			"inside 2001:db8:100:a00::/56, handed over by the NS set at a.0.0.0.1", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", 1, 0, 1, 0},
		{"/50 as four /52s", "2001:db8:100:4000::/50", ipam.StatusActive, CoverDelegated,
			"the 4 /52 nibble owners that cover it exactly have NS sets: 4.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", 4, 0, 0, 0},
		{"/50 with three of four /52s", "2001:db8:100:8000::/50", ipam.StatusActive, CoverUncovered,
			"uncovered: 2001:db8:100:b000::/52: no delegation, no synthesis and no PTRs; delegated: 2001:db8:100:8000::/52 at 8.0.0.1", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", 3, 0, 0, 0},
		{"/50: three /52s delegated, the fourth synthesized", "2001:db8:100:c000::/50", ipam.StatusActive, CoverDelegated,
			"synthesized: 2001:db8:100:f000::/52 by the entry 2001:db8:100:f000::/52 (knot)", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", 3, 0, 0, 0},
		{"synthesized /60", "2001:db8:100:e00::/60", ipam.StatusActive, CoverSynthesized,
			"inside the synthesize entry 2001:db8:100:e00::/56 (powerdns)", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", 0, 0, 0, 0},
		{"explicit: every assigned address has its PTR", "2001:db8:100:100::/56", ipam.StatusActive, CoverExplicit,
			"2 PTRs in 0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.; every one of the 2 addresses IPAM assigns has one", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", 0, 2, 2, 0},
		{"PTRs, but an assigned address lacks one", "2001:db8:100:200::/56", ipam.StatusActive, CoverUncovered,
			"1 of 2 addresses IPAM assigns have no PTR", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", 0, 1, 2, 1},
		{"nothing at all", "2001:db8:100:300::/56", ipam.StatusActive, CoverUncovered,
			"no delegation, no synthesis and no PTRs", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", 0, 0, 0, 0},
		{"a child zone we host decides", "2001:db8:100:b00::/56", ipam.StatusActive, CoverExplicit,
			"1 PTR in b.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "b.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", 0, 1, 0, 0},
		{"three /52s delegated, the fourth explicit", "2001:db8:101::/50", ipam.StatusActive, CoverDelegated,
			"explicit: 2001:db8:101:3000::/52 by 1 PTR in 1.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "1.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", 3, 1, 1, 0},
		{"two /52 zones hosted, two delegated", "2001:db8:101:4000::/50", ipam.StatusActive, CoverDelegated,
			"explicit: 2001:db8:101:4000::/52 by 1 PTR in 4.1.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa., 2001:db8:101:5000::/52 by 1 PTR in 5.1.0.1", "1.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", 2, 2, 1, 0},
		{"delegation above: a /44 of a /40 zone", "2001:db8:200:100::/56", ipam.StatusActive, CoverDelegated,
			"inside 2001:db8:200::/44, handed over by the NS set at 0.2.0.8.b.d.0.1.0.0.2.ip6.arpa.", "2.0.8.b.d.0.1.0.0.2.ip6.arpa.", 1, 0, 0, 0},
		{"in no loaded zone", "2001:db8:900:100::/56", ipam.StatusActive, CoverUncovered,
			"no loaded zone covers it", "", 0, 0, 0, 0},
		{"in no loaded zone, synthesized", "2001:db8:100:e80::/57", ipam.StatusActive, CoverSynthesized,
			"inside the synthesize entry 2001:db8:100:e00::/56", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", 0, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pr := ipam.PrefixRecord{Prefix: netip.MustParsePrefix(tc.prefix), Customer: "cust", Status: tc.status, File: "prefixes.csv", Line: 7}
			res := Coverage(CoverageInput{Zones: s, Prefixes: []ipam.PrefixRecord{pr},
				Addresses: addrs, Synthesize: coverageSynth, Points: points, ShowInfo: true})
			var rows []CoverageRow
			for _, r := range res.Rows {
				if r.State != CoverDelegationOverlap {
					rows = append(rows, r)
				}
			}
			if len(rows) != 1 || res.Checked != 1 {
				t.Fatalf("got %d rows (checked %d): %+v", len(rows), res.Checked, rows)
			}
			r := rows[0]
			if r.State != tc.state || !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("state %s, reason %q\nwant %s, reason with %q", r.State, r.Reason, tc.state, tc.reason)
			}
			if r.Zone != tc.zone || len(r.Delegations) != tc.owners || r.PTRCount != tc.ptrs || r.Assigned != tc.assigned || r.WithoutPTR != tc.without {
				t.Errorf("zone %q owners %v ptrs %d assigned %d without %d; want %q %d %d %d %d",
					r.Zone, r.Delegations, r.PTRCount, r.Assigned, r.WithoutPTR, tc.zone, tc.owners, tc.ptrs, tc.assigned, tc.without)
			}
			if r.Customer != "cust" || r.File != "prefixes.csv" || r.Line != 7 || r.Prefix != pr.Prefix {
				t.Errorf("row provenance: %+v", r)
			}
			if res.Counts[tc.state] != 1 {
				t.Errorf("counts %v", res.Counts)
			}
		})
	}
}

// A delegated prefix names every NS set's servers; a synthesized part its
// entry.
func TestCoverageLists(t *testing.T) {
	s := coverageZones(t)
	res := Coverage(CoverageInput{Zones: s, Points: delegation.Points(s, rdns.Slash), Synthesize: coverageSynth, ShowInfo: true,
		Prefixes: []ipam.PrefixRecord{
			{Prefix: netip.MustParsePrefix("2001:db8:100:a00::/56")},
			{Prefix: netip.MustParsePrefix("2001:db8:100:c000::/50")},
		}})
	var got []string
	for _, r := range res.Rows {
		if r.State != CoverDelegationOverlap {
			got = append(got, fmt.Sprintf("%s %v %v %v", r.Prefix, r.Delegations, r.NS, r.Synthesize))
		}
	}
	want := []string{
		"2001:db8:100:a00::/56 [a.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.] [ns1.cust-a.example. ns2.cust-a.example.] []",
		"2001:db8:100:c000::/50 [c.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa. d.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa. e.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.] [ns.cust-d.example.] [2001:db8:100:f000::/52]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Only assigned IPv6 prefixes longer than a /48, down to a /64, are rows.
func TestCoverageApplies(t *testing.T) {
	s := coverageZones(t)
	var prs []ipam.PrefixRecord
	for _, c := range []struct {
		p  string
		st ipam.Status
	}{
		{"2001:db8:100::/48", ipam.StatusActive},
		{"2001:db8:100:300::/65", ipam.StatusActive},
		{"192.0.2.0/26", ipam.StatusActive},
		{"2001:db8:100:300::/56", ipam.StatusDeprecated},
		{"2001:db8:100:300::/56", ipam.StatusContainer},
		{"2001:db8:100:300::/56", ipam.StatusFree},
		{"2001:db8:100:300::/49", ipam.StatusReserved}, // a row
		{"2001:db8:100:300::/64", ipam.StatusActive},   // a row
	} {
		p := netip.MustParsePrefix(c.p).Masked()
		prs = append(prs, ipam.PrefixRecord{Prefix: p, Status: c.st})
	}
	res := Coverage(CoverageInput{Zones: s, Prefixes: prs, ShowInfo: true})
	if res.Checked != 2 {
		t.Errorf("checked %d prefixes, want 2", res.Checked)
	}
}

// Info rows are counted, listed only with ShowInfo; Only limits the rows.
func TestCoverageShowInfoAndOnly(t *testing.T) {
	s := coverageZones(t)
	prs := []ipam.PrefixRecord{
		{Prefix: netip.MustParsePrefix("2001:db8:100:a00::/56")}, // delegated
		{Prefix: netip.MustParsePrefix("2001:db8:100:300::/56")}, // uncovered
	}
	in := CoverageInput{Zones: s, Prefixes: prs, Points: delegation.Points(s, rdns.Slash)}
	res := Coverage(in)
	got := ""
	for _, r := range res.Rows {
		got += string(r.State) + " " + r.Prefix.String() + "\n"
	}
	want := "delegation-overlap 192.0.2.0/26\nuncovered 2001:db8:100:300::/56\ndelegation-overlap 2001:db8:100:a00::/56\n"
	if got != want {
		t.Errorf("rows:\n%swant:\n%s", got, want)
	}
	if res.Counts[CoverDelegated] != 1 || res.Counts[CoverUncovered] != 1 || res.Counts[CoverDelegationOverlap] != 2 {
		t.Errorf("counts %v", res.Counts)
	}
	if !res.Failing(map[CoverageState]bool{CoverUncovered: true}) || res.Failing(map[CoverageState]bool{CoverDelegated: false}) {
		t.Error("Failing")
	}
	in.Only = []netip.Prefix{netip.MustParsePrefix("2001:db8:100:a00::/64")}
	res = Coverage(in)
	if len(res.Rows) != 1 || res.Rows[0].State != CoverDelegationOverlap || res.Checked != 1 || res.Counts[CoverDelegated] != 1 {
		t.Errorf("with Only: %+v, counts %v", res.Rows, res.Counts)
	}
}

// Records below a delegation point are one finding per point, with the
// first one's file:line and their count; the NS set, the glue and a
// loaded child's own records are not.
func TestDelegationOverlap(t *testing.T) {
	s := coverageZones(t)
	res := Coverage(CoverageInput{Zones: s, Points: delegation.Points(s, rdns.Slash)})
	if res.Checked != 0 {
		t.Errorf("checked %d", res.Checked)
	}
	if len(res.Rows) != 2 {
		t.Fatalf("rows: %+v", res.Rows)
	}
	v4, v6 := res.Rows[0], res.Rows[1]
	if v4.Prefix != netip.MustParsePrefix("192.0.2.0/26") || v4.Occluded != 1 || v4.PTRCount != 1 || v4.File != "db.192.0.2" || v4.Line != 7 ||
		v4.Zone != "2.0.192.in-addr.arpa." || !strings.Contains(v4.Reason, "the first is 5.0/26.2.0.192.in-addr.arpa. PTR") {
		t.Errorf("IPv4: %+v", v4)
	}
	if v6.Prefix != netip.MustParsePrefix("2001:db8:100:a00::/56") || v6.Occluded != 2 || v6.Line != 7 || v6.File != "db.100" ||
		strings.Join(v6.NS, " ") != "ns1.cust-a.example. ns2.cust-a.example." {
		t.Errorf("IPv6: %+v", v6)
	}
}

func TestCoverageRowJSON(t *testing.T) {
	r := CoverageRow{Prefix: netip.MustParsePrefix("2001:db8::/56"), State: CoverSynthesized, Synthesize: []netip.Prefix{netip.MustParsePrefix("2001:db8::/48")}, Line: 3, File: "p.csv"}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"prefix":"2001:db8::/56","state":"synthesized","customer":"","vrf":"","zone":"","delegations":[],"ns":[],"synthesize":["2001:db8::/48"],"ptr_count":0,"assigned_count":0,"without_ptr_count":0,"occluded_count":0,"reason":"","file":"p.csv","line":3}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back CoverageRow
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(back)
	if string(b2) != want {
		t.Errorf("round trip: %s", b2)
	}
	b, _ = json.Marshal(CoverageRow{State: CoverDelegationOverlap})
	if !strings.Contains(string(b), `"prefix":"","state":"delegation-overlap"`) || !strings.Contains(string(b), `"line":null`) {
		t.Errorf("no prefix, no line: %s", b)
	}
}

// A zone the set names but did not load (a secondary of named.conf, a file
// that failed) may serve an uncovered part: the reason says so.
func TestCoverageNotLoaded(t *testing.T) {
	fsys := fstest.MapFS{
		"db.100": {Data: []byte(zoneText("2001:db8:100::/48"))},
	}
	s, err := zoneset.LoadFS(fsys, []zoneset.Spec{{Path: "db.100"},
		{Path: "sec/db.300", Origin: "3.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", Type: "secondary"}}, zoneset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.NotLoaded) != 1 {
		t.Fatalf("not loaded: %+v (problems %v)", s.NotLoaded, s.Problems)
	}
	res := Coverage(CoverageInput{Zones: s, Prefixes: []ipam.PrefixRecord{
		{Prefix: netip.MustParsePrefix("2001:db8:100:300::/56")},
		{Prefix: netip.MustParsePrefix("2001:db8:100:400::/56")},
	}})
	if len(res.Rows) != 2 || !strings.Contains(res.Rows[0].Reason, "not loaded, so not checked: 3.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.") ||
		strings.Contains(res.Rows[1].Reason, "not loaded") {
		t.Errorf("rows: %+v", res.Rows)
	}
}

// At every length from /49 to /64, a prefix whose nibble cover has NS sets
// is delegated (one NS set on a boundary, 2, 4 or 8 off it); with one of
// them missing it is uncovered, and the missing block is named.
func TestCoverageNibbleCoverEveryLength(t *testing.T) {
	for bits := 49; bits <= 64; bits++ {
		p := netip.PrefixFrom(netip.MustParseAddr("2001:db8:100:8000::"), bits).Masked()
		cover, err := rdns.NibbleCover(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, drop := range []int{-1, len(cover) - 1} {
			name := fmt.Sprintf("/%d drop %d", bits, drop)
			t.Run(name, func(t *testing.T) {
				var body []string
				for i, c := range cover {
					if i != drop {
						body = append(body, ns(c.String(), "ns.customer.example."))
					}
				}
				fsys := fstest.MapFS{"db": {Data: []byte(zoneText("2001:db8:100::/48", body...))}}
				s, err := zoneset.LoadFS(fsys, []zoneset.Spec{{Path: "db"}}, zoneset.Options{})
				if err != nil {
					t.Fatal(err)
				}
				res := Coverage(CoverageInput{Zones: s, Points: delegation.Points(s, rdns.Slash), ShowInfo: true,
					Prefixes: []ipam.PrefixRecord{{Prefix: p}}})
				if len(res.Rows) != 1 {
					t.Fatalf("rows %+v", res.Rows)
				}
				r := res.Rows[0]
				wantOwners := len(cover)
				if drop >= 0 {
					wantOwners--
				}
				if len(r.Delegations) != wantOwners {
					t.Errorf("owners %v, want %d", r.Delegations, wantOwners)
				}
				switch {
				case drop < 0 && len(cover) == 1:
					if r.State != CoverDelegated || !strings.HasPrefix(r.Reason, "NS set at ") {
						t.Errorf("%s %q", r.State, r.Reason)
					}
				case drop < 0:
					if r.State != CoverDelegated || !strings.HasPrefix(r.Reason, fmt.Sprintf("the %d /%d nibble owners", len(cover), cover[0].Bits())) {
						t.Errorf("%s %q", r.State, r.Reason)
					}
				case len(cover) == 1:
					if r.State != CoverUncovered || r.Reason != "no delegation, no synthesis and no PTRs" {
						t.Errorf("%s %q", r.State, r.Reason)
					}
				default:
					if r.State != CoverUncovered || !strings.Contains(r.Reason, "uncovered: "+cover[drop].String()+": no delegation") {
						t.Errorf("%s %q", r.State, r.Reason)
					}
				}
			})
		}
	}
}
