package audit

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/ipam"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

var defs = rdns.Defaults{
	{Prefix: netip.MustParsePrefix("198.51.100.0/24"), Template: rdns.MustTemplate("{dashed}.cust.example.net.")},
	{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Template: rdns.MustTemplate("{dashed}.dyn.example.net.")},
}

const head = "$TTL 3600\n@ SOA ns1.example.net. h.example.net. 1 2 3 4 5\n@ NS ns1.example.net.\n"

func load(t *testing.T, files map[string]string, csv string) (*zoneset.Set, *ipam.Export) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	s, err := zoneset.Load([]zoneset.Spec{{Path: dir}}, zoneset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Problems) > 0 {
		t.Fatal(s.Problems)
	}
	exp, err := ipam.Read(strings.NewReader(csv), "ipam.csv", ipam.Options{Format: "netbox"})
	if err != nil {
		t.Fatal(err)
	}
	return s, exp
}

// Every planted problem is found in its category, and nothing else.
func TestPlanted(t *testing.T) {
	zone := "$ORIGIN 100.51.198.in-addr.arpa.\n" + head + `
1 PTR 198-51-100-1.cust.example.net.
2 PTR 198-51-100-2.cust.example.net.
3 PTR www.shop.example.
4 PTR vpn.oldcorp.example.
5 PTR vpn.former.example.
6 PTR 198-51-100-6.cust.example.net.
7 PTR a.example.
7 PTR b.example.
8 PTR mail.example.com
9 PTR 198-51-100-9.cust.example.net.
10 PTR mx.customer.example.
11 PTR 198-51-100-11.cust.example.net.
11 PTR custom.example.
0/26 NS ns1.customer.example.
`
	files := map[string]string{"db.198.51.100": strings.Replace(zone, "0/26 NS", "64/26 NS", 1) + "$GENERATE 64-127 $ CNAME $.64/26\n",
		"db.203.0.113": "$ORIGIN 113.0.203.in-addr.arpa.\n" + head + "9 PTR lost.example.\n"}
	csv := `address,vrf,tenant,status,dns_name
198.51.100.1/24,,,active,
198.51.100.2/24,,,active,
198.51.100.3/24,,shop,active,www.shop.example
198.51.100.4/24,,,deprecated,
198.51.100.6/24,,acme,active,mail.acme.example
198.51.100.7/24,,,active,b.example
198.51.100.8/24,,,active,
198.51.100.9/24,,dentist,active,
198.51.100.10/24,,customer,active,MX.Customer.Example.
198.51.100.11/24,,,active,
198.51.100.20/24,,,active,
198.51.100.70/24,,,active,
192.0.2.5/24,,,active,
`
	s, exp := load(t, files, csv)
	res := Run(s, exp, Options{Defaults: defs, ShowInfo: true})
	got := map[string]string{}
	for _, f := range res.Findings {
		got[f.Addr.String()] += string(f.Category)
	}
	want := map[string]string{
		"198.51.100.4":  "stale",               // deprecated, custom PTR
		"198.51.100.5":  "stale",               // absent inside a managed /24, custom PTR
		"198.51.100.6":  "mismatch",            // default PTR, IPAM names a host
		"198.51.100.7":  "duplicate",           // two PTRs
		"198.51.100.8":  "invalid",             // lost its final dot
		"198.51.100.9":  "default-on-assigned", // customer, no name, default PTR
		"198.51.100.11": "duplicate",           // default and custom
		"198.51.100.20": "missing",
		"198.51.100.70": "delegated",
		"192.0.2.5":     "unmanaged",
		"203.0.113.9":   "orphan",
	}
	for ip, c := range want {
		if got[ip] != c {
			t.Errorf("%s: got %q, want %q", ip, got[ip], c)
		}
	}
	for ip, c := range got {
		if _, ok := want[ip]; !ok {
			t.Errorf("unexpected finding %s: %s", ip, c)
		}
	}
	// Without ShowInfo the info findings are counted, not listed.
	quiet := Run(s, exp, Options{Defaults: defs})
	if len(quiet.Findings) != len(res.Findings)-2 {
		t.Errorf("%d findings without ShowInfo, want %d", len(quiet.Findings), len(res.Findings)-2)
	}
	for _, f := range quiet.Findings {
		if f.Category.Info() {
			t.Errorf("info finding listed without ShowInfo: %+v", f)
		}
	}
	if sum := quiet.Summary(); sum["default-on-assigned"] != 1 || sum["delegated"] != 1 || sum["missing"] != 1 {
		t.Errorf("summary without ShowInfo: %v", sum)
	}
	if !quiet.Failing(map[Category]bool{Delegated: true}) || quiet.Failing(map[Category]bool{Unmanaged: false}) {
		t.Error("Failing does not see the counted info findings")
	}
	// the fix plan: what each fixable finding becomes
	cs, _ := Fix(res.Findings, FixOptions{})
	var plan []string
	for _, c := range cs.Changes {
		plan = append(plan, fmt.Sprintf("%s %s %s>%s", c.Action, c.Addr, c.Old, c.New))
	}
	wantPlan := []string{
		"replace 198.51.100.4 vpn.oldcorp.example.>198-51-100-4.cust.example.net.",
		"replace 198.51.100.5 vpn.former.example.>198-51-100-5.cust.example.net.",
		"replace 198.51.100.6 198-51-100-6.cust.example.net.>mail.acme.example.",
		"delete 198.51.100.7 a.example.>",
		"delete 198.51.100.11 198-51-100-11.cust.example.net.>",
		"add 198.51.100.20 >198-51-100-20.cust.example.net.",
	}
	if strings.Join(plan, "\n") != strings.Join(wantPlan, "\n") {
		t.Errorf("fix plan:\n%s\nwant:\n%s", strings.Join(plan, "\n"), strings.Join(wantPlan, "\n"))
	}
}

// No false positives on a clean zone set of 100k PTRs.
func TestCleanHundredThousand(t *testing.T) {
	files := map[string]string{}
	var csv strings.Builder
	csv.WriteString("address,vrf,tenant,status,dns_name\n")
	n := 0
	for z := 0; z < 391 && n < 100_000; z++ {
		var b strings.Builder
		fmt.Fprintf(&b, "$ORIGIN %d.%d.10.in-addr.arpa.\n%s", z%256, z/256, head)
		for d := 0; d < 256 && n < 100_000; d++ {
			ip := fmt.Sprintf("10.%d.%d.%d", z/256, z%256, d)
			if d%10 == 3 {
				fmt.Fprintf(&b, "%d PTR host%d.customer.example.\n", d, n)
				fmt.Fprintf(&csv, "%s/16,,cust%d,active,host%d.customer.example\n", ip, n, n)
			} else {
				fmt.Fprintf(&b, "%d PTR %s.dyn.example.net.\n", d, strings.ReplaceAll(ip, ".", "-"))
				fmt.Fprintf(&csv, "%s/16,,,active,\n", ip)
			}
			n++
		}
		files[fmt.Sprintf("db.10.%d.%d", z/256, z%256)] = b.String()
	}
	s, exp := load(t, files, csv.String())
	res := Run(s, exp, Options{Defaults: defs})
	if res.Checked != 100_000 {
		t.Errorf("checked %d addresses", res.Checked)
	}
	for i, f := range res.Findings {
		if i == 10 {
			break
		}
		t.Errorf("false positive: %+v", f)
	}
}

// An export without prefixes: the /24 of every IPAM address counts as
// managed (an absent address's custom PTR is stale), but no PTR is called
// an orphan.
func TestInferredPrefixes(t *testing.T) {
	files := map[string]string{
		"db.198.51.100": "$ORIGIN 100.51.198.in-addr.arpa.\n" + head + "1 PTR 198-51-100-1.cust.example.net.\n4 PTR vpn.oldcorp.example.\n",
		"db.203.0.113":  "$ORIGIN 113.0.203.in-addr.arpa.\n" + head + "9 PTR elsewhere.example.\n",
	}
	dir := t.TempDir()
	for name, body := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	s, err := zoneset.Load([]zoneset.Spec{{Path: dir}}, zoneset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := ipam.Read(strings.NewReader("address,hostname,status\n198.51.100.1,,active\n"), "ipam.csv", ipam.Options{Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	res := Run(s, exp, Options{Defaults: defs})
	if len(res.Findings) != 1 || res.Findings[0].Category != Stale || res.Findings[0].Addr.String() != "198.51.100.4" {
		t.Fatalf("findings %+v, want only 198.51.100.4 stale", res.Findings)
	}
}
