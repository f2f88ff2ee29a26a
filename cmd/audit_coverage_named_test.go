package cmd

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
	"github.com/rdnsctl/rdnsctl/rdns"
)

// What the coverage audit says is what BIND serving the same zones does: a
// delegated prefix's names are referred to its NS sets, an explicit prefix's
// PTRs are answered, an uncovered prefix's names are NXDOMAIN, and the
// records a delegation-overlap row names are never served (BIND refers the
// query below the cut instead).
func TestAuditCoverageAgreesWithBIND(t *testing.T) {
	dir := coverageDir(t)
	os.WriteFile(filepath.Join(dir, "prefixes.csv"), []byte("prefix,vrf,tenant,status,role,description\n"+
		"2001:db8:100:a00::/56,,cust-a,active,customer,\n"+
		"2001:db8:100:4000::/50,,cust-b,active,customer,\n"+
		"2001:db8:100:c000::/50,,cust-x,active,customer,\n"+
		"2001:db8:100:100::/56,,cust-e,active,customer,\n"+
		"2001:db8:100:300::/56,,cust-z,active,customer,\n"), 0o644)
	addr := dnstest.StartNamed(t, []dnstest.Zone{
		{Origin: "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", File: filepath.Join(dir, "zones", "db.2001.db8.100")},
		{Origin: "2.0.192.in-addr.arpa.", File: filepath.Join(dir, "zones", "db.192.0.2")},
	})
	r := run(t, dir, "", "audit", "--config", "rdnsctl.yaml", "--ipam", "addresses.csv", "--ipam", "prefixes.csv", "-o", "json", "--show-info")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s", r.code, r.err)
	}
	var doc struct {
		Coverage []struct {
			Prefix, State, File string
			Line                int
			Delegations         []string
		} `json:"coverage"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatal(err)
	}
	ask := func(name string) *dns.Msg {
		t.Helper()
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypePTR)
		m.RecursionDesired = false
		c := &dns.Client{Timeout: 2 * time.Second}
		in, _, err := c.Exchange(m, addr)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return in
	}
	referral := func(in *dns.Msg) string {
		if in.Rcode != dns.RcodeSuccess || in.Authoritative || len(in.Answer) > 0 {
			return ""
		}
		for _, rr := range in.Ns {
			if rr.Header().Rrtype == dns.TypeNS {
				return strings.ToLower(rr.Header().Name)
			}
		}
		return ""
	}
	states := map[string]int{}
	for _, row := range doc.Coverage {
		states[row.State]++
		switch row.State {
		case "delegated":
			// every NS set the row names refers the names of its block
			for _, owner := range row.Delegations {
				zn, err := rdns.ParseZoneName(owner, rdns.Slash)
				if err != nil {
					t.Fatal(err)
				}
				q := rdns.ReverseName(zn.Prefix.Addr().Next())
				if got := referral(ask(q)); got != owner {
					t.Errorf("%s delegated at %s: BIND answers %s with a referral at %q", row.Prefix, owner, q, got)
				}
			}
		case "explicit", "uncovered":
			p := netip.MustParsePrefix(row.Prefix)
			q := rdns.ReverseName(p.Addr().Next())
			in := ask(q)
			if row.State == "explicit" && (!in.Authoritative || len(in.Answer) == 0) {
				t.Errorf("%s explicit: BIND has no authoritative answer for %s: %v", row.Prefix, q, in)
			}
			if row.State == "uncovered" && (!in.Authoritative || in.Rcode != dns.RcodeNameError) {
				t.Errorf("%s uncovered: BIND answers %s with %s (aa %v), want NXDOMAIN", row.Prefix, q, dns.RcodeToString[in.Rcode], in.Authoritative)
			}
		case "delegation-overlap":
			// the first occluded record: its owner is read back from the zone file's line
			b, err := os.ReadFile(filepath.Join(dir, row.File))
			if err != nil {
				t.Fatal(err)
			}
			fields := strings.Fields(strings.Split(string(b), "\n")[row.Line-1])
			owner := fields[0]
			if !strings.HasSuffix(owner, ".") {
				owner += "." + map[bool]string{true: "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", false: "2.0.192.in-addr.arpa."}[strings.Contains(row.Prefix, ":")]
			}
			if got := referral(ask(owner)); got != row.Delegations[0] {
				t.Errorf("%s: the record at %s:%d (%s) is served, or not referred to %s (referral %q)", row.Prefix, row.File, row.Line, owner, row.Delegations[0], got)
			}
		}
	}
	if states["delegated"] != 2 || states["explicit"] != 1 || states["uncovered"] != 2 || states["delegation-overlap"] != 2 {
		t.Errorf("states %v", states)
	}
}
