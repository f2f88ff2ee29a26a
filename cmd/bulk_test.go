package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
	"github.com/rdnsctl/rdnsctl/resolver"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

const bulkConfig = `zones: [zones]
defaults:
  - prefix: 10.20.0.0/16
    template: "{dashed}.dyn.example.net."
zone_template:
  ttl: 3600
  primary: ns1.example.net.
  contact: hostmaster.example.net.
  ns: [ns1.example.net., ns2.example.net.]
`

func zoneText(origin string, ptrs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL 3600\n@\tIN\tSOA\tns1.example.net. hostmaster.example.net. 2026010100 7200 3600 1209600 3600\n\tIN\tNS\tns1.example.net.\n", origin)
	for _, p := range ptrs {
		b.WriteString(p + "\n")
	}
	return b.String()
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// block-init on a /22 with one custom PTR in each existing /24 writes four
// zones (creating the missing ones), keeps the custom PTRs, and a second run
// changes nothing.
func TestBlockInitSlash22(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"rdnsctl.yaml":     bulkConfig,
		"zones/db.10.20.0": zoneText("0.20.10.in-addr.arpa.", "7\tIN\tPTR\tmail.customer-a.example."),
		"zones/db.10.20.2": zoneText("2.20.10.in-addr.arpa.", "200\tIN\tPTR\tvpn.customer-b.example."),
	})
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	r := run(t, "", "", "block-init", "10.20.0.0/22", "--config", cfg, "--write", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.err)
	}
	s, err := zoneset.Load([]zoneset.Spec{{Path: filepath.Join(dir, "zones")}}, zoneset.Options{})
	if err != nil || len(s.Problems) > 0 {
		t.Fatal(err, s.Problems)
	}
	if len(s.Zones) != 4 {
		t.Fatalf("%d zones after block-init, want 4", len(s.Zones))
	}
	for _, z := range s.Zones {
		if z.Count() != 256 {
			t.Errorf("%s holds %d PTRs, want 256", z.Origin, z.Count())
		}
	}
	for ip, want := range map[string]string{"10.20.0.7": "mail.customer-a.example.", "10.20.2.200": "vpn.customer-b.example.",
		"10.20.1.9": "10-20-1-9.dyn.example.net.", "10.20.3.255": "10-20-3-255.dyn.example.net."} {
		l := s.Lookup(netip.MustParseAddr(ip))
		if len(l.PTRs) != 1 || l.Zone.Records[l.PTRs[0]].Data != want {
			t.Errorf("%s: %+v, want %s", ip, l, want)
		}
	}
	checkZones(t, filepath.Join(dir, "zones"))
	before := snapshot(t, dir)
	r = run(t, "", "", "block-init", "10.20.0.0/22", "--config", cfg, "--write", "--expect-no-changes")
	if r.code != 0 {
		t.Fatalf("second run: exit %d\n%s%s", r.code, r.out, r.err)
	}
	after := snapshot(t, dir)
	for f, b := range before {
		if after[f] != b && !strings.HasSuffix(f, ".jsonl") {
			t.Errorf("second run changed %s", f)
		}
	}
}

// A change inside a $GENERATE range splits the range around the address.
func TestGenerateSplit(t *testing.T) {
	dir := copyExamples(t)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	before := recordSet(t, filepath.Join(dir, "zones"))
	r := run(t, "", "", "set", "192.0.2.50", "shop.customer.example.", "--no-validate", "--config", cfg, "--write")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "zones", "db.192.0.2"))
	text := string(b)
	for _, want := range []string{"$GENERATE 10-49 $ PTR 192-0-2-$.pool1.example.net.", "$GENERATE 51-254 $ PTR 192-0-2-$.pool1.example.net.", "shop.customer.example."} {
		if !strings.Contains(text, want) {
			t.Errorf("zone lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "\n$GENERATE"); n != 2 {
		t.Errorf("%d $GENERATE lines, want 2:\n%s", n, text)
	}
	after := recordSet(t, filepath.Join(dir, "zones"))
	gone, added := diffLines(before, after)
	if len(gone) != 1 || len(added) != 1 || !strings.HasPrefix(gone[0], "50.2.0.192.in-addr.arpa.") ||
		!strings.HasSuffix(added[0], "PTR\tshop.customer.example.") {
		t.Errorf("record set changed by %v -> %v, want only the PTR of 192.0.2.50", gone, added)
	}
	checkZones(t, filepath.Join(dir, "zones"))
}

// mass-rename changes exactly the matching PTRs, and a $GENERATE line as a line.
func TestMassRename(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		changed int // PTR records in the record set that change
		genLine string
	}{
		{"suffix over a $GENERATE pool", []string{"192.0.2.0/24", "--force", "--suffix", "pool1.example.net", "--to-suffix", "pool2.example.net."}, 245,
			"$GENERATE 10-254 $ PTR 192-0-2-$.pool2.example.net."},
		{"regexp on defaults only", []string{"198.51.100.0/24", "--force", "--from", `^(198-51-100-\d+)\.customers\.example\.net\.$`, "--to", "$1.cust.example.net."}, 7, ""},
		{"no match", []string{"203.0.113.0/24", "--suffix", "nowhere.example.", "--to-suffix", "else.example."}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyExamples(t)
			cfg := filepath.Join(dir, "rdnsctl.yaml")
			before := recordSet(t, filepath.Join(dir, "zones"))
			r := run(t, "", "", append([]string{"mass-rename", "--config", cfg, "--write"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.err)
			}
			after := recordSet(t, filepath.Join(dir, "zones"))
			gone, added := diffLines(before, after)
			if len(gone) != tt.changed || len(added) != tt.changed {
				t.Fatalf("%d records gone, %d added; want %d each\n%v\n%v", len(gone), len(added), tt.changed, gone, added)
			}
			for _, g := range gone {
				if !strings.Contains(g, "\tPTR\t") {
					t.Errorf("non-PTR record changed: %s", g)
				}
			}
			if tt.genLine != "" {
				b, _ := os.ReadFile(filepath.Join(dir, "zones", "db.192.0.2"))
				if !strings.Contains(string(b), tt.genLine) || strings.Count(string(b), "\n") > 10 {
					t.Errorf("the $GENERATE line was not rewritten as a line:\n%s", b)
				}
			}
			checkZones(t, filepath.Join(dir, "zones"))
			r = run(t, "", "", append([]string{"mass-rename", "--config", cfg, "--write", "--expect-no-changes"}, tt.args...)...)
			if r.code != 0 {
				t.Errorf("second run: exit %d\n%s", r.code, r.err)
			}
		})
	}
}

// The mass-damage guard refuses a plan replacing more than --max-change of a
// zone's PTRs, naming the zone and the share.
func TestMaxChangeGuard(t *testing.T) {
	dir := copyExamples(t)
	before := snapshot(t, dir)
	r := run(t, "", "", "mass-rename", "198.51.100.0/24", "--config", filepath.Join(dir, "rdnsctl.yaml"), "--write",
		"--suffix", "customers.example.net.", "--to-suffix", "cust.example.net.")
	if r.code != 2 || !strings.Contains(r.err, "100.51.198.in-addr.arpa.: 6 of 12 PTRs (50%)") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.err)
	}
	if after := snapshot(t, dir); after["zones/db.198.51.100"] != before["zones/db.198.51.100"] {
		t.Fatal("zone written despite the guard")
	}
	r = run(t, "", "", "mass-rename", "198.51.100.0/24", "--config", filepath.Join(dir, "rdnsctl.yaml"), "--write", "--max-change", "60",
		"--suffix", "customers.example.net.", "--to-suffix", "cust.example.net.")
	if r.code != 0 {
		t.Fatalf("with --max-change 60: exit %d\n%s", r.code, r.err)
	}
}

func TestMassRenameRefusesInvalidNames(t *testing.T) {
	dir := copyExamples(t)
	before := snapshot(t, dir)
	r := run(t, "", "", "mass-rename", "198.51.100.0/24", "--config", filepath.Join(dir, "rdnsctl.yaml"), "--write",
		"--from", `customers\.example\.net\.$`, "--to", "cust_omers.example.net.")
	if r.code != 2 || !strings.Contains(r.err, "198.51.100.2") || !strings.Contains(r.err, "cust_omers") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.err)
	}
	if after := snapshot(t, dir); after["zones/db.198.51.100"] != before["zones/db.198.51.100"] {
		t.Fatal("zone written despite invalid names")
	}
}

// transfer delegate then undelegate gives back the original record set; a
// real BIND answers the block's PTR queries the same before, between and
// after (through the CNAMEs while delegated).
func TestTransferRoundTrip(t *testing.T) {
	for _, style := range []string{"slash", "rfc4183", "range"} {
		t.Run(style, func(t *testing.T) {
			dir := copyExamples(t)
			zones := filepath.Join(dir, "zones")
			cfg := filepath.Join(dir, "rdnsctl.yaml")
			block := "198.51.100.192/27"
			orig := recordSet(t, zones)
			answers := ptrAnswers(t, zones, block)
			r := run(t, "", "", "transfer", "delegate", block, "--style", style, "--config", cfg, "--write")
			if r.code != 0 {
				t.Fatalf("delegate: exit %d\n%s", r.code, r.err)
			}
			checkZones(t, zones)
			if got := ptrAnswers(t, zones, block); !slices.Equal(got, answers) {
				t.Errorf("answers while delegated:\n%v\nwant\n%v", got, answers)
			}
			r = run(t, "", "", "transfer", "delegate", block, "--style", style, "--config", cfg, "--write", "--expect-no-changes")
			if r.code != 0 {
				t.Errorf("second delegate: exit %d\n%s", r.code, r.err)
			}
			r = run(t, "", "", "transfer", "undelegate", block, "--config", cfg, "--write")
			if r.code != 0 {
				t.Fatalf("undelegate: exit %d\n%s", r.code, r.err)
			}
			checkZones(t, zones)
			back := recordSet(t, zones)
			if gone, added := diffLines(orig, back); len(gone)+len(added) > 0 {
				t.Errorf("round trip changed the record set:\n-%v\n+%v", gone, added)
			}
			if got := ptrAnswers(t, zones, block); !slices.Equal(got, answers) {
				t.Errorf("answers after undelegate:\n%v\nwant\n%v", got, answers)
			}
		})
	}
}

// ptrAnswers starts BIND on the zones and asks it the PTR of every address
// of the block (following CNAMEs); without named it answers from the files.
func ptrAnswers(t *testing.T, zones, block string) []string {
	t.Helper()
	s, err := zoneset.Load([]zoneset.Spec{{Path: zones}}, zoneset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var r resolver.Resolver = resolver.NewOffline(s)
	if _, err := lookPath("named"); err == nil {
		var zs []dnstest.Zone
		for _, z := range s.Zones {
			abs, _ := filepath.Abs(z.Path)
			zs = append(zs, dnstest.Zone{Origin: z.Origin, File: abs})
		}
		addr := dnstest.StartNamed(t, zs)
		c, err := resolver.New(resolver.Config{Servers: []string{addr}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		r = c
	} else {
		t.Log("named not installed (Debian package bind9): answers taken from the zone files")
	}
	p := netip.MustParsePrefix(block)
	var out []string
	for a := p.Addr(); p.Contains(a); a = a.Next() {
		names, err := r.PTR(context.Background(), a)
		if err != nil {
			t.Fatalf("PTR %s: %v", a, err)
		}
		out = append(out, a.String()+"="+strings.Join(names, ","))
	}
	return out
}

// transfer export writes a standalone zone and CSV and removes (or CNAMEs)
// the block; transfer import of either brings the record set back.
func TestTransferExportImport(t *testing.T) {
	for _, tt := range []struct {
		name, cnameTo, importFile string
	}{
		{"remove, import the zone file", "", "192/27.100.51.198.in-addr.arpa.zone"},
		{"cname, import the csv", "192-27.rev.other.example.", "198.51.100.192_27.csv"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyExamples(t)
			zones, cfg, out := filepath.Join(dir, "zones"), filepath.Join(dir, "rdnsctl.yaml"), filepath.Join(dir, "handover")
			orig := recordSet(t, zones)
			args := []string{"transfer", "export", "198.51.100.192/27", "--out", out, "--config", cfg, "--write"}
			if tt.cnameTo != "" {
				args = append(args, "--cname-to", tt.cnameTo)
			}
			if r := run(t, "", "", args...); r.code != 0 {
				t.Fatalf("export: exit %d\n%s", r.code, r.err)
			}
			checkZones(t, zones)
			checkZones(t, out)
			mid := recordSet(t, zones)
			gone, added := diffLines(orig, mid)
			if len(gone) != 2 {
				t.Errorf("export removed %v", gone)
			}
			if tt.cnameTo == "" && len(added) != 0 || tt.cnameTo != "" && len(added) != 2 {
				t.Errorf("export added %v", added)
			}
			file := filepath.Join(out, strings.ReplaceAll(tt.importFile, "/", "-"))
			if r := run(t, "", "", "transfer", "import", file, "--block", "198.51.100.192/27", "--config", cfg, "--write"); r.code != 0 {
				t.Fatalf("import: exit %d\n%s", r.code, r.err)
			}
			if gone, added := diffLines(orig, recordSet(t, zones)); len(gone)+len(added) > 0 {
				t.Errorf("round trip changed the record set:\n-%v\n+%v", gone, added)
			}
		})
	}
}

func TestBlockInitVariants(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		inErr  string
		inOut  string
		inZone map[string][]string // file -> substrings
	}{
		{name: "generate splits around custom PTRs", args: []string{"203.0.113.0/25", "--generate", "--write"},
			inZone: map[string][]string{"zones/113.0.203.in-addr.arpa.zone": {"$GENERATE 2-4\t$\tIN\tPTR\t203-0-113-$.biz.example.net.",
				"$GENERATE 10-127\t$\tIN\tPTR\t203-0-113-$.biz.example.net.", "7   PTR smtp.lawfirm.example."}}},
		{name: "skip network and broadcast", args: []string{"203.0.113.128/30", "--skip-network-broadcast", "-o", "json"},
			inOut: `"ip": "203.0.113.129"`},
		{name: "ipv6 /48 refused", args: []string{"2001:db8:100::/48"}, code: 2, inErr: "RFC 8501"},
		{name: "ipv6 small block", args: []string{"2001:db8:100::/120", "--write"},
			inZone: map[string][]string{"zones/0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.zone": {"2001-db8-100--ff.v6.customers.example.net."}}},
		{name: "ipv6 from ipam", args: []string{"2001:db8:100::/48", "--from-ipam", "--write", "-o", "json"}, inOut: `"added": 0`},
		{name: "synthesize knot", args: []string{"2001:db8:100::/48", "--synthesize", "knot"},
			inOut: "prefix: \"\"\n    origin: \"v6.customers.example.net\"\n    network: 2001:db8:100::/48"},
		{name: "synthesize knot forward", args: []string{"2001:db8:100::/48", "--synthesize", "knot"},
			inOut: "type: forward\n    prefix: \"\"\n    network: 2001:db8:100::/48"},
		{name: "synthesize without entries", args: []string{"--synthesize", "knot"}, code: 2, inErr: "no synthesize entry with server: knot"},
		{name: "synthesize powerdns forward", args: []string{"2001:db8:100::/48", "--synthesize", "powerdns"},
			inOut: `*.v6.customers.example.net. 3600 IN LUA AAAA "createForward6()"`},
		{name: "synthesize powerdns", args: []string{"2001:db8:100::/48", "--synthesize", "powerdns"},
			inOut: `*.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN LUA PTR "createReverse6('%33%.v6.customers.example.net')"`},
		{name: "invalid rendered name", args: []string{"203.0.113.0/30", "--template", "{dashed}_x.example.net."}, code: 2, inErr: "203.0.113.0"},
		{name: "overwrite defaults keeps customs", args: []string{"198.51.100.0/24", "--template", "{dashed}.new.example.net.", "--overwrite", "defaults", "--write", "--force"},
			inZone: map[string][]string{"zones/db.198.51.100": {"mail.acme-widgets.example.", "198-51-100-44.new.example.net.", "gw-zrh1.example.net."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyExamples(t)
			r := run(t, "", "", append([]string{"block-init", "--config", filepath.Join(dir, "rdnsctl.yaml")}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.err, tt.inErr) || !strings.Contains(r.out, tt.inOut) {
				t.Fatalf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.out, r.err)
			}
			for f, subs := range tt.inZone {
				b, _ := os.ReadFile(filepath.Join(dir, f))
				for _, sub := range subs {
					if !strings.Contains(string(b), sub) {
						t.Errorf("%s lacks %q:\n%s", f, sub, b)
					}
				}
			}
			if tt.code == 0 {
				checkZones(t, filepath.Join(dir, "zones"))
				again := run(t, "", "", append([]string{"block-init", "--config", filepath.Join(dir, "rdnsctl.yaml"), "--expect-no-changes"}, tt.args...)...)
				if !strings.Contains(strings.Join(tt.args, " "), "--write") || strings.Contains(strings.Join(tt.args, " "), "--synthesize") {
					return
				}
				if again.code != 0 {
					t.Errorf("second run: exit %d\n%s", again.code, again.err)
				}
			}
		})
	}
}

// --diff FILE writes the unified diff of every file that would change, and
// -o json prints the change set contract.
func TestPreviewDiffAndJSON(t *testing.T) {
	dir := copyExamples(t)
	diff := filepath.Join(dir, "plan.diff")
	r := run(t, "", "", "block-init", "203.0.113.128/30", "--config", filepath.Join(dir, "rdnsctl.yaml"), "--diff", diff, "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.err)
	}
	b, err := os.ReadFile(diff)
	if err != nil {
		t.Fatal(err)
	}
	d := string(b)
	for _, want := range []string{"--- a/", "+++ b/", "+128\tIN\tPTR\t203-0-113-128.biz.example.net.", "+129\tIN\tPTR\t203-0-113-129.biz.example.net.", "-@ IN SOA"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	var out struct {
		Changes []map[string]any `json:"changes"`
		Summary map[string]any   `json:"summary"`
	}
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Changes) != 2 || out.Summary["added"] != float64(2) || out.Summary["unchanged"] != float64(2) {
		t.Fatalf("json: %s", r.out)
	}
	for _, k := range []string{"action", "zone", "file", "name", "ip", "old", "new"} {
		if _, ok := out.Changes[0][k]; !ok {
			t.Errorf("change lacks %q: %v", k, out.Changes[0])
		}
	}
}

// A writer killed after its renames but before its journal append leaves a
// manifest and its pending journal lines: the next writer records them. A
// pending journal without a manifest never renamed anything and is dropped.
func TestRecoverInterruptedJournal(t *testing.T) {
	for _, tt := range []struct {
		name     string
		manifest bool
		lines    int
	}{
		{"renamed, not journaled", true, 1},
		{"never renamed", false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyExamples(t)
			zones := filepath.Join(dir, "zones")
			line := `{"time":"2026-11-25T08:00:00Z","operator":"killed","command":"rdnsctl set","action":"replace","zone":"100.51.198.in-addr.arpa.","file":"zones/db.198.51.100","name":"44.100.51.198.in-addr.arpa.","ip":"198.51.100.44","type":"PTR","old":"a.","new":"b."}` + "\n"
			os.WriteFile(filepath.Join(zones, ".rdnsctl-pending.jsonl"), []byte(line), 0o644)
			if tt.manifest {
				os.WriteFile(filepath.Join(zones, ".rdnsctl-pending"), []byte(filepath.Join(zones, ".db.198.51.100.rdnsctl-1")+"\t"+filepath.Join(zones, "db.198.51.100")+"\n"), 0o644)
			}
			r := run(t, "", "", "unset", "198.51.100.44", "--config", filepath.Join(dir, "rdnsctl.yaml"), "--write")
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.err)
			}
			b, _ := os.ReadFile(filepath.Join(dir, "rdns-changes.jsonl"))
			if got := strings.Count(string(b), `"operator":"killed"`); got != tt.lines {
				t.Fatalf("journal holds %d recovered lines, want %d:\n%s", got, tt.lines, b)
			}
			for _, f := range []string{".rdnsctl-pending.jsonl", ".rdnsctl-pending"} {
				if _, err := os.Stat(filepath.Join(zones, f)); err == nil {
					t.Errorf("%s left behind", f)
				}
			}
		})
	}
}
