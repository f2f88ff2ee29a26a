package cmd

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

const dynZ48 = "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."

// transfer delegate --dynamic-key: the printed key and grant (golden, for a
// hosted /56 and a /50 kept in the parent), the key file (0600, created
// only with --write, the same on a second run, which changes nothing), and
// the grants loaded into a real BIND: with the customer's key, a PTR update
// inside the prefix succeeds; one outside it, a TXT, an NS (a delegation)
// inside it, or a change to our own PTRs is REFUSED.
func TestDelegateDynamicKey(t *testing.T) {
	dir := copyExamples(t)
	zones, cfg := filepath.Join(dir, "zones"), filepath.Join(dir, "rdnsctl.yaml")
	norm := func(s string) string { return strings.ReplaceAll(s, dir, "DIR") }
	hosted := []string{"transfer", "delegate", "2001:db8:100:a00::/56", "--dynamic-key", "cust-a", "--config", cfg}
	inParent := []string{"transfer", "delegate", "2001:db8:100:4000::/50", "--dynamic-key", "Cust-B.", "--in-parent", "--config", cfg}
	keyA, keyB := filepath.Join(dir, "keys", "cust-a.key"), filepath.Join(dir, "keys", "cust-b.key")

	r := run(t, "", "", hosted...)
	if r.code != 0 {
		t.Fatalf("preview: exit %d\n%s", r.code, r.err)
	}
	goldenFile(t, "dynkey/hosted-preview.txt", norm(r.out))
	r = run(t, "", "", append(inParent, "-o", "json")...)
	if r.code != 0 {
		t.Fatalf("preview: exit %d\n%s", r.code, r.err)
	}
	goldenFile(t, "dynkey/in-parent-preview.json", norm(r.out))
	// CSV on stdout is the changes alone; the named.conf text goes to stderr
	r = run(t, "", "", append(hosted, "-o", "csv")...)
	if r.code != 0 || strings.Contains(r.out, "update-policy") || !strings.Contains(r.err, "grant cust-a subdomain a.0."+dynZ48+" PTR;") {
		t.Errorf("-o csv: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.out, r.err)
	}
	if _, err := os.Stat(filepath.Join(dir, "keys")); err == nil {
		t.Fatal("a preview made the key directory")
	}

	var conf strings.Builder
	keys := map[string]string{}
	for _, c := range []struct {
		args []string
		key  string
	}{{hosted, keyA}, {inParent, keyB}} {
		r := run(t, "", "", append(c.args, "--write")...)
		if r.code != 0 || !strings.Contains(r.err, "created in") {
			t.Fatalf("%v --write: exit %d\n%s", c.args, r.code, r.err)
		}
		_, text, ok := strings.Cut(r.out, "\n// BIND:")
		if !ok {
			t.Fatalf("no named.conf text in\n%s", r.out)
		}
		conf.WriteString("// BIND:" + text)
		st, err := os.Stat(c.key)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", c.key, st.Mode().Perm())
		}
		data, _ := os.ReadFile(c.key)
		keys[c.key] = string(data)
		// the same command again: nothing to change, the same key
		again := run(t, "", "", append(c.args, "--write", "--expect-no-changes")...)
		if again.code != 0 || !strings.Contains(again.err, "exists (an earlier run's), reused") {
			t.Errorf("second run: exit %d\n%s", again.code, again.err)
		}
		if data2, _ := os.ReadFile(c.key); string(data2) != string(data) {
			t.Errorf("second run changed %s", c.key)
		}
		if strings.Contains(r.out+r.err+again.out+again.err, strings.Split(string(data), `"`)[3]) {
			t.Error("the secret was printed")
		}
	}
	goldenFile(t, "dynkey/hosted-child.zone", snapshot(t, zones)["a.0."+dynZ48+"zone"])
	checkZones(t, zones)
	journal, _ := os.ReadFile(filepath.Join(dir, "rdns-changes.jsonl"))
	if n := strings.Count(string(journal), `"action":"key-created"`); n != 2 {
		t.Errorf("journal: %d key-created lines, want 2", n)
	}

	nsupdate, err := exec.LookPath("nsupdate")
	if err != nil {
		t.Skip("nsupdate not found: install bind9-dnsutils")
	}
	if _, err := exec.LookPath("dig"); err != nil {
		t.Skip("dig not found: install bind9-dnsutils")
	}
	include := filepath.Join(dir, "grants.conf")
	if err := os.WriteFile(include, []byte(conf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	pair := dnstest.StartBINDPairIncluding(t, nil, include)
	waitZones(t, pair.Primary, dynZ48, "a.0."+dynZ48)
	port := strings.TrimPrefix(pair.Primary, "127.0.0.1:")
	for _, c := range []struct {
		name, key, zone, update string
		ok                      bool
	}{
		{"PTR inside the hosted /56", keyA, "a.0." + dynZ48, "add 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.a.0." + dynZ48 + " 300 IN PTR router.cust-a.example.", true},
		{"PTR deep inside the /56", keyA, "a.0." + dynZ48, "add 5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.f.f.a.0." + dynZ48 + " 300 IN PTR mail.cust-a.example.", true},
		{"TXT inside the /56", keyA, "a.0." + dynZ48, "add 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.a.0." + dynZ48 + " 300 IN TXT hello", false},
		{"NS inside the /56", keyA, "a.0." + dynZ48, "add 0.1.a.0." + dynZ48 + " 300 IN NS ns.evil.example.", false},
		{"PTR outside the /56, in the parent", keyA, dynZ48, "add 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.0." + dynZ48 + " 300 IN PTR x.cust-a.example.", false},
		{"PTR inside the /50, in the parent", keyB, dynZ48, "add 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.a.4." + dynZ48 + " 300 IN PTR gw.cust-b.example.", true},
		{"PTR at the last /52 of the /50", keyB, dynZ48, "add 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.f.f.f.7." + dynZ48 + " 300 IN PTR last.cust-b.example.", true},
		{"PTR just outside the /50", keyB, dynZ48, "add 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8." + dynZ48 + " 300 IN PTR x.cust-b.example.", false},
		{"PTR just below the /50", keyB, dynZ48, "add 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.f.f.f.3." + dynZ48 + " 300 IN PTR x.cust-b.example.", false},
		{"our gateway's PTR", keyB, dynZ48, "delete 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0." + dynZ48 + " PTR", false},
		{"TXT inside the /50", keyB, dynZ48, "add 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5." + dynZ48 + " 300 IN TXT hello", false},
		{"NS inside the /50", keyB, dynZ48, "add 5." + dynZ48 + " 300 IN NS ns.evil.example.", false},
		{"cust-b in cust-a's zone", keyB, "a.0." + dynZ48, "add 2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.a.0." + dynZ48 + " 300 IN PTR x.cust-b.example.", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			script := "server 127.0.0.1 " + port + "\nzone " + c.zone + "\nupdate " + c.update + "\nsend\n"
			cmd := exec.Command(nsupdate, "-k", c.key)
			cmd.Stdin = strings.NewReader(script)
			out, err := cmd.CombinedOutput()
			if c.ok {
				if err != nil {
					t.Fatalf("nsupdate: %v\n%s", err, out)
				}
				f := strings.Fields(c.update)
				if got := digShort(t, pair.Primary, f[1], "PTR"); got != f[len(f)-1] {
					t.Errorf("after the update BIND answers %q, want %s", got, f[len(f)-1])
				}
				return
			}
			if err == nil || !strings.Contains(string(out), "REFUSED") {
				t.Fatalf("want REFUSED, got %v\n%s", err, out)
			}
		})
	}
	if got := digShort(t, pair.Primary, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."+dynZ48, "PTR"); got != "gw-zrh1.example.net." {
		t.Errorf("our gateway's PTR is now %q", got)
	}
}

// --dynamic-key refuses what it cannot do, with exit 2 and nothing
// written: a bad key name, --external (the customer's own servers hold the
// zone), --in-parent over a delegation, --in-parent with --ns, an IPv4
// block, and a key file of that name that holds another key.
func TestDelegateDynamicKeyRefused(t *testing.T) {
	dir := copyExamples(t)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	zones := filepath.Join(dir, "zones")
	if r := run(t, "", "", "transfer", "delegate", "2001:db8:100:b00::/56", "--external", "--ns", "ns1.customer.example.", "--config", cfg, "--write"); r.code != 0 {
		t.Fatalf("setup: exit %d\n%s", r.code, r.err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	other := "key \"someone-else\" {\n\talgorithm hmac-sha256;\n\tsecret \"c2VjcmV0\";\n};\n"
	if err := os.WriteFile(filepath.Join(dir, "keys", "taken.key"), []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, zones)
	p56 := "2001:db8:100:a00::/56"
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"slash in the name", []string{p56, "--dynamic-key", "../x"}, "empty label"},
		{"space in the name", []string{p56, "--dynamic-key", "a b"}, "not allowed"},
		{"leading hyphen", []string{p56, "--dynamic-key=-x"}, "starts or ends with '-'"},
		{"external", []string{p56, "--dynamic-key", "c", "--external", "--ns", "ns1.customer.example."}, "--external"},
		{"in-parent over a delegation", []string{"2001:db8:100:b00::/56", "--dynamic-key", "c", "--in-parent"}, "delegates b.0." + dynZ48},
		{"in-parent with --ns", []string{p56, "--dynamic-key", "c", "--in-parent", "--ns", "ns1.example.net."}, "takes no --ns"},
		{"IPv4", []string{"198.51.100.64/26", "--dynamic-key", "c"}, "IPv6 customer prefixes"},
		{"in-parent without a key", []string{p56, "--in-parent"}, "goes with --dynamic-key"},
		{"another key in the file", []string{p56, "--dynamic-key", "taken"}, "refusing to overwrite"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append(append([]string{"transfer", "delegate"}, c.args...), "--config", cfg, "--write")
			r := run(t, "", "", args...)
			if r.code != 2 || !strings.Contains(r.err, c.want) {
				t.Fatalf("want exit 2 with %q, got %d\n%s", c.want, r.code, r.err)
			}
		})
	}
	if after := snapshot(t, zones); len(after) != len(before) {
		t.Errorf("zone files: %d, want %d", len(after), len(before))
	} else {
		for f, data := range before {
			if after[f] != data {
				t.Errorf("%s changed", f)
			}
		}
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "keys", "taken.key")); string(got) != other {
		t.Error("an existing key file was overwritten")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "keys", "*")); len(left) != 1 {
		t.Errorf("key files made by refused runs: %v", left)
	}
}

// nsupdateRun sends one update signed with the key file and returns its
// output and error.
func nsupdateRun(t *testing.T, server, key, zone, update string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("nsupdate")
	if err != nil {
		t.Skip("nsupdate not found: install bind9-dnsutils")
	}
	cmd := exec.Command(bin, "-k", key)
	cmd.Stdin = strings.NewReader("server 127.0.0.1 " + strings.TrimPrefix(server, "127.0.0.1:") + "\nzone " + zone + "\nupdate " + update + "\nsend\n")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// With zones_conf, the grants live there: the key's include and the zone's
// update-policy, written from KEY_DIR/NAME.grants.json by this run and kept
// by every later rewrite (a zone made by another command), and reconfig_cmd
// makes the running BIND take them: the customer's key then updates its
// PTRs, and only those.
func TestDelegateDynamicKeyZonesConf(t *testing.T) {
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	if err := os.Mkdir(zones, 0o755); err != nil {
		t.Fatal(err)
	}
	z48 := filepath.Join(zones, dynZ48+"zone")
	if err := os.WriteFile(z48, mustRead(t, filepath.Join("..", "examples", "zones", dynZ48+"zone")), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "zones.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("zone %q { type primary; file %q; };\n", dynZ48, z48)), 0o644)
	p := dnstest.StartBINDPairIncluding(t, nil, conf)
	cfg := fmt.Sprintf(`zones: [zones/]
zones_conf: zones.conf
key_dir: keys
zone_template: {ttl: 300, primary: ns1.example.net., contact: hostmaster.example.net., ns: [ns1.example.net.]}
servers:
  - name: primary
    address: %s
    reload_cmd: %q
    reconfig_cmd: %q
`, p.Primary, p.RNDCCommand("reload"), strings.TrimSuffix(p.RNDCCommand("reconfig"), " {zone}"))
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte(cfg), 0o644)
	keyA, keyB := filepath.Join(dir, "keys", "cust-a.key"), filepath.Join(dir, "keys", "cust-b.key")
	child := "a.0." + dynZ48

	hosted := []string{"transfer", "delegate", "2001:db8:100:a00::/56", "--dynamic-key", "cust-a", "--write"}
	if r := run(t, dir, "", hosted...); r.code != 0 {
		t.Fatalf("hosted: exit %d\n%s", r.code, r.err)
	}
	inParent := []string{"transfer", "delegate", "2001:db8:100:4000::/50", "--dynamic-key", "cust-b", "--in-parent", "--write"}
	if r := run(t, dir, "", inParent...); r.code != 0 {
		t.Fatalf("in-parent: exit %d\n%s", r.code, r.err)
	}
	want := []string{
		fmt.Sprintf("include %q;\n", keyA), fmt.Sprintf("include %q;\n", keyB),
		fmt.Sprintf("zone %q { type primary; file %q; update-policy { grant cust-a subdomain %s PTR; }; };\n", child, filepath.Join(zones, child+"zone"), child),
		fmt.Sprintf("zone %q { type primary; file %q; update-policy { grant cust-b subdomain 4.%[3]s PTR; grant cust-b subdomain 5.%[3]s PTR; grant cust-b subdomain 6.%[3]s PTR; grant cust-b subdomain 7.%[3]s PTR; }; };\n", dynZ48, z48, dynZ48),
	}
	check := func(when string) {
		t.Helper()
		got := string(mustRead(t, conf))
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: zones_conf lacks\n%s\nin\n%s", when, w, got)
			}
		}
	}
	check("after delegate")
	waitZones(t, p.Primary, dynZ48, child)
	before := string(mustRead(t, conf))
	for _, args := range [][]string{hosted, inParent} {
		if r := run(t, dir, "", append(args, "--expect-no-changes")...); r.code != 0 {
			t.Errorf("second run: exit %d\n%s", r.code, r.err)
		}
	}
	if string(mustRead(t, conf)) != before {
		t.Error("a second run rewrote zones_conf")
	}
	for _, c := range []struct {
		key, zone, update string
		ok                bool
	}{
		{keyA, child, "add 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0." + child + " 300 IN PTR router.cust-a.example.", true},
		{keyA, child, "add 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0." + child + " 300 IN TXT x", false},
		{keyB, dynZ48, "add 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.4." + dynZ48 + " 300 IN PTR gw.cust-b.example.", true},
		{keyB, dynZ48, "add 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8." + dynZ48 + " 300 IN PTR x.cust-b.example.", false},
		{keyA, dynZ48, "add 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.4." + dynZ48 + " 300 IN PTR x.cust-a.example.", false},
	} {
		out, err := nsupdateRun(t, p.Primary, c.key, c.zone, c.update)
		if c.ok && err != nil {
			t.Errorf("%s with %s: %v\n%s", c.update, filepath.Base(c.key), err, out)
		}
		if !c.ok && (err == nil || !strings.Contains(out, "REFUSED")) {
			t.Errorf("%s with %s: want REFUSED, got %v\n%s", c.update, filepath.Base(c.key), err, out)
		}
	}
	// another command that makes a zone rewrites zones_conf: the grants stay
	if r := run(t, dir, "", "block-init", "198.51.101.0/28", "--template", "n-{dashed}.example.net.", "--write"); r.code != 0 {
		t.Fatalf("block-init of a new zone: %d %s", r.code, r.err)
	}
	if got := string(mustRead(t, conf)); !strings.Contains(got, `zone "101.51.198.in-addr.arpa."`) {
		t.Errorf("zones_conf lacks the new zone:\n%s", got)
	}
	check("after another zone was made")
	// a revoked key (its file removed) leaves zones_conf at the next
	// rewrite, which named still loads
	if err := os.Remove(keyB); err != nil {
		t.Fatal(err)
	}
	if r := run(t, dir, "", "block-init", "198.51.102.0/28", "--template", "n-{dashed}.example.net.", "--write"); r.code != 0 {
		t.Fatalf("block-init after the revocation: %d %s", r.code, r.err)
	}
	got := string(mustRead(t, conf))
	if strings.Contains(got, "cust-b") || !strings.Contains(got, want[0]) || !strings.Contains(got, want[2]) {
		t.Errorf("after cust-b's key file was removed, zones_conf:\n%s", got)
	}
	eventually(t, p.Primary, "198.51.102.5", "n-198-51-102-5.example.net.")
}

// waitZones waits until the server answers the SOA of every zone (the
// zones of an included file are not waited for by the BIND pair, and a
// zone made dynamic by a reconfig is loaded again): an update sent before
// gets SERVFAIL.
func waitZones(t *testing.T, addr string, zones ...string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for _, z := range zones {
		for {
			if out, _ := exec.Command("dig", "@127.0.0.1", "-p", strings.TrimPrefix(addr, "127.0.0.1:"), "+norec", "+short", "+time=1", "+tries=1", z, "SOA").Output(); strings.TrimSpace(string(out)) != "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s does not answer the SOA of %s", addr, z)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
