package cmd

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

// dig asks a test server one question without recursion and returns the
// answer and authority sections, one record a line, tab separated.
func dig(t *testing.T, addr, name, qtype string) string {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command("dig", "@"+host, "-p", port, "+norec", "+noall", "+answer", "+authority", "+nocomments", "+time=2", "+tries=1", name, qtype).CombinedOutput()
	if err != nil {
		t.Fatalf("dig %s %s: %v\n%s", name, qtype, err, out)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(string(out), "\n", " | ")), " ")
}

// transfer delegate --external: an empty block handed to a customer's own
// name servers. The parent gets the NS set and the CNAMEs (as $GENERATE,
// since the parent writes its CNAMEs so), no child zone is made, a real BIND
// answers the block's names with the CNAME and the child's referral, and a
// second run changes nothing.
func TestDelegateExternalEmptyBlock(t *testing.T) {
	dir := copyExamples(t)
	zones, cfg := filepath.Join(dir, "zones"), filepath.Join(dir, "rdnsctl.yaml")
	before := snapshot(t, zones)
	args := []string{"transfer", "delegate", "198.51.100.128/27", "--external", "--ns", "ns1.customer.example.", "--ns", "ns2.customer.example", "--config", cfg}
	r := run(t, "", "", append(args, "--write")...)
	if r.code != 0 || !strings.Contains(r.err, "34 added, 0 replaced, 0 deleted") {
		t.Fatalf("exit %d, want 34 added (2 NS, 32 CNAMEs)\n%s", r.code, r.err)
	}
	after := snapshot(t, zones)
	for f := range after {
		if _, ok := before[f]; !ok && !strings.HasSuffix(f, ".jsonl") && !strings.HasPrefix(f, ".rdnsctl") {
			t.Errorf("created %s: an external delegation makes no local child zone", f)
		}
	}
	parent := after["db.198.51.100"]
	for _, want := range []string{"128/27\tIN\tNS\tns1.customer.example.\n128/27\tIN\tNS\tns2.customer.example.\n",
		"\n$GENERATE 128-159\t$\tIN\tCNAME\t$.128/27\n"} {
		if !strings.Contains(parent, want) {
			t.Errorf("parent lacks %q:\n%s", want, parent)
		}
	}
	checkZones(t, zones)
	r = run(t, "", "", append(args, "--write", "--expect-no-changes")...)
	if r.code != 0 {
		t.Errorf("second run: exit %d\n%s", r.code, r.err)
	}
	r = run(t, "", "", "log", "198.51.100.130", "--config", cfg, "-o", "json")
	if !strings.Contains(r.out, "130.128/27.100.51.198.in-addr.arpa.") {
		t.Errorf("log 198.51.100.130 lacks the CNAME:\n%s%s", r.out, r.err)
	}
	if _, err := exec.LookPath("dig"); err != nil {
		t.Skip("dig not installed (bind9-dnsutils): BIND's answers not checked")
	}
	abs, _ := filepath.Abs(filepath.Join(zones, "db.198.51.100"))
	addr := dnstest.StartNamed(t, []dnstest.Zone{{Origin: "100.51.198.in-addr.arpa.", File: abs}})
	ans := dig(t, addr, "130.100.51.198.in-addr.arpa.", "PTR")
	for _, want := range []string{"130.100.51.198.in-addr.arpa. 86400 IN CNAME 130.128/27.100.51.198.in-addr.arpa.",
		"128/27.100.51.198.in-addr.arpa. 86400 IN NS ns1.customer.example.", "128/27.100.51.198.in-addr.arpa. 86400 IN NS ns2.customer.example."} {
		if !strings.Contains(ans, want) {
			t.Errorf("BIND's answer for 198.51.100.130 lacks %q:\n%s", want, ans)
		}
	}
	ref := dig(t, addr, "128/27.100.51.198.in-addr.arpa.", "NS")
	if !strings.Contains(ref, "128/27.100.51.198.in-addr.arpa. 86400 IN NS ns1.customer.example.") {
		t.Errorf("no referral to the customer's servers:\n%s", ref)
	}
	// an address outside the block is not delegated
	if ans := dig(t, addr, "200.100.51.198.in-addr.arpa.", "PTR"); !strings.Contains(ans, "IN PTR 198-51-100-200.customers.example.net.") {
		t.Errorf("198.51.100.200: %s", ans)
	}
}

// An external delegation of a block with PTRs removes them (the customer's
// servers answer now), writes explicit CNAMEs where the parent has no
// $GENERATE CNAMEs unless --generate, and refuses what it cannot do.
func TestDelegateExternal(t *testing.T) {
	ptrs := []string{"1\tIN\tPTR\tgw.example.net.", "5\tIN\tPTR\tmail.customer.example.", "9\tIN\tPTR\tnine.example.net."}
	for i := 2; i <= 4; i++ {
		ptrs = append(ptrs, fmt.Sprintf("%d\tIN\tPTR\thost%d.customer.example.", i, i))
	}
	for i := 20; i <= 23; i++ {
		ptrs = append(ptrs, fmt.Sprintf("%d\tIN\tPTR\thost%d.example.net.", i, i))
	}
	parent := zoneText("0.20.10.in-addr.arpa.", ptrs...)
	tests := []struct {
		name  string
		args  []string
		code  int
		inErr string
		want  []string
	}{
		{name: "records", args: []string{"--force"}, want: []string{"1\tIN\tCNAME\t1.0/29.0.20.10.in-addr.arpa.\n", "7\tIN\tCNAME\t7.0/29.0.20.10.in-addr.arpa.\n"}},
		{name: "generate", args: []string{"--force", "--generate"}, want: []string{"$GENERATE 0-7\t$\tIN\tCNAME\t$.0/29\n"}},
		{name: "guard counts the PTRs removed", args: nil, code: 2, inErr: "5 of 10 PTRs"},
		{name: "no --ns", args: []string{"--ns="}, code: 2, inErr: "needs the customer's name servers"},
		{name: "ns inside the zone needs glue", args: []string{"--ns", "ns.0.20.10.in-addr.arpa.", "--force"}, code: 2, inErr: "needs glue"},
		{name: "glue only inside the zone", args: []string{"--ns", "ns1.customer.example=192.0.2.53", "--force"}, code: 2, inErr: "only for a name server inside"},
		{name: "glue", args: []string{"--ns", "ns1.0-29.0.20.10.in-addr.arpa.=192.0.2.53", "--ns", "ns1.0-29.0.20.10.in-addr.arpa.=2001:db8::53", "--ns", "ns2.customer.example", "--style", "rfc4183", "--force"},
			want: []string{"0-29\tIN\tNS\tns1.0-29.0.20.10.in-addr.arpa.\n", "0-29\tIN\tNS\tns2.customer.example.\n", "ns1.0-29\tIN\tA\t192.0.2.53\n", "ns1.0-29\tIN\tAAAA\t2001:db8::53\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"rdnsctl.yaml": bulkConfig, "zones/db.10.20.0": parent})
			zones := filepath.Join(dir, "zones")
			args := []string{"transfer", "delegate", "10.20.0.0/29", "--external", "--config", filepath.Join(dir, "rdnsctl.yaml"), "--write"}
			if !strings.HasPrefix(strings.Join(tt.args, " "), "--ns") {
				args = append(args, "--ns", "ns1.customer.example.")
			}
			r := run(t, "", "", append(args, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.err, tt.inErr) {
				t.Fatalf("exit %d, want %d with %q\n%s", r.code, tt.code, tt.inErr, r.err)
			}
			b, _ := os.ReadFile(filepath.Join(zones, "db.10.20.0"))
			if tt.code != 0 {
				if string(b) != parent {
					t.Errorf("zone written:\n%s", b)
				}
				return
			}
			want := append(tt.want, "9\tIN\tPTR\tnine.example.net.\n")
			if !strings.HasPrefix(strings.Join(tt.args, " "), "--ns") {
				want = append(want, "0/29\tIN\tNS\tns1.customer.example.\n")
			}
			for _, w := range want {
				if !strings.Contains(string(b), w) {
					t.Errorf("zone lacks %q:\n%s", w, b)
				}
			}
			if strings.Contains(string(b), "gw.example.net.") || strings.Contains(string(b), "mail.customer.example.") {
				t.Errorf("the block's PTRs are still there:\n%s", b)
			}
			for f := range snapshot(t, zones) {
				if f != "db.10.20.0" && !strings.HasPrefix(f, ".rdnsctl") && !strings.HasSuffix(f, ".jsonl") {
					t.Errorf("created %s: an external delegation makes no local child zone", f)
				}
			}
			checkZones(t, zones)
			r = run(t, "", "", append(append(args, tt.args...), "--expect-no-changes")...)
			if r.code != 0 {
				t.Errorf("second run: exit %d\n%s", r.code, r.err)
			}
			// undelegate takes the CNAMEs, the NS set and the glue away
			r = run(t, "", "", "transfer", "undelegate", "10.20.0.0/29", "--config", filepath.Join(dir, "rdnsctl.yaml"), "--write", "--force")
			if r.code != 0 {
				t.Fatalf("undelegate: exit %d\n%s", r.code, r.err)
			}
			b, _ = os.ReadFile(filepath.Join(zones, "db.10.20.0"))
			for _, gone := range []string{"CNAME", "customer.example.\n", "\tA\t", "AAAA"} {
				if strings.Contains(string(b), gone) {
					t.Errorf("after undelegate the zone still has %q:\n%s", gone, b)
				}
			}
			checkZones(t, zones)
		})
	}
}

// The writers use the zone set's classless style: with classless_style
// rfc4183 (or range) and no --style, delegate writes the child zone under a
// label the set reads back as the same block (0-31 is a /31 under RFC 4183
// and a /27 as a range), undelegate finds and retires it, and delegating
// again gives the same name; each step planned again is empty. An empty
// block gets an empty child zone.
func TestClasslessStyleRoundTrip(t *testing.T) {
	tests := []struct {
		style, block, child string
		ptrs                []string
	}{
		{"rfc4183", "10.20.0.0/31", "0-31.0.20.10.in-addr.arpa.", []string{"0\tIN\tPTR\tzero.example.net.", "1\tIN\tPTR\tone.example.net."}},
		{"range", "10.20.0.0/27", "0-31.0.20.10.in-addr.arpa.", []string{"1\tIN\tPTR\tone.example.net.", "30\tIN\tPTR\tthirty.example.net."}},
		{"slash", "10.20.0.64/26", "64/26.0.20.10.in-addr.arpa.", nil},
		{"rfc4183", "10.20.0.128/25", "128-25.0.20.10.in-addr.arpa.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.style+" "+tt.block, func(t *testing.T) {
			ptrs := append([]string{"200\tIN\tPTR\tkeep.example.net."}, tt.ptrs...)
			if tt.style == "rfc4183" && tt.block == "10.20.0.128/25" {
				ptrs = []string{"2\tIN\tPTR\tkeep.example.net."}
			}
			dir := writeTree(t, map[string]string{
				"rdnsctl.yaml":     bulkConfig + "classless_style: " + tt.style + "\n",
				"zones/db.10.20.0": zoneText("0.20.10.in-addr.arpa.", ptrs...),
			})
			zones, cfg := filepath.Join(dir, "zones"), filepath.Join(dir, "rdnsctl.yaml")
			orig := recordSet(t, zones)
			step := func(verb string) {
				t.Helper()
				r := run(t, "", "", "transfer", verb, tt.block, "--config", cfg, "--write", "--force")
				if r.code != 0 {
					t.Fatalf("%s: exit %d\n%s", verb, r.code, r.err)
				}
				checkZones(t, zones)
				r = run(t, "", "", "transfer", verb, tt.block, "--config", cfg, "--expect-no-changes")
				if r.code != 0 {
					t.Fatalf("%s planned again: exit %d\n%s%s", verb, r.code, r.out, r.err)
				}
			}
			// the child is named in the directory's house style (db.10.20.0 is there)
			p, _ := netip.ParsePrefix(tt.block)
			childFile := filepath.Join(zones, fmt.Sprintf("db.10.20.0.%d-%d", p.Addr().As4()[3], p.Bits()))
			step("delegate")
			b, err := os.ReadFile(childFile)
			if err != nil || !strings.Contains(string(b), "$ORIGIN "+tt.child+"\n") {
				t.Fatalf("child zone %s: %v\n%s", childFile, err, b)
			}
			r := run(t, "", "", "zones", "--config", cfg, "-o", "json")
			if !strings.Contains(r.out, `"`+tt.child+`"`) || !strings.Contains(r.out, tt.block) {
				t.Errorf("zones does not read %s as %s:\n%s", tt.child, tt.block, r.out)
			}
			step("undelegate")
			if gone, added := diffLines(orig, recordSet(t, zones)); len(gone)+len(added) > 0 {
				t.Errorf("round trip changed the record set:\n-%v\n+%v", gone, added)
			}
			os.Remove(childFile + ".retired")
			step("delegate")
			if _, err := os.Stat(childFile); err != nil {
				t.Errorf("second delegate: %v", err)
			}
		})
	}
}

// Delegating part of a $GENERATE pool moves it as a $GENERATE line into the
// child (the parent's line split around the block, the CNAMEs one line with
// --generate), and undelegating brings it back as a line: the record set is
// the same after the round trip, and no step expands the pool into records.
func TestDelegateGeneratePoolRoundTrip(t *testing.T) {
	dir := copyExamples(t)
	zones, cfg := filepath.Join(dir, "zones"), filepath.Join(dir, "rdnsctl.yaml")
	orig := recordSet(t, zones)
	r := run(t, "", "", "transfer", "delegate", "192.0.2.64/26", "--generate", "--config", cfg, "--write", "--force")
	if r.code != 0 || !strings.Contains(r.err, "64 deleted") {
		t.Fatalf("delegate: exit %d\n%s", r.code, r.err)
	}
	parent, _ := os.ReadFile(filepath.Join(zones, "db.192.0.2"))
	child, _ := os.ReadFile(filepath.Join(zones, "db.192.0.2.64-26")) // the house style of examples/zones
	for _, want := range []string{"$GENERATE 10-63 $ PTR 192-0-2-$.pool1.example.net.", "$GENERATE 64-127\t$\tIN\tCNAME\t$.64/26\n", "$GENERATE 128-254 $ PTR"} {
		if !strings.Contains(string(parent), want) {
			t.Errorf("parent lacks %q:\n%s", want, parent)
		}
	}
	if !strings.Contains(string(child), "$GENERATE 64-127\t$\tIN\tPTR\t192-0-2-$.pool1.example.net.\n") || strings.Count(string(child), "\n") > 15 {
		t.Errorf("child:\n%s", child)
	}
	checkZones(t, zones)
	r = run(t, "", "", "transfer", "undelegate", "192.0.2.64/26", "--config", cfg, "--write", "--force")
	if r.code != 0 || !strings.Contains(r.err, "64 added") {
		t.Fatalf("undelegate: exit %d\n%s", r.code, r.err)
	}
	parent, _ = os.ReadFile(filepath.Join(zones, "db.192.0.2"))
	if n := strings.Count(string(parent), "\n"); n > 15 || !strings.Contains(string(parent), "$GENERATE 64-127\t$\tIN\tPTR\t192-0-2-$.pool1.example.net.\n") {
		t.Errorf("parent after undelegate (%d lines):\n%s", n, parent)
	}
	checkZones(t, zones)
	if gone, added := diffLines(orig, recordSet(t, zones)); len(gone)+len(added) > 0 {
		t.Errorf("round trip changed the record set:\n-%v\n+%v", gone, added)
	}
}
