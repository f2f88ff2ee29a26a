package cmd

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

// transfer delegate of IPv6 customer prefixes: a /56 gets one NS set at its
// nibble owner, a /50 four at its /52 owners; the zone passes
// named-checkzone, a real BIND refers names below them to the customer's
// servers (NS in the authority section, no AA), a second run changes
// nothing, and undelegate takes them away again.
func TestDelegateIPv6Prefixes(t *testing.T) {
	dir := copyExamples(t)
	zones, cfg := filepath.Join(dir, "zones"), filepath.Join(dir, "rdnsctl.yaml")
	zfile := "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.zone"
	before := snapshot(t, zones)[zfile]
	d56 := []string{"transfer", "delegate", "2001:db8:100:a00::/56", "--external", "--ns", "ns1.customer.example.", "--ns", "ns2.customer.example", "--config", cfg}
	d50 := []string{"transfer", "delegate", "2001:db8:100:4000::/50", "--ns", "ns1.other.example.", "--ns", "ns.4.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.=2001:db8:100:4000::53", "--config", cfg}
	r := run(t, "", "", d56...)
	if r.code != 0 || !strings.Contains(r.out, "a.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.") {
		t.Fatalf("preview: exit %d\n%s%s", r.code, r.out, r.err)
	}
	if got := snapshot(t, zones)[zfile]; got != before {
		t.Fatal("a preview wrote the zone")
	}
	for _, args := range [][]string{d56, d50} {
		if r := run(t, "", "", append(args, "--write")...); r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.err)
		}
	}
	zone := snapshot(t, zones)[zfile]
	nsAt := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^(\S+)\tIN\tNS\t`).FindAllStringSubmatch(zone, -1) {
		nsAt[m[1]]++
	}
	want := map[string]int{"a.0": 2, "4": 2, "5": 2, "6": 2, "7": 2}
	for owner, n := range want {
		if nsAt[owner] != n {
			t.Errorf("NS records at %s: %d, want %d\n%s", owner, nsAt[owner], n, zone)
		}
	}
	if len(nsAt) != len(want) {
		t.Errorf("NS owners %v, want exactly %v (apex NS are written with a blank owner)\n%s", nsAt, want, zone)
	}
	if !strings.Contains(zone, "ns.4\tIN\tAAAA\t2001:db8:100:4000::53\n") || strings.Count(zone, "AAAA") != 1 {
		t.Errorf("want exactly one glue record, for the in-zone name server:\n%s", zone)
	}
	checkZones(t, zones)
	for _, args := range [][]string{d56, d50} {
		if r := run(t, "", "", append(args, "--write", "--expect-no-changes")...); r.code != 0 {
			t.Errorf("second run of %v: exit %d\n%s", args, r.code, r.err)
		}
	}
	if _, err := exec.LookPath("dig"); err == nil {
		abs, _ := filepath.Abs(filepath.Join(zones, zfile))
		addr := dnstest.StartNamed(t, []dnstest.Zone{{Origin: "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", File: abs}})
		for _, c := range []struct{ name, cut, ns string }{
			{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.a.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "a.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "ns1.customer.example."},
			{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.9.5.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "5.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "ns1.other.example."},
			{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.f.f.f.7.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "7.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "ns.4.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."},
		} {
			ans := digFull(t, addr, c.name)
			if !strings.Contains(ans, "AUTHORITY: 2") || !strings.Contains(ans, c.cut+" 86400 IN NS "+c.ns) {
				t.Errorf("%s: no referral to %s at %s:\n%s", c.name, c.ns, c.cut, ans)
			}
			if regexp.MustCompile(`flags:[a-z ]* aa[ ;]`).MatchString(ans) {
				t.Errorf("%s: a referral must not be authoritative:\n%s", c.name, ans)
			}
		}
		// outside the delegations BIND still answers itself
		ans := digFull(t, addr, "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.")
		if !strings.Contains(ans, "IN PTR mail.acme-widgets.example.") || !regexp.MustCompile(`flags:[a-z ]* aa[ ;]`).MatchString(ans) {
			t.Errorf("2001:db8:100:10::25 is not delegated; want BIND's authoritative PTR:\n%s", ans)
		}
	} else {
		t.Log("dig not installed: BIND's referrals not checked")
	}
	for _, p := range []string{"2001:db8:100:a00::/56", "2001:db8:100:4000::/50"} {
		if r := run(t, "", "", "transfer", "undelegate", p, "--config", cfg, "--write"); r.code != 0 {
			t.Fatalf("undelegate %s: exit %d\n%s", p, r.code, r.err)
		}
	}
	zone = snapshot(t, zones)[zfile]
	if strings.Count(zone, "\tNS\t") != 2 || strings.Contains(zone, "AAAA") {
		t.Errorf("undelegate left delegation records:\n%s", zone)
	}
	checkZones(t, zones)
}

// A delegation over explicit PTRs of the parent is refused with the file and
// line of the first; --move sends them to a new child zone, --force leaves
// them.
func TestDelegateIPv6OverPTRs(t *testing.T) {
	dir := copyExamples(t)
	zones, cfg := filepath.Join(dir, "zones"), filepath.Join(dir, "rdnsctl.yaml")
	zfile := "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.zone"
	args := []string{"transfer", "delegate", "2001:db8:100::/52", "--ns", "ns1.example.net.", "--config", cfg}
	r := run(t, "", "", append(args, "--write")...)
	if r.code != 2 || !strings.Contains(r.err, zfile+":9:") || !strings.Contains(r.err, "holds 2 explicit PTR(s)") {
		t.Fatalf("want exit 2 with file:line of the first PTR, got %d\n%s", r.code, r.err)
	}
	r = run(t, "", "", append(args, "--force", "--write")...)
	if r.code != 0 || !strings.Contains(snapshot(t, zones)[zfile], "PTR\tgw-zrh1.example.net.") {
		t.Fatalf("--force: exit %d, PTRs must stay\n%s", r.code, r.err)
	}
	run(t, "", "", "transfer", "undelegate", "2001:db8:100::/52", "--config", cfg, "--write")
	r = run(t, "", "", append(args, "--move", "--write")...)
	if r.code != 0 {
		t.Fatalf("--move: exit %d\n%s", r.code, r.err)
	}
	after := snapshot(t, zones)
	child := after["0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.zone"]
	if !strings.Contains(child, "PTR\tgw-zrh1.example.net.") || !strings.Contains(child, "PTR\tmail.acme-widgets.example.") {
		t.Errorf("the child zone lacks the moved PTRs:\n%s", child)
	}
	if strings.Contains(after[zfile], "\tPTR\t") {
		t.Errorf("the parent kept PTRs under the delegation:\n%s", after[zfile])
	}
	checkZones(t, zones)
	if r := run(t, "", "", append(args, "--move", "--write", "--expect-no-changes")...); r.code != 0 {
		t.Errorf("second run: exit %d\n%s", r.code, r.err)
	}
}

// digFull asks one question without recursion and returns dig's whole
// output (header flags and sections) on one line.
func digFull(t *testing.T, addr, name string) string {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	if i := strings.LastIndex(addr, ":"); i >= 0 {
		host, port = addr[:i], addr[i+1:]
	}
	out, err := exec.Command("dig", "@"+host, "-p", port, "+norec", "+time=2", "+tries=1", name, "PTR").CombinedOutput()
	if err != nil {
		t.Fatalf("dig %s: %v\n%s", name, err, out)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(string(out), "\n", " | ")), " ")
}
