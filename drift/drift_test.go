package drift

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/rfc2136"
	"github.com/rdnsctl/rdnsctl/zonefile"
)

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b uint32
		want int
	}{
		{1, 1, 0}, {1, 2, -1}, {2, 1, 1},
		{0, 0xffffffff, 1}, // wrapped: 0 is after 2^32-1
		{0xffffffff, 0, -1},
		{2026120100, 2026113099, 1},
		{0, 1 << 31, -1}, // undefined distance: reported, not hidden
		{1 << 31, 0, -1},
	} {
		if got := Compare(tc.a, tc.b); got != tc.want {
			t.Errorf("Compare(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func zone(t *testing.T, origin, text string) (string, Zone) {
	t.Helper()
	f := filepath.Join(t.TempDir(), origin)
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return f, load(t, f, origin)
}

func load(t *testing.T, f, origin string) Zone {
	t.Helper()
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	z, err := zonefile.ParseBytes(data, f, zonefile.Options{Origin: origin})
	if err != nil {
		t.Fatal(err)
	}
	out := Zone{Origin: z.Origin, Records: z.Records}
	for _, r := range z.Records {
		if r.Type == zonefile.TypeSOA {
			soa, _ := zonefile.ParseSOA(r.Data)
			out.Serial, out.Known = soa.Serial, true
		}
	}
	return out
}

const fileZone = `$TTL 300
@ SOA ns1.example.net. hostmaster.example.net. 10 3600 600 86400 300
  NS ns1.example.net.
1 PTR one.example.net.
2 PTR two.example.net.
`

func TestCheckAgainstBIND(t *testing.T) {
	f, fz := zone(t, "100.51.198.in-addr.arpa.", fileZone)
	dyn, _ := zone(t, "7.0.10.in-addr.arpa.", strings.Replace(fileZone, "@", "7.0.10.in-addr.arpa.", 1))
	p := dnstest.StartBINDPair(t, []dnstest.PairZone{
		{Origin: "100.51.198.in-addr.arpa", File: f},
		{Origin: "7.0.10.in-addr.arpa", File: dyn, Dynamic: true},
	})
	key, err := rfc2136.ReadKeyFile(p.KeyFile, "")
	if err != nil {
		t.Fatal(err)
	}
	targets := []Target{
		{&rfc2136.Server{Name: "ns2", Addr: p.Secondary, Key: key, Timeout: 2 * time.Second}, Secondary},
		{&rfc2136.Server{Name: "primary", Addr: p.Primary, Key: key, Timeout: 2 * time.Second}, Primary},
	}
	ctx := context.Background()
	check := func(zones []Zone, opt Options) map[string]Row {
		t.Helper()
		rows, err := Check(ctx, zones, targets, opt)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]Row{}
		for _, r := range rows {
			m[r.Zone+" "+r.Server] = r
		}
		return m
	}
	dz := Zone{Origin: "7.0.10.in-addr.arpa."} // read from the primary: no copy of our own
	rows := check([]Zone{fz, dz}, Options{Records: true})
	for k, r := range rows {
		if r.Status != OK {
			t.Errorf("%s: %s (%s), want ok", k, r.Status, r.Error)
		}
	}
	if r := rows["100.51.198.in-addr.arpa. primary"]; r.Serial == nil || *r.Serial != 10 || *r.WantSerial != 10 {
		t.Errorf("primary row %+v", r)
	}

	// the secondary's transfers are blocked, the dynamic zone changes: behind
	p.SetTransfers(false)
	upd := &rfc2136.Server{Name: "primary", Addr: p.Primary, Key: key}
	add := rdns.Change{Action: rdns.Add, Zone: dz.Origin, Name: "50.7.0.10.in-addr.arpa.", Addr: netip.MustParseAddr("10.0.7.50"), Type: "PTR", New: "fifty.example.net."}
	if _, err := rfc2136.Push(ctx, upd, dz.Origin, []rdns.Change{add}, rfc2136.PushOptions{TTL: 300}); err != nil {
		t.Fatal(err)
	}
	if out, err := p.RNDC("reload", "100.51.198.in-addr.arpa"); err != nil {
		t.Fatal(err, out)
	}
	// a planted difference: our file changes under the same serial, unserved
	if err := os.WriteFile(f, []byte(strings.Replace(fileZone, "two.example.net.", "deux.example.net.", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	fz = load(t, f, "100.51.198.in-addr.arpa.")
	rows = check([]Zone{fz, dz, {Origin: "0.0.10.in-addr.arpa.", Serial: 1, Known: true}}, Options{Records: true})
	want := map[string]Status{
		"100.51.198.in-addr.arpa. primary": Differs,
		"100.51.198.in-addr.arpa. ns2":     Differs,
		"7.0.10.in-addr.arpa. primary":     OK,
		"7.0.10.in-addr.arpa. ns2":         Behind,
		"0.0.10.in-addr.arpa. primary":     Missing,
		"0.0.10.in-addr.arpa. ns2":         Missing,
	}
	for k, w := range want {
		if got := rows[k]; got.Status != w {
			t.Errorf("%s: %s (%s), want %s", k, got.Status, got.Error, w)
		}
	}
	if d := rows["100.51.198.in-addr.arpa. primary"].Diffs; len(d) != 1 || d[0].IP != "198.51.100.2" || d[0].Ours[0] != "PTR deux.example.net." || d[0].Theirs[0] != "PTR two.example.net." {
		t.Errorf("differences %+v", d)
	}

	p.StopSecondary()
	rows = check([]Zone{dz}, Options{})
	if r := rows["7.0.10.in-addr.arpa. ns2"]; r.Status != Unreachable {
		t.Errorf("stopped secondary: %s (%s)", r.Status, r.Error)
	}
}
