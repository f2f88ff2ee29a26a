package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rdnsctl/rdnsctl/audit"
	"github.com/rdnsctl/rdnsctl/fcrdns"
	"github.com/rdnsctl/rdnsctl/ipam"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

type auditDoc struct {
	Findings []audit.Finding `json:"findings"`
	Summary  map[string]int  `json:"summary"`
}

// htmlFixture audits zones (files under dir) against an IPAM export and
// returns the HTML report of it.
func htmlFixture(t *testing.T, zones []string, ipamFile string, defs rdns.Defaults, fc []fcrdns.Result) (*HTMLReport, *AddrMap) {
	t.Helper()
	var specs []zoneset.Spec
	for _, z := range zones {
		specs = append(specs, zoneset.Spec{Path: z})
	}
	s, err := zoneset.Load(specs, zoneset.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := ipam.ReadFile(ipamFile, ipam.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := audit.Run(s, exp, audit.Options{Defaults: defs, ShowInfo: true})
	doc := auditDoc{Findings: res.Findings, Summary: res.Summary()}
	if doc.Findings == nil {
		doc.Findings = []audit.Finding{}
	}
	rows := Rows{Header: []string{"category", "ip", "ptr", "file", "line", "reason"}}
	for _, f := range res.Findings {
		rows.Add(string(f.Category), f.Addr.String(), strings.Join(f.PTR, " "), f.File, itoa(f.Line), f.Reason)
	}
	m := BuildMap(MapInput{Set: s, Export: exp, Defaults: defs, Findings: res.Findings, FCrDNS: fc})
	r := &HTMLReport{
		Kind:       "audit",
		Generated:  time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC),
		Elapsed:    1500 * time.Millisecond,
		Version:    "test",
		Command:    "rdnsctl audit",
		ExitStatus: 1,
		Inputs:     []HTMLInput{{Kind: "zones", Path: "examples/zones"}, {Kind: "ipam", Path: "examples/ipam/netbox-export.csv"}},
		JSON:       func(w io.Writer) error { return WriteJSON(w, doc) },
		Findings:   res.Findings,
		Summary:    res.Summary(),
		Rows:       rows,
		FCrDNS:     fc,
		Map:        m,
	}
	return r, m
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func exampleDefaults() rdns.Defaults {
	d := func(p, tmpl string) rdns.Default {
		return rdns.Default{Prefix: netip.MustParsePrefix(p), Template: rdns.MustTemplate(tmpl)}
	}
	return rdns.Defaults{
		d("198.51.100.0/24", "{dashed}.customers.example.net."),
		d("203.0.113.0/24", "{dashed}.biz.example.net."),
		d("192.0.2.0/24", "{dashed}.pool1.example.net."),
		d("2001:db8:100::/48", "{dashed}.v6.customers.example.net."),
	}
}

func renderHTML(t *testing.T, r *HTMLReport) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var (
	styleRe  = regexp.MustCompile(`(?s)<style>.*?</style>`)
	scriptRe = regexp.MustCompile(`(?s)<script>.*?</script>`)
)

// The page's skeleton (everything but the inline style sheet and script,
// which change with every tweak) is a contract: golden file.
func TestHTMLSkeletonGolden(t *testing.T) {
	r, _ := htmlFixture(t, []string{"../examples/zones"}, "../examples/ipam/netbox-export.csv", exampleDefaults(), nil)
	page := renderHTML(t, r)
	page = styleRe.ReplaceAll(page, []byte("<style>/* style.css */</style>"))
	page = scriptRe.ReplaceAll(page, []byte("<script>/* map.js */</script>"))
	golden(t, "html-skeleton.golden", page)
}

func embedded(t *testing.T, page []byte, id string) []byte {
	t.Helper()
	re := regexp.MustCompile(`(?s)<script type="application/json" id="` + id + `">(.*?)</script>`)
	m := re.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no script %s in the page", id)
	}
	return m[1]
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v in %.200s", err, b)
	}
	return v
}

// Zone data is hostile: a PTR, a customer or a file name may hold markup
// that closes the script element or opens another. The page must show it
// as text and the embedded JSON must read back as the same document.
func TestHTMLHostileData(t *testing.T) {
	evil := `</script><script>alert(1)</script><img src=x onerror=alert(2)>&amp;"'`
	doc := auditDoc{Findings: []audit.Finding{{Category: audit.Invalid, Addr: netip.MustParseAddr("192.0.2.7"), PTR: []string{evil}, Customer: evil, File: evil, Reason: "<b>x</b>"}}, Summary: map[string]int{"invalid": 1}}
	var want bytes.Buffer
	if err := WriteJSON(&want, doc); err != nil {
		t.Fatal(err)
	}
	rows := Rows{Header: []string{"category", "ip", "ptr", "customer"}}
	rows.Add("invalid", "192.0.2.7", evil, evil)
	exp := &ipam.Export{Prefixes: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}
	r := &HTMLReport{Kind: "audit", Version: evil, Command: evil, Inputs: []HTMLInput{{Kind: "zones", Path: evil}},
		JSON:     func(w io.Writer) error { return WriteJSON(w, doc) },
		Findings: doc.Findings, Summary: doc.Summary, Rows: rows,
		Map: BuildMap(MapInput{Export: exp, Findings: doc.Findings})}
	page := renderHTML(t, r)
	for _, bad := range []string{"<script>alert", "<img src", "</script><"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("page holds %q: data is not escaped", bad)
		}
	}
	if n := bytes.Count(page, []byte("<script")); n != 3 {
		t.Errorf("%d script elements, want 3 (data, map, code)", n)
	}
	if got := decode(t, embedded(t, page, "rdnsctl-data")); !reflect.DeepEqual(got, decode(t, want.Bytes())) {
		t.Errorf("embedded JSON reads back as\n%v\nwant\n%v", got, decode(t, want.Bytes()))
	}
	if !bytes.Contains(page, []byte("&lt;/script&gt;&lt;script&gt;alert(1)")) {
		t.Error("the table does not show the hostile PTR as text")
	}
}

// The page is mailed and opened offline: it must not reference anything
// outside itself.
func TestHTMLNoExternalReferences(t *testing.T) {
	fc := []fcrdns.Result{{IP: netip.MustParseAddr("198.51.100.10"), Verdict: fcrdns.Pass}, {IP: netip.MustParseAddr("198.51.100.11"), Verdict: fcrdns.Mismatch}}
	r, _ := htmlFixture(t, []string{"../examples/zones"}, "../examples/ipam/netbox-export.csv", exampleDefaults(), fc)
	page := strings.ToLower(string(renderHTML(t, r)))
	for _, bad := range []string{"http://", "https://", "url(", "fetch(", "src=", "href=", "@import", "xmlhttprequest", "websocket", "<link", "<img", "<iframe", "//cdn"} {
		if i := strings.Index(page, bad); i >= 0 {
			t.Errorf("page references %q: …%s…", bad, page[max(0, i-60):min(len(page), i+60)])
		}
	}
}

// cellStates decodes the map's cells.
func cellStates(t *testing.T, m *AddrMap) map[netip.Addr]byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(m.Cells)
	if err != nil {
		t.Fatal(err)
	}
	out := map[netip.Addr]byte{}
	i := 0
	for _, g := range m.Groups {
		for _, tile := range g.Tiles {
			p := netip.MustParsePrefix(tile)
			for o := 0; o < 256; o++ {
				a := p.Addr().As4()
				a[3] = byte(o)
				out[netip.AddrFrom4(a)] = b[i]
				i++
			}
		}
	}
	if i != len(b) {
		t.Fatalf("%d cells for %d bytes", i, len(b))
	}
	return out
}

// Every state the map knows, each planted once.
func TestBuildMapStates(t *testing.T) {
	dir := t.TempDir()
	zone := `$ORIGIN 2.0.192.in-addr.arpa.
$TTL 3600
@ IN SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 3600
  IN NS ns1.example.net.
1 IN PTR 192-0-2-1.pool.example.net.
2 IN PTR web.cust.example.
3 IN PTR broken.example.com
4 IN PTR a.example.
4 IN PTR b.example.
5 IN PTR vpn.former.example.
6 IN PTR 192-0-2-6.pool.example.net.
9 IN PTR 192-0-2-9.pool.example.net.
64 IN CNAME 64.64/26
64/26 IN NS ns9.example.net.
`
	ipamCSV := `address,vrf,tenant,status,role,dns_name,description
192.0.2.2/24,,cust,active,,web.cust.example,
192.0.2.5/24,,,deprecated,,,
192.0.2.6/24,,acme,active,,mx.acme.example,
192.0.2.7/24,,,active,,,
192.0.2.9/24,,,active,,,
192.0.2.64/24,,,active,,,
192.0.3.1/25,,,active,,,
`
	must(t, os.WriteFile(filepath.Join(dir, "db.192.0.2"), []byte(zone), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "ipam.csv"), []byte(ipamCSV), 0o644))
	defs := rdns.Defaults{{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Template: rdns.MustTemplate("{dashed}.pool.example.net.")}}
	fc := []fcrdns.Result{
		{IP: netip.MustParseAddr("192.0.2.2"), Verdict: fcrdns.Pass},
		{IP: netip.MustParseAddr("192.0.2.6"), Verdict: fcrdns.Mismatch},
		{IP: netip.MustParseAddr("192.0.2.9"), Verdict: fcrdns.Error},
	}
	_, m := htmlFixture(t, []string{filepath.Join(dir, "db.192.0.2")}, filepath.Join(dir, "ipam.csv"), defs, fc)
	cells := cellStates(t, m)
	for _, tc := range []struct {
		ip   string
		want CellState
		mark int
	}{
		{"192.0.2.0", CellFree, MarkNone},
		{"192.0.2.1", CellDefault, MarkNone},
		{"192.0.2.2", CellCustom, MarkPass},
		{"192.0.2.3", CellInvalid, MarkNone},
		{"192.0.2.4", CellDuplicate, MarkNone},
		{"192.0.2.5", CellStale, MarkNone},
		{"192.0.2.6", CellMismatch, MarkFail},
		{"192.0.2.7", CellMissing, MarkNone},
		{"192.0.2.9", CellDefault, MarkError},
		{"192.0.2.64", CellDelegated, MarkNone},
		{"192.0.3.1", CellUnmanaged, MarkNone},
		{"192.0.3.127", CellFree, MarkNone},
		{"192.0.3.128", CellOutside, MarkNone}, // outside the /25
	} {
		b, ok := cells[netip.MustParseAddr(tc.ip)]
		if !ok {
			t.Errorf("%s: no cell", tc.ip)
			continue
		}
		if got := CellState(b & 15); got != tc.want || int(b>>4&3) != tc.mark {
			t.Errorf("%s: %v mark %d, want %v mark %d", tc.ip, got, b>>4&3, tc.want, tc.mark)
		}
	}
	if m.Managed != 256+128 {
		t.Errorf("managed = %d, want 384 (a /24 and a /25)", m.Managed)
	}
	if m.Counts["missing"] != 1 || m.Counts["invalid"] != 1 || m.Marks["pass"] != 1 || m.Marks["fail"] != 1 || m.Marks["error"] != 1 {
		t.Errorf("counts %v marks %v", m.Counts, m.Marks)
	}
	// the tooltip knows the custom PTR without a finding, with IPAM's name and file:line
	found := false
	for _, d := range m.Details {
		x := d.([]any)
		if x[1] == "web.cust.example." && x[2] == "web.cust.example." && x[3] == "cust" && x[5] == 6 {
			found = true
		}
	}
	if !found {
		t.Errorf("no detail for 192.0.2.2 in %v", m.Details)
	}
}

// The map's space: IPAM's prefixes, nested ones once, longer than a /24
// drawn in their /24; else the zones.
func TestManagedSpace(t *testing.T) {
	pp := func(ss ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, s := range ss {
			out = append(out, netip.MustParsePrefix(s))
		}
		return out
	}
	for _, tc := range []struct {
		prefixes []string
		tiles    int
		managed  int
	}{
		{[]string{"10.0.0.0/22"}, 4, 1024},
		{[]string{"10.0.0.0/16", "10.0.5.0/24", "10.0.7.0/26"}, 256, 65536},
		{[]string{"10.0.0.0/26", "10.0.0.128/26"}, 1, 128},
		{[]string{"10.0.1.0/24", "10.0.0.0/24"}, 2, 512},
		{[]string{"2001:db8::/48", "10.0.0.0/24"}, 1, 256},
	} {
		m := BuildMap(MapInput{Export: &ipam.Export{Prefixes: pp(tc.prefixes...)}})
		n := 0
		for _, g := range m.Groups {
			n += len(g.Tiles)
		}
		if n != tc.tiles || m.Managed != tc.managed {
			t.Errorf("%v: %d tiles, %d managed; want %d, %d", tc.prefixes, n, m.Managed, tc.tiles, tc.managed)
		}
	}
	// too many /24s: only those where something is recorded are drawn
	m := BuildMap(MapInput{Export: &ipam.Export{Prefixes: pp("10.0.0.0/8"), Records: []ipam.Record{{Addr: netip.MustParseAddr("10.1.2.3")}}}, MaxTiles: 100})
	if len(m.Groups) != 1 || len(m.Groups[0].Tiles) != 1 || m.Groups[0].Tiles[0] != "10.1.2.0/24" || m.TilesOmitted != 65535 {
		t.Errorf("groups %v, omitted %d", m.Groups, m.TilesOmitted)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// IPv6: one cell per /64 of each /48 that holds something, the worst
// state inside; the managed part of the /48 is sent as ranges.
func TestBuildMapIPv6(t *testing.T) {
	a := netip.MustParseAddr
	exp := &ipam.Export{Prefixes: []netip.Prefix{netip.MustParsePrefix("2001:db8:5:100::/56")}}
	findings := []audit.Finding{
		{Category: audit.Missing, Addr: a("2001:db8:5:107::1")},
		{Category: audit.Invalid, Addr: a("2001:db8:5:107::2")},
		{Category: audit.Stale, Addr: a("2001:db8:5:1ff::9")},
		{Category: audit.Missing, Addr: a("2001:db8:6::1")}, // outside every managed prefix
	}
	m := BuildMap(MapInput{Export: exp, Findings: findings})
	if len(m.V6) != 1 || m.V6[0].Prefix != "2001:db8:5::/48" {
		t.Fatalf("v6 blocks %+v", m.V6)
	}
	b := m.V6[0]
	if len(b.In) != 1 || b.In[0] != [2]int{0x100, 0x1ff} {
		t.Errorf("managed ranges %v, want [[256 511]]", b.In)
	}
	raw, err := base64.StdEncoding.DecodeString(b.Cells)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]CellState{}
	for i := 0; i+2 < len(raw); i += 3 {
		got[int(raw[i])|int(raw[i+1])<<8] = CellState(raw[i+2])
	}
	want := map[int]CellState{0x107: CellInvalid, 0x1ff: CellStale}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cells %v, want %v", got, want)
	}
	if m.V6Counts["invalid"] != 1 || m.V6Counts["stale"] != 1 || m.V6Counts["missing"] != 0 {
		t.Errorf("v6 counts %v", m.V6Counts)
	}
}

// fcrdns alone: the checked addresses' /24s, each checked cell painted by
// its verdict.
func TestBuildMapFCrDNSOnly(t *testing.T) {
	a := netip.MustParseAddr
	fc := []fcrdns.Result{{IP: a("192.0.2.1"), Verdict: fcrdns.Pass}, {IP: a("192.0.2.2"), Verdict: fcrdns.NoPTR}, {IP: a("198.51.100.9"), Verdict: fcrdns.Error}}
	m := BuildMap(MapInput{FCrDNS: fc, FCrDNSOnly: true})
	if m.Mode != "fcrdns" || len(m.Groups) != 2 || m.Managed != 512 {
		t.Fatalf("mode %s, groups %v, managed %d", m.Mode, m.Groups, m.Managed)
	}
	cells := cellStates(t, m)
	for ip, mark := range map[string]int{"192.0.2.1": MarkPass, "192.0.2.2": MarkFail, "198.51.100.9": MarkError, "192.0.2.3": MarkNone} {
		b := cells[a(ip)]
		st := CellState(b & 15)
		if int(b>>4&3) != mark || (mark != MarkNone) != (st == CellUnaudited) {
			t.Errorf("%s: %v mark %d, want mark %d", ip, st, b>>4&3, mark)
		}
	}
}
