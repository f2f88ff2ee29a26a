package cmd

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

const auditFixConfig = `zones: [zones]
ipam: IPAM
defaults:
  - prefix: 198.51.100.0/24
    template: "{dashed}.cust.example.net."
`

// plantedSet is a zone set and an IPAM export with every kind of finding
// and their combinations at one address: duplicates whose surviving PTR
// would be stale, mismatched or missing from IPAM's name, in a /24 with a
// default template and in one without (203.0.113.0/24).
type plantedSet struct {
	zones map[string]string // file -> text
	ipam  string
}

// planted draws a set from seed: for each address, 0-3 PTRs among the
// default, IPAM's name and two custom names, and an IPAM row that is absent,
// active with or without a name and customer, reserved, deprecated or
// free. netbox writes the containing prefix (explicit managed space); the
// generic CSV does not (inferred).
func planted(seed uint64, netbox bool) plantedSet {
	rng := rand.New(rand.NewPCG(seed, 2026))
	ps := plantedSet{zones: map[string]string{}}
	var csv strings.Builder
	if netbox {
		csv.WriteString("address,vrf,tenant,status,dns_name\n")
	} else {
		csv.WriteString("address,hostname,status,customer\n")
	}
	for _, block := range []struct{ prefix, origin, file, def string }{
		{"198.51.100", "100.51.198.in-addr.arpa.", "db.198.51.100", "%s.cust.example.net."},
		{"203.0.113", "113.0.203.in-addr.arpa.", "db.203.0.113", ""},
	} {
		var z strings.Builder
		fmt.Fprintf(&z, "$ORIGIN %s\n$TTL 3600\n@\tIN\tSOA\tns1.example.net. hostmaster.example.net. 2026010100 7200 3600 1209600 3600\n\tIN\tNS\tns1.example.net.\n", block.origin)
		for d := 1; d < 64; d++ {
			ip := fmt.Sprintf("%s.%d", block.prefix, d)
			name := fmt.Sprintf("host%d.customer.example.", d)
			var cands []string
			if block.def != "" {
				cands = append(cands, fmt.Sprintf(block.def, strings.ReplaceAll(ip, ".", "-")))
			}
			cands = append(cands, name, fmt.Sprintf("old%d.former.example.", d), fmt.Sprintf("other%d.former.example.", d))
			n := rng.IntN(4)
			for _, i := range rng.Perm(len(cands))[:min(n, len(cands))] {
				fmt.Fprintf(&z, "%d\tIN\tPTR\t%s\n", d, cands[i])
			}
			status := []string{"", "active", "active", "active", "reserved", "deprecated", "free"}[rng.IntN(7)]
			if status == "" {
				continue // absent from IPAM
			}
			host, customer := "", ""
			if rng.IntN(2) == 0 {
				host = strings.TrimSuffix(name, ".")
			}
			if rng.IntN(2) == 0 {
				customer = fmt.Sprintf("c%d", d)
			}
			if status == "free" && !netbox {
				status = "deprecated" // the generic CSV reader's words
			}
			if netbox {
				fmt.Fprintf(&csv, "%s/24,,%s,%s,%s\n", ip, customer, status, host)
			} else {
				fmt.Fprintf(&csv, "%s,%s,%s,%s\n", ip, host, status, customer)
			}
		}
		ps.zones[block.file] = z.String()
	}
	ps.ipam = csv.String()
	return ps
}

type auditJSON struct {
	Findings []struct {
		Category, IP, Reason string
		PTR                  []string
		PTRCount             int `json:"ptr_count"`
		Fixable              bool
	} `json:"findings"`
	Summary map[string]int `json:"summary"`
}

func auditOut(t *testing.T, r result) auditJSON {
	t.Helper()
	var out auditJSON
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatalf("audit -o json: %v\nstdout:\n%s\nstderr:\n%s", err, r.out, r.err)
	}
	return out
}

// One audit --fix --write reaches the fixpoint: the audit after it finds
// nothing fixable (a duplicate whose surviving PTR is stale used to need a
// second run), and a second --fix changes nothing. Several planted sets,
// both stale modes, both kinds of export; every zone written passes
// named-checkzone.
func TestAuditFixReachesFixpoint(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		for _, netbox := range []bool{true, false} {
			for _, stale := range []string{"reset", "delete"} {
				t.Run(fmt.Sprintf("seed%d/netbox=%v/stale=%s", seed, netbox, stale), func(t *testing.T) {
					ps := planted(seed, netbox)
					files := map[string]string{"ipam.csv": ps.ipam}
					for f, text := range ps.zones {
						files["zones/"+f] = text
					}
					files["rdnsctl.yaml"] = strings.Replace(auditFixConfig, "IPAM", "ipam.csv", 1)
					dir := writeTree(t, files)
					cfg := filepath.Join(dir, "rdnsctl.yaml")
					before := auditOut(t, run(t, "", "", "audit", "--config", cfg, "-o", "json"))
					fixable := 0
					for _, f := range before.Findings {
						if f.Fixable {
							fixable++
						}
					}
					if fixable == 0 {
						t.Fatal("the planted set has nothing fixable")
					}
					r := run(t, "", "", "audit", "--config", cfg, "--fix", "--write", "--no-validate", "--stale", stale, "--force")
					if r.code != 0 {
						t.Fatalf("fix: exit %d\n%s", r.code, r.err)
					}
					checkZones(t, filepath.Join(dir, "zones"))
					after := auditOut(t, run(t, "", "", "audit", "--config", cfg, "-o", "json"))
					for _, f := range after.Findings {
						if f.Fixable {
							t.Errorf("fixable after one --fix --write: %s %s ptr=%q: %s", f.Category, f.IP, f.PTR, f.Reason)
						}
					}
					r = run(t, "", "", "audit", "--config", cfg, "--fix", "--write", "--no-validate", "--stale", stale, "--force")
					if r.code != 0 || !strings.Contains(r.err, "no changes") {
						t.Errorf("second fix: exit %d, want no changes\n%s", r.code, r.err)
					}
				})
			}
		}
	}
}

// --prefix limits findings and fixes to its blocks: nothing outside them is
// reported or written.
func TestAuditPrefixLimits(t *testing.T) {
	ps := planted(7, true)
	files := map[string]string{"ipam.csv": ps.ipam, "rdnsctl.yaml": strings.Replace(auditFixConfig, "IPAM", "ipam.csv", 1)}
	for f, text := range ps.zones {
		files["zones/"+f] = text
	}
	dir := writeTree(t, files)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	all := auditOut(t, run(t, "", "", "audit", "--config", cfg, "-o", "json"))
	inside := func(ip string) bool {
		var d int
		fmt.Sscanf(ip[strings.LastIndexByte(ip, '.')+1:], "%d", &d)
		return strings.HasPrefix(ip, "198.51.100.") && d >= 16 && d < 32
	}
	want := 0
	for _, f := range all.Findings {
		if inside(f.IP) {
			want++
		}
	}
	if want == 0 || want == len(all.Findings) {
		t.Fatalf("%d of %d findings inside the block: the test needs some on both sides", want, len(all.Findings))
	}
	some := auditOut(t, run(t, "", "", "audit", "--config", cfg, "-o", "json", "--prefix", "198.51.100.16/28"))
	for _, f := range some.Findings {
		if !inside(f.IP) {
			t.Errorf("--prefix 198.51.100.16/28 reports %s %s", f.Category, f.IP)
		}
	}
	if len(some.Findings) != want {
		t.Errorf("--prefix: %d findings, want %d", len(some.Findings), want)
	}
	zone := filepath.Join(dir, "zones", "db.198.51.100")
	other := filepath.Join(dir, "zones", "db.203.0.113")
	oldOther, _ := os.ReadFile(other)
	r := run(t, "", "", "audit", "--config", cfg, "--fix", "--write", "--no-validate", "--force", "--prefix", "198.51.100.16/28", "-o", "json")
	if r.code != 0 {
		t.Fatalf("fix: exit %d\n%s", r.code, r.err)
	}
	var plan struct {
		Changes []struct{ IP string } `json:"changes"`
	}
	if err := json.Unmarshal([]byte(r.out), &plan); err != nil || len(plan.Changes) == 0 {
		t.Fatalf("plan: %v\n%s", err, r.out)
	}
	for _, c := range plan.Changes {
		if !inside(c.IP) {
			t.Errorf("--prefix --fix changed %s", c.IP)
		}
	}
	if b, _ := os.ReadFile(other); string(b) != string(oldOther) {
		t.Errorf("%s changed", other)
	}
	_ = zone
	after := auditOut(t, run(t, "", "", "audit", "--config", cfg, "-o", "json"))
	left := 0
	for _, f := range after.Findings {
		if inside(f.IP) && f.Fixable {
			t.Errorf("fixable inside the block after the fix: %s %s", f.Category, f.IP)
		}
		if !inside(f.IP) {
			left++
		}
	}
	if left != len(all.Findings)-want {
		t.Errorf("%d findings outside the block after the fix, want %d untouched", left, len(all.Findings)-want)
	}
}

// audit --fix validates the names it takes from IPAM by default: a name
// that does not resolve back is left alone and reported; the default names
// need no lookup.
func TestAuditFixValidates(t *testing.T) {
	dir := copyExamples(t)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	// the examples' fixes: 198.51.100.12 mismatch -> shop.bakery.example
	// (IPAM's name), .20 stale -> default, .22 missing -> default
	good := dnstest.NewServer(t, dnstest.Handler(t, "shop.bakery.example. 300 IN A 198.51.100.12"))
	bad := dnstest.NewServer(t, dnstest.Handler(t, "shop.bakery.example. 300 IN A 192.0.2.99"))
	alias := dnstest.NewServer(t, dnstest.Handler(t, "shop.bakery.example. 300 IN CNAME www.bakery.example.",
		"www.bakery.example. 300 IN A 198.51.100.12"))
	for _, tt := range []struct {
		name     string
		resolver string
		changes  int
		stderr   string
	}{
		{"refused", bad, 2, "198.51.100.12: not fixed: shop.bakery.example. resolves to 192.0.2.99, not 198.51.100.12"},
		{"alias refused", alias, 2, "is an alias (CNAME) of www.bakery.example."},
		{"validated", good, 3, "1 name(s) taken from IPAM validated"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "", "", "audit", "--config", cfg, "--fix", "-o", "json", "--resolver", tt.resolver, "--retries", "0")
			var plan struct {
				Changes []struct{ IP, New string } `json:"changes"`
			}
			if err := json.Unmarshal([]byte(r.out), &plan); err != nil {
				t.Fatalf("%v\n%s\n%s", err, r.out, r.err)
			}
			if len(plan.Changes) != tt.changes || !strings.Contains(r.err, tt.stderr) {
				t.Errorf("%d changes, want %d; stderr:\n%s\nwant it to hold %q", len(plan.Changes), tt.changes, r.err, tt.stderr)
			}
		})
	}
}

// A multiple-PTR finding of 100k PTRs at one owner lists the first few
// targets and lines with the count, and the audit stays linear.
func TestAuditManyPTRsAtOneOwner(t *testing.T) {
	var z strings.Builder
	z.WriteString("$ORIGIN 100.51.198.in-addr.arpa.\n$TTL 3600\n@\tIN\tSOA\tns1.example.net. hostmaster.example.net. 2026010100 7200 3600 1209600 3600\n\tIN\tNS\tns1.example.net.\n")
	const n = 100_000
	for i := range n {
		fmt.Fprintf(&z, "5\tIN\tPTR\th%d.example.com.\n", i)
	}
	dir := writeTree(t, map[string]string{
		"zones/db.198.51.100": z.String(),
		"ipam.csv":            "address,hostname,status\n198.51.100.5,h7.example.com,active\n",
		"rdnsctl.yaml":        strings.Replace(auditFixConfig, "IPAM", "ipam.csv", 1),
	})
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	r := run(t, "", "", "audit", "--config", cfg, "-o", "json")
	out := auditOut(t, r)
	if len(out.Findings) != 1 {
		t.Fatalf("%d findings, want one duplicate", len(out.Findings))
	}
	f := out.Findings[0]
	if f.Category != "duplicate" || f.PTRCount != n || len(f.PTR) != 10 || !strings.Contains(f.Reason, fmt.Sprintf("and %d more", n-10)) {
		t.Errorf("finding %s ptr_count=%d ptr=%d targets, reason %.200q", f.Category, f.PTRCount, len(f.PTR), f.Reason)
	}
	if len(r.out) > 4096 {
		t.Errorf("the report of one address is %d bytes", len(r.out))
	}
	// and the fix is linear too: it keeps IPAM's name, deletes the others
	// (the patcher indexes an owner's records instead of scanning them for
	// each change)
	r = run(t, "", "", "audit", "--config", cfg, "--fix", "--write", "--no-validate", "--force", "-o", "json")
	if r.code != 0 {
		t.Fatalf("fix: exit %d\n%.2000s", r.code, r.err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "zones", "db.198.51.100"))
	if err != nil || strings.Count(string(b), "\tPTR\t") != 1 || !strings.Contains(string(b), "5\tIN\tPTR\th7.example.com.\n") {
		t.Errorf("after the fix the zone holds %d PTRs (%v), want h7 alone", strings.Count(string(b), "\tPTR\t"), err)
	}
	checkZones(t, filepath.Join(dir, "zones"))
}
