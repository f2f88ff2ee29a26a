package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

// answer is the data of the first answer of that type.
func answer(t *testing.T, server, name string, typ uint16) string {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, typ)
	r, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(q, server)
	if err != nil {
		t.Fatal(err)
	}
	for _, rr := range r.Answer {
		if rr.Header().Rrtype == typ {
			return strings.TrimPrefix(rr.String(), rr.Header().String())
		}
	}
	return ""
}

const pdnsZone = `$ORIGIN 100.51.198.in-addr.arpa.
$TTL 300
@ IN SOA ns1.example.net. hostmaster.example.net. 2026112500 3600 600 86400 300
@ IN NS ns1.example.net.
1 IN PTR one.example.net.
2 IN PTR two.example.net.
3 IN PTR gone.example.net.
`

func pdnsSetup(t *testing.T) (string, *dnstest.PowerDNS) {
	t.Helper()
	dir := t.TempDir()
	zf := filepath.Join(dir, "z")
	if err := os.WriteFile(zf, []byte(pdnsZone), 0o644); err != nil {
		t.Fatal(err)
	}
	p := dnstest.StartPowerDNS(t, []dnstest.Zone{{Origin: "100.51.198.in-addr.arpa.", File: zf}})
	if err := os.WriteFile(filepath.Join(dir, "pdns.key"), []byte(p.APIKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ipamCSV := "address,status,dns_name,tenant\n198.51.100.1/24,active,one.example.net,C1\n198.51.100.2/24,active,two.example.net,C2\n198.51.100.4/24,active,four.example.net,C4\n"
	if err := os.WriteFile(filepath.Join(dir, "ipam.csv"), []byte(ipamCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	writePDNSConfig(t, dir, p, "api_key_file: pdns.key")
	return dir, p
}

func writePDNSConfig(t *testing.T, dir string, p *dnstest.PowerDNS, key string) {
	t.Helper()
	conf := fmt.Sprintf(`zones:
  - {server: pdns, all_reverse: true}
servers:
  - name: pdns
    type: powerdns
    url: %s
    %s
    address: %s
ipam: ipam.csv
journal: journal.jsonl
zone_template: {ttl: 300, primary: ns1.example.net., contact: hostmaster.example.net., ns: [ns1.example.net.]}
`, p.URL, key, p.DNS)
	if err := os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPowerDNSBackend(t *testing.T) {
	dir, p := pdnsSetup(t)
	r := run(t, dir, "", "zones", "-o", "json")
	if r.code != 0 || !strings.Contains(r.out, `"powerdns://pdns/100.51.198.in-addr.arpa."`) {
		t.Fatalf("zones: %d %s %s", r.code, r.out, r.err)
	}
	r = run(t, dir, "", "audit", "-o", "json")
	if r.code != 1 || !strings.Contains(r.out, `"198.51.100.4"`) || !strings.Contains(r.out, `"missing"`) {
		t.Fatalf("audit: %d\n%s\n%s", r.code, r.out, r.err)
	}

	r = run(t, dir, "", "block-init", "198.51.100.0/24", "--template", "h-{dashed}.pool.example.net.", "--skip-network-broadcast", "--write")
	if r.code != 0 {
		t.Fatalf("block-init: %d %s", r.code, r.err)
	}
	eventually(t, p.DNS, "198.51.100.100", "h-198-51-100-100.pool.example.net.")
	eventually(t, p.DNS, "198.51.100.1", "one.example.net.")
	r = run(t, dir, "", "block-init", "198.51.100.0/24", "--template", "h-{dashed}.pool.example.net.", "--skip-network-broadcast", "--write")
	if r.code != 0 || !strings.Contains(r.err, "no changes") {
		t.Fatalf("second block-init: %d %s", r.code, r.err)
	}
	if n := journalLines(t, filepath.Join(dir, "journal.jsonl")); n != 251 {
		t.Errorf("journal: %d lines, want 251", n)
	}

	r = run(t, dir, "", "mass-rename", "198.51.100.0/24", "--suffix", "pool.example.net.", "--to-suffix", "dyn.example.net.", "--write", "--force")
	if r.code != 0 {
		t.Fatalf("mass-rename: %d %s", r.code, r.err)
	}
	eventually(t, p.DNS, "198.51.100.100", "h-198-51-100-100.dyn.example.net.")
	r = run(t, dir, "", "set", "198.51.100.9", "mail.customer.example.", "--no-validate", "--write")
	if r.code != 0 {
		t.Fatalf("set: %d %s", r.code, r.err)
	}
	eventually(t, p.DNS, "198.51.100.9", "mail.customer.example.")

	// a block without a zone: the zone is made on the server
	r = run(t, dir, "", "block-init", "198.51.101.0/28", "--template", "n-{dashed}.example.net.", "--write")
	if r.code != 0 {
		t.Fatalf("block-init of a new zone: %d %s", r.code, r.err)
	}
	eventually(t, p.DNS, "198.51.101.5", "n-198-51-101-5.example.net.")
	if out, err := p.Util("list-zone", "101.51.198.in-addr.arpa."); err != nil || !strings.Contains(out, "n-198-51-101-5.example.net") {
		t.Errorf("pdnsutil list-zone: %v\n%s", err, out)
	}

	// RFC 2317 between PowerDNS zones
	r = run(t, dir, "", "transfer", "delegate", "198.51.100.64/26", "--write", "--force")
	if r.code != 0 {
		t.Fatalf("delegate: %d\n%s\n%s", r.code, r.out, r.err)
	}
	if got := answer(t, p.DNS, "70.100.51.198.in-addr.arpa.", dns.TypeCNAME); got != "70.64/26.100.51.198.in-addr.arpa." {
		t.Errorf("the parent's CNAME: %q", got)
	}
	if got := answer(t, p.DNS, "70.64/26.100.51.198.in-addr.arpa.", dns.TypePTR); got != "h-198-51-100-70.dyn.example.net." {
		t.Errorf("the child zone answers %q", got)
	}
	r = run(t, dir, "", "transfer", "undelegate", "198.51.100.64/26", "--write", "--force")
	if r.code != 0 {
		t.Fatalf("undelegate: %d\n%s\n%s", r.code, r.out, r.err)
	}
	eventually(t, p.DNS, "198.51.100.70", "h-198-51-100-70.dyn.example.net.")
	if out, _ := p.Util("list-all-zones"); strings.Contains(out, "64/26") {
		t.Errorf("the child zone was not removed:\n%s", out)
	}

	// servers check asks PowerDNS over DNS like any server; --records by AXFR
	r = run(t, dir, "", "servers", "check", "--records", "-o", "json")
	if r.code != 0 || !strings.Contains(r.out, `"status": "ok"`) || strings.Contains(r.out, `"status": "differs"`) {
		t.Fatalf("servers check: %d\n%s\n%s", r.code, r.out, r.err)
	}

	writePDNSConfig(t, dir, p, "api_key: wrong")
	r = run(t, dir, "", "zones")
	if r.code != 2 || !strings.Contains(r.err, "API key is wrong") {
		t.Fatalf("wrong key: %d %s", r.code, r.err)
	}
}
