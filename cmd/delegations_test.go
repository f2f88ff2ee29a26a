package cmd

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

const (
	lab48  = "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."
	lab24  = "2.0.192.in-addr.arpa."
	labSOA = "$TTL 300\n@ IN SOA ns1.isp.example. hostmaster.isp.example. 1 3600 900 604800 300\n@ IN NS ns1.isp.example.\n"
)

// delegationLab starts two BIND servers on 127.0.0.1: the ISP's (the /48
// and /24 parents with their delegations, and the cust.example. forward
// zone that names the customers' name server) and the customers' (serving
// some of the child zones). It writes the parent zones and a config whose
// resolver is the ISP's server and whose ns_port is the customers' server's
// port, and returns the directory.
//
// The delegations:
//
//	a.0 (2001:db8:100:a00::/56)  ns1.cust.example.                     served: ok
//	b.0 (2001:db8:100:b00::/56)  ns1.cust.example.                     not served: lame (refused)
//	c.0 (2001:db8:100:c00::/56)  ns1.cust.example., gone.cust.example. 1 of 2 lame (no address)
//	d.0 (2001:db8:100:d00::/56)  ns.d.0 (in-zone glue 127.0.0.1)       served: ok
//	0-25.2.0.192.in-addr.arpa.   ns1.cust.example.                     served: ok
//	128-25.2.0.192.in-addr.arpa. ns1.cust.example.                     not served: lame
func delegationLab(t *testing.T) (dir, isp string) {
	t.Helper()
	dir = t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	v6 := write("db.2001-db8-100", "$ORIGIN "+lab48+"\n"+labSOA+
		"a.0 IN NS ns1.cust.example.\n"+
		"b.0 IN NS ns1.cust.example.\n"+
		"c.0 IN NS ns1.cust.example.\n"+
		"c.0 IN NS gone.cust.example.\n"+
		"d.0 IN NS ns.d.0\n"+
		"ns.d.0 IN A 127.0.0.1\n"+
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 IN PTR gw.isp.example.\n")
	var v4b strings.Builder
	v4b.WriteString("$ORIGIN " + lab24 + "\n" + labSOA + "0-25 IN NS ns1.cust.example.\n128-25 IN NS ns1.cust.example.\n")
	for i := range 256 {
		fmt.Fprintf(&v4b, "%d IN CNAME %d.%d-25\n", i, i, i&128)
	}
	v4 := write("db.192.0.2", v4b.String())
	fwd := write("db.cust.example", "$ORIGIN cust.example.\n"+labSOA+"ns1 IN A 127.0.0.1\n")
	isp = dnstest.StartNamed(t, []dnstest.Zone{{Origin: lab48, File: v6}, {Origin: lab24, File: v4}, {Origin: "cust.example.", File: fwd}})

	child := func(origin string) dnstest.Zone {
		return dnstest.Zone{Origin: origin, File: write("child."+origin, "$ORIGIN "+origin+"\n"+labSOA+"1 IN PTR host.cust.example.\n")}
	}
	cust := dnstest.StartNamed(t, []dnstest.Zone{child("a.0." + lab48), child("c.0." + lab48), child("d.0." + lab48), child("0-25." + lab24)})
	custPort := netip.MustParseAddrPort(cust).Port()
	write("rdnsctl.yaml", fmt.Sprintf("zones: [db.2001-db8-100, db.192.0.2]\nclassless_style: rfc4183\nresolvers: [%s]\nns_port: %d\n", isp, custPort))
	return dir, isp
}

// TestAuditCheckDelegationsBIND runs audit --check-delegations against the
// two real BIND servers: exactly the lame delegations are findings, exit 1;
// limited to the delegations that work, exit 0.
func TestAuditCheckDelegationsBIND(t *testing.T) {
	dir, isp := delegationLab(t)

	r := run(t, dir, "", "audit", "--check-delegations", "--config", "rdnsctl.yaml", "-o", "json", "--timeout", "300ms", "--retries", "1")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (lame delegations):\n%s\n%s", r.code, r.out, r.err)
	}
	var doc struct {
		Findings []struct {
			Category string `json:"category"`
			IP       string `json:"ip"`
			Zone     string `json:"zone"`
			File     string `json:"file"`
			Line     int    `json:"line"`
			Reason   string `json:"reason"`
		} `json:"findings"`
		Summary map[string]int `json:"summary"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, r.out)
	}
	type lame struct {
		ip, zone, file string
		line           int
		reason         string
	}
	want := []lame{
		{"192.0.2.128", lab24, "db.192.0.2", 6, "delegation 128-25.2.0.192.in-addr.arpa. (192.0.2.128/25) to ns1.cust.example.: 1 of 1 name server lame: ns1.cust.example. 127.0.0.1:PORT: refused"},
		{"2001:db8:100:b00::", lab48, "db.2001-db8-100", 6, "delegation b.0." + lab48 + " (2001:db8:100:b00::/56) to ns1.cust.example.: 1 of 1 name server lame: ns1.cust.example. 127.0.0.1:PORT: refused"},
		{"2001:db8:100:c00::", lab48, "db.2001-db8-100", 7, "delegation c.0." + lab48 + " (2001:db8:100:c00::/56) to ns1.cust.example., gone.cust.example.: 1 of 2 name servers lame: gone.cust.example.: no address for the NS name"},
	}
	port := func(s string) string {
		var cfg []byte
		cfg, _ = os.ReadFile(filepath.Join(dir, "rdnsctl.yaml"))
		_, p, _ := strings.Cut(string(cfg), "ns_port: ")
		return strings.ReplaceAll(s, ":"+strings.TrimSpace(p)+":", ":PORT:")
	}
	var got []lame
	for _, f := range doc.Findings {
		if f.Category != "lame" {
			t.Errorf("finding of category %s: %+v", f.Category, f)
			continue
		}
		got = append(got, lame{f.IP, f.Zone, filepath.Base(f.File), f.Line, port(f.Reason)})
	}
	if !slices.Equal(got, want) {
		t.Errorf("lame findings:\n%+v\nwant:\n%+v\nstderr:\n%s", got, want, r.err)
	}
	if doc.Summary["lame"] != 3 {
		t.Errorf("summary %v, want lame 3", doc.Summary)
	}
	if !strings.Contains(r.err, "6 delegation points checked: 3 ok, 3 lame, 0 not checked") {
		t.Errorf("stderr does not count the points:\n%s", r.err)
	}
	out := strings.ReplaceAll(port(r.out), dir+string(filepath.Separator), "")
	goldenFile(t, "audit_lame.json", out)

	// Only the working delegations: a clean run.
	r = run(t, dir, "", "audit", "--check-delegations", "--config", "rdnsctl.yaml", "--prefix", "2001:db8:100:a00::/56", "--prefix", "2001:db8:100:d00::/56", "--prefix", "192.0.2.0/25")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0 (every delegation inside --prefix answers):\n%s\n%s", r.code, r.out, r.err)
	}
	if !strings.Contains(r.err, "3 delegation points checked: 3 ok, 0 lame") {
		t.Errorf("stderr:\n%s", r.err)
	}

	// The table and CSV rows carry the same finding.
	r = run(t, dir, "", "audit", "--check-delegations", "--config", "rdnsctl.yaml", "--prefix", "2001:db8:100:b00::/56", "-o", "csv")
	if r.code != 1 || !strings.Contains(r.out, "lame,2001:db8:100:b00::,,,,"+lab48+",") || !strings.Contains(r.out, ": refused") {
		t.Errorf("csv, exit %d:\n%s\n%s", r.code, r.out, r.err)
	}

	// With an IPAM export the address audit runs too, and both kinds of
	// finding are in one report: the PTR of 2001:db8:100::1 is a mismatch.
	os.WriteFile(filepath.Join(dir, "netbox.csv"), []byte("address,vrf,tenant,status,role,dns_name,description\n2001:db8:100::1/48,,,active,,router.isp.example,\n"), 0o644)
	r = run(t, dir, "", "audit", "--check-delegations", "--config", "rdnsctl.yaml", "--ipam", "netbox.csv", "-o", "csv", "--no-headers")
	var cats []string
	for _, l := range strings.Split(strings.TrimSpace(r.out), "\n") {
		c, _, _ := strings.Cut(l, ",")
		cats = append(cats, c)
	}
	if r.code != 1 || !slices.Equal(cats, []string{"lame", "mismatch", "lame", "lame"}) || !strings.Contains(r.err, "addresses checked") {
		t.Errorf("with --ipam, exit %d, categories %v:\n%s\n%s", r.code, cats, r.out, r.err)
	}

	// With a prefix export too, the delegated coverage row of a lame
	// delegation says so; that of a working one does not.
	os.WriteFile(filepath.Join(dir, "prefixes.csv"), []byte("prefix,status,customer\n2001:db8:100:a00::/56,active,ok-customer\n2001:db8:100:b00::/56,active,lame-customer\n"), 0o644)
	r = run(t, dir, "", "audit", "--check-delegations", "--config", "rdnsctl.yaml", "--ipam", "netbox.csv", "--ipam", "prefixes.csv", "--coverage", "--show-info", "-o", "csv", "--no-headers")
	reasons := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(r.out), "\n") {
		if f := strings.Split(l, ","); len(f) > 2 && f[0] == "delegated" {
			reasons[f[2]] = l
		}
	}
	if !strings.Contains(reasons["lame-customer"], "lame (see the lame finding): b.0.") || reasons["ok-customer"] == "" || strings.Contains(reasons["ok-customer"], "lame") {
		t.Errorf("coverage rows with the lame check, exit %d:\n%s\n%s", r.code, r.out, r.err)
	}

	// The HTML report of that audit lists the lame rows too.
	r = run(t, dir, "", "audit", "--check-delegations", "--config", "rdnsctl.yaml", "--ipam", "netbox.csv", "--html", "report.html", "-o", "json")
	page, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	if r.code != 1 || !strings.Contains(string(page), "2001:db8:100:b00::/56") {
		t.Errorf("--html, exit %d:\n%s", r.code, r.err)
	}

	// Asked on the ISP's server, which holds the parents and not the
	// children: BIND refers the question to the child's name servers.
	ispPort := strings.TrimPrefix(isp, "127.0.0.1:")
	r = run(t, dir, "", "audit", "--check-delegations", "--config", "rdnsctl.yaml", "--ns-port", ispPort, "--prefix", "2001:db8:100:a00::/56", "--prefix", "192.0.2.0/25", "-o", "csv", "--no-headers")
	for _, want := range []string{
		"ns1.cust.example. " + isp + ": not authoritative: referral to a.0." + lab48,
		"ns1.cust.example. " + isp + ": not authoritative: referral to 0-25." + lab24,
	} {
		if r.code != 1 || !strings.Contains(r.out, want) {
			t.Errorf("asked at the parent's server: exit %d, want %q:\n%s\n%s", r.code, want, r.out, r.err)
		}
	}

	// Asked on the wrong port (the ISP's server is not on it: nothing
	// listens on port 9 of 127.0.0.1), every name server is lame.
	r = run(t, dir, "", "audit", "--check-delegations", "--config", "rdnsctl.yaml", "--ns-port", "9", "--prefix", "2001:db8:100:a00::/56", "--timeout", "300ms", "--retries", "1")
	if r.code != 1 || !strings.Contains(r.out, "127.0.0.1:9: no answer: connection refused") {
		t.Errorf("--ns-port 9, exit %d:\n%s\n%s", r.code, r.out, r.err)
	}
}

// TestAuditCheckDelegationsUsage: flags that do not go together.
func TestAuditCheckDelegationsUsage(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "db.192.0.2"), []byte("$ORIGIN "+lab24+"\n"+labSOA), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--fix"}, "--check-delegations reports lame delegations"},
		{[]string{"--ns-port", "0"}, "--ns-port 0"},
		{[]string{"--ns-port", "70000"}, "--ns-port 70000"},
		{[]string{"-o", "html"}, "the HTML report maps IPAM's addresses"},
	} {
		args := append([]string{"audit", "--check-delegations", "--zones", "db.192.0.2", "--resolver", "127.0.0.1:9"}, tc.args...)
		r := run(t, dir, "", args...)
		if r.code != 2 || !strings.Contains(r.err, tc.want) {
			t.Errorf("%v: exit %d, want 2 and %q:\n%s", tc.args, r.code, tc.want, r.err)
		}
	}
	// No delegation in the zones: nothing to check, clean.
	r := run(t, dir, "", "audit", "--check-delegations", "--zones", "db.192.0.2", "--resolver", "127.0.0.1:9")
	if r.code != 0 || !strings.Contains(r.err, "no delegation points to check") {
		t.Errorf("exit %d:\n%s", r.code, r.err)
	}

	// The NS name cannot be looked up (nothing listens where the resolver
	// should be): not checked, a warning naming file:line; nothing could
	// be checked, exit 2.
	os.WriteFile(filepath.Join(dir, "db.deleg"), []byte("$ORIGIN "+lab24+"\n"+labSOA+"0/25 IN NS ns1.cust.example.\n"), 0o644)
	r = run(t, dir, "", "audit", "--check-delegations", "--zones", "db.deleg", "--resolver", "127.0.0.1:9", "--retries", "0")
	if r.code != 2 || !strings.Contains(r.err, "db.deleg:5: delegation 0/25.2.0.192.in-addr.arpa. not checked: 1 of 1 name server not checked: ns1.cust.example.: address lookup failed") ||
		!strings.Contains(r.err, "no delegation could be checked") {
		t.Errorf("unresolvable NS name: exit %d:\n%s\n%s", r.code, r.out, r.err)
	}

	// In-zone glue needs no lookup: asked at 127.0.0.1 port 9, where
	// nothing listens, the server is lame.
	os.WriteFile(filepath.Join(dir, "db.glue"), []byte("$ORIGIN "+lab24+"\n"+labSOA+"0/25 IN NS ns.2.0.192.in-addr.arpa.\nns IN A 127.0.0.1\n"), 0o644)
	r = run(t, dir, "", "audit", "--check-delegations", "--zones", "db.glue", "--resolver", "127.0.0.1:9", "--ns-port", "9", "--retries", "0", "-o", "csv", "--no-headers")
	if r.code != 1 || !strings.Contains(r.out, "lame,192.0.2.0,") || !strings.Contains(r.out, "ns.2.0.192.in-addr.arpa. 127.0.0.1:9: no answer: connection refused") {
		t.Errorf("glue: exit %d:\n%s\n%s", r.code, r.out, r.err)
	}
}
