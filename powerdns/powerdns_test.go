package powerdns

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
)

const zone100 = `$TTL 300
@ SOA ns1.example.net. hostmaster.example.net. 2026120100 3600 600 86400 300
  NS ns1.example.net.
1 PTR one.example.net.
2 PTR two.example.net.
`

func start(t *testing.T) (*dnstest.PowerDNS, *Client) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "z")
	if err := os.WriteFile(f, []byte(zone100), 0o644); err != nil {
		t.Fatal(err)
	}
	p := dnstest.StartPowerDNS(t, []dnstest.Zone{{Origin: "100.51.198.in-addr.arpa.", File: f}})
	return p, &Client{Name: "pdns", URL: p.URL, APIKey: p.APIKey}
}

func query(t *testing.T, addr, name string, typ uint16) []string {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, typ)
	r, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(q, addr)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, rr := range r.Answer {
		out = append(out, strings.TrimPrefix(rr.String(), rr.Header().String()))
	}
	return out
}

func change(a rdns.Action, ip, old, new string) rdns.Change {
	addr := netip.MustParseAddr(ip)
	return rdns.Change{Action: a, Zone: "100.51.198.in-addr.arpa.", Name: rdns.ReverseName(addr), Addr: addr, Type: "PTR", Old: old, New: new}
}

func seenIn(z *zonefile.Zone) func(string, uint16) []string {
	return func(owner string, typ uint16) []string {
		var out []string
		for _, r := range z.Records {
			if r.Name == owner && r.Type == typ {
				out = append(out, r.Data)
			}
		}
		return out
	}
}

func TestReadPatchAgainstPowerDNS(t *testing.T) {
	p, c := start(t)
	ctx := context.Background()
	zs, err := c.ReverseZones(ctx)
	if err != nil || len(zs) != 1 || zs[0].Name != "100.51.198.in-addr.arpa." {
		t.Fatalf("zones %+v %v", zs, err)
	}
	z, info, err := c.Read(ctx, "100.51.198.in-addr.arpa")
	if err != nil {
		t.Fatal(err)
	}
	if info.Serial != 2026120100 || z.Files[0].Path != "powerdns://pdns/100.51.198.in-addr.arpa." {
		t.Errorf("info %+v, source %s", info, z.Files[0].Path)
	}
	var ptrs []string
	for _, r := range z.Records {
		if r.Type == zonefile.TypePTR {
			ptrs = append(ptrs, r.Name+" "+r.Data)
		}
	}
	// the same records pdnsutil lists
	list, err := p.Util("list-zone", "100.51.198.in-addr.arpa.")
	if err != nil {
		t.Fatal(err, list)
	}
	var listed []string
	for _, l := range strings.Split(list, "\n") {
		if f := strings.Fields(l); len(f) == 5 && f[3] == "PTR" {
			listed = append(listed, zonefile.Fqdn(f[0])+" "+zonefile.Fqdn(f[4]))
		}
	}
	if strings.Join(listed, ",") != strings.Join(ptrs, ",") {
		t.Errorf("read %v, pdnsutil list-zone %v", ptrs, listed)
	}
	if len(ptrs) != 2 {
		t.Fatalf("PTRs %v", ptrs)
	}

	var cs []rdns.Change
	for i := 10; i < 40; i++ {
		cs = append(cs, change(rdns.Add, fmt.Sprintf("198.51.100.%d", i), "", fmt.Sprintf("h%d.example.net.", i)))
	}
	cs = append(cs, change(rdns.Replace, "198.51.100.1", "one.example.net.", "cust.example.org."))
	cs = append(cs, change(rdns.Delete, "198.51.100.2", "two.example.net.", ""))
	res, err := c.Patch(ctx, z.Origin, cs, PatchOptions{Seen: seenIn(z), MaxRRsets: 10, TTL: 300})
	if err != nil {
		t.Fatal(err)
	}
	if res.Patches != 4 || res.Sent != 4 || len(res.Applied) != len(cs) || !res.BumpedByClient || res.Serial <= 2026120100 {
		t.Errorf("result %+v", res)
	}
	if got := query(t, p.DNS, "1.100.51.198.in-addr.arpa.", dns.TypePTR); len(got) != 1 || got[0] != "cust.example.org." {
		t.Errorf("DNS answers %v", got)
	}
	if got := query(t, p.DNS, "2.100.51.198.in-addr.arpa.", dns.TypePTR); len(got) != 0 {
		t.Errorf("deleted PTR answered: %v", got)
	}
	if got := query(t, p.DNS, "39.100.51.198.in-addr.arpa.", dns.TypePTR); len(got) != 1 || got[0] != "h39.example.net." {
		t.Errorf("added PTR: %v", got)
	}

	// The stale plan again: a conflict, nothing written.
	_, err = c.Patch(ctx, z.Origin, cs[len(cs)-2:], PatchOptions{Seen: seenIn(z)})
	var ce *ConflictError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "198.51.100.1") {
		t.Fatalf("stale plan: %v", err)
	}

	// A concurrent change through the API between read and patch.
	z2, _, _ := c.Read(ctx, z.Origin)
	other := change(rdns.Replace, "198.51.100.10", "h10.example.net.", "theirs.example.com.")
	if _, err := c.Patch(ctx, z.Origin, []rdns.Change{other}, PatchOptions{Seen: seenIn(z2)}); err != nil {
		t.Fatal(err)
	}
	mine := change(rdns.Replace, "198.51.100.10", "h10.example.net.", "mine.example.net.")
	if _, err := c.Patch(ctx, z.Origin, []rdns.Change{mine}, PatchOptions{Seen: seenIn(z2)}); !errors.As(err, &ce) {
		t.Fatalf("concurrent change: %v", err)
	}
	if got := query(t, p.DNS, "10.100.51.198.in-addr.arpa.", dns.TypePTR); len(got) != 1 || got[0] != "theirs.example.com." {
		t.Errorf("the other change was overwritten: %v", got)
	}
}

func TestCreateClasslessAndErrors(t *testing.T) {
	p, c := start(t)
	ctx := context.Background()
	child := "0/26.100.51.198.in-addr.arpa."
	if got := ZoneID(child); got != "0=2F26.100.51.198.in-addr.arpa." {
		t.Errorf("ZoneID %s", got)
	}
	err := c.Create(ctx, NewZone{Origin: child, SOA: "ns1.example.net. hostmaster.example.net. 1 3600 600 86400 300", NS: []string{"ns1.example.net."},
		Records: []zonefile.Record{{Name: "5." + child, Type: zonefile.TypePTR, Data: "five.example.net."}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := query(t, p.DNS, "5."+child, dns.TypePTR); len(got) != 1 || got[0] != "five.example.net." {
		t.Errorf("child answers %v", got)
	}
	z, _, err := c.Read(ctx, child)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Patch(ctx, child, []rdns.Change{{Action: rdns.Add, Name: "6." + child, Type: "PTR", New: "six.example.net."}}, PatchOptions{Seen: seenIn(z)})
	if err != nil || res.BumpedByClient {
		t.Errorf("patch of an API-made zone: %+v %v (PowerDNS bumps it itself)", res, err)
	}
	if err := c.Delete(ctx, child); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Read(ctx, child); err == nil || !strings.Contains(err.Error(), "no such zone") {
		t.Errorf("deleted zone: %v", err)
	}

	bad := &Client{Name: "pdns", URL: p.URL, APIKey: "wrong"}
	_, _, err = bad.Read(ctx, "100.51.198.in-addr.arpa.")
	if err == nil || !strings.Contains(err.Error(), "API key is wrong") || strings.Contains(err.Error(), p.APIKey) {
		t.Errorf("wrong key: %v", err)
	}
	_, err = c.Patch(ctx, "100.51.198.in-addr.arpa.", []rdns.Change{change(rdns.Add, "198.51.100.77", "", "bad name with spaces")}, PatchOptions{})
	var e *Error
	if !errors.As(err, &e) || e.Status != 422 {
		t.Errorf("a record the server rejects: %v", err)
	}
}
