package cmd

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

const (
	liveFileZone = `$ORIGIN 100.51.198.in-addr.arpa.
$TTL 300
@ IN SOA ns1.example.net. hostmaster.example.net. 2026112500 3600 600 86400 300
@ IN NS ns1.example.net.
5 IN PTR five.example.net.
6 IN PTR six.example.net.
`
	liveDynZone = `$ORIGIN 7.0.10.in-addr.arpa.
$TTL 300
@ IN SOA ns1.example.net. hostmaster.example.net. 2026112500 3600 600 86400 300
@ IN NS ns1.example.net.
5 IN PTR five.example.net.
`
)

// livePair starts a BIND primary serving a file-backed zone from zones/
// and a dynamic zone, with a secondary, and writes rdnsctl.yaml naming them.
func livePair(t *testing.T, extra string) (string, *dnstest.Pair) {
	t.Helper()
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	if err := os.Mkdir(zones, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(zones, "db.198.51.100")
	if err := os.WriteFile(file, []byte(liveFileZone), 0o644); err != nil {
		t.Fatal(err)
	}
	dyn := filepath.Join(dir, "dyn.zone")
	if err := os.WriteFile(dyn, []byte(liveDynZone), 0o644); err != nil {
		t.Fatal(err)
	}
	p := dnstest.StartBINDPair(t, []dnstest.PairZone{
		{Origin: "100.51.198.in-addr.arpa", File: file},
		{Origin: "7.0.10.in-addr.arpa", File: dyn, Dynamic: true},
	})
	writeLiveConfig(t, dir, p, fmt.Sprintf("tsig_file: %s", p.KeyFile), extra)
	return dir, p
}

func writeLiveConfig(t *testing.T, dir string, p *dnstest.Pair, key, extra string) {
	t.Helper()
	conf := fmt.Sprintf(`zones:
  - zones/
  - {origin: 7.0.10.in-addr.arpa., server: primary}
servers:
  - name: primary
    address: %s
    role: primary
    %s
    reload_cmd: "%s"
    timeout: 3s
  - name: ns2
    address: %s
    role: secondary
    tsig_file: %s
    timeout: 2s
%s`, p.Primary, key, p.RNDCCommand("reload"), p.Secondary, p.KeyFile, extra)
	if err := os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
}

func ptrOf(t *testing.T, server, ip string) []string {
	t.Helper()
	name, _ := dns.ReverseAddr(ip)
	q := new(dns.Msg)
	q.SetQuestion(name, dns.TypePTR)
	r, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(q, server)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, rr := range r.Answer {
		if p, ok := rr.(*dns.PTR); ok {
			out = append(out, p.Ptr)
		}
	}
	return out
}

// eventually waits for the server to answer want for ip (NOTIFY and a
// transfer take a moment).
func eventually(t *testing.T, server, ip, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := ptrOf(t, server, ip)
		if strings.Join(got, ",") == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s answers %v for %s, want %q", server, got, ip, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func journalLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return strings.Count(string(b), "\n")
}

func TestLiveServersRFC2136(t *testing.T) {
	dir, p := livePair(t, "")
	jpath := filepath.Join(dir, "zones", "rdns-changes.jsonl")

	r := run(t, dir, "", "zones", "-o", "json")
	if r.code != 0 || !strings.Contains(r.out, `"axfr://primary/7.0.10.in-addr.arpa."`) {
		t.Fatalf("zones: %d %s %s", r.code, r.out, r.err)
	}

	// block-init of the dynamic zone is pushed by UPDATE
	r = run(t, dir, "", "block-init", "10.0.7.0/24", "--template", "h-{dashed}.pool.example.net.", "--skip-network-broadcast", "--write")
	if r.code != 0 {
		t.Fatalf("block-init: %d\n%s\n%s", r.code, r.out, r.err)
	}
	eventually(t, p.Primary, "10.0.7.100", "h-10-0-7-100.pool.example.net.")
	eventually(t, p.Primary, "10.0.7.5", "five.example.net.") // kept
	eventually(t, p.Secondary, "10.0.7.100", "h-10-0-7-100.pool.example.net.")
	if n := journalLines(t, jpath); n != 253 {
		t.Errorf("journal has %d lines, want 253 (254 addresses, one kept)", n)
	}
	// a second run pushes nothing
	r = run(t, dir, "", "block-init", "10.0.7.0/24", "--template", "h-{dashed}.pool.example.net.", "--skip-network-broadcast", "--write")
	if r.code != 0 || !strings.Contains(r.err, "no changes") {
		t.Fatalf("second block-init: %d %s", r.code, r.err)
	}
	if n := journalLines(t, jpath); n != 253 {
		t.Errorf("after the no-op run the journal has %d lines", n)
	}

	// mass-rename and set through UPDATE
	r = run(t, dir, "", "mass-rename", "10.0.7.0/24", "--suffix", "pool.example.net.", "--to-suffix", "dyn.example.net.", "--write", "--force")
	if r.code != 0 {
		t.Fatalf("mass-rename: %d %s", r.code, r.err)
	}
	eventually(t, p.Primary, "10.0.7.100", "h-10-0-7-100.dyn.example.net.")
	hook := filepath.Join(dir, "live.txt")
	r = run(t, dir, "", "set", "10.0.7.9", "mail.customer.example.", "--no-validate", "--write", "--wait-live", "15s",
		"--on-change-cmd", "echo $RDNS_IP $RDNS_NEW > "+hook)
	if r.code != 0 {
		t.Fatalf("set: %d %s", r.code, r.err)
	}
	// the hook ran once both servers answered the new PTR
	if got := strings.TrimSpace(string(mustRead(t, hook))); got != "10.0.7.9 mail.customer.example." {
		t.Errorf("on-change hook wrote %q", got)
	}
	if got := ptrOf(t, p.Secondary, "10.0.7.9"); len(got) != 1 || got[0] != "mail.customer.example." {
		t.Errorf("the hook ran before the secondary answered: %v", got)
	}

	r = run(t, dir, "", "servers", "check", "-o", "json")
	if r.code != 0 {
		t.Fatalf("servers check: %d\n%s\n%s", r.code, r.out, r.err)
	}
	var rep struct {
		Zones []struct {
			Zone, Server, Role, Status string
			Serial                     *uint32
			WantSerial                 *uint32 `json:"want_serial"`
		} `json:"zones"`
		Summary struct {
			Statuses map[string]int `json:"statuses"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatal(err, r.out)
	}
	if len(rep.Zones) != 4 || rep.Summary.Statuses["ok"] != 4 {
		t.Errorf("servers check: %s", r.out)
	}

	// a file zone with a BIND journal beside it is never written
	file := filepath.Join(dir, "zones", "db.198.51.100")
	before, _ := os.ReadFile(file)
	if err := os.WriteFile(file+".jnl", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, dir, "", "set", "198.51.100.5", "new.example.net.", "--no-validate", "--write")
	if r.code != 2 || !strings.Contains(r.err, "has a BIND journal beside it") {
		t.Fatalf("set with a .jnl: %d %s", r.code, r.err)
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Fatalf("the zone file was written beside a .jnl")
	}
	os.Remove(file + ".jnl")

	// reload_cmd makes the primary serve the file edit
	r = run(t, dir, "", "set", "198.51.100.5", "new.example.net.", "--no-validate", "--write")
	if r.code != 0 {
		t.Fatalf("set in the file zone: %d %s", r.code, r.err)
	}
	eventually(t, p.Primary, "198.51.100.5", "new.example.net.")
	eventually(t, p.Secondary, "198.51.100.5", "new.example.net.")

	// a secondary whose transfers are blocked falls behind
	p.SetTransfers(false)
	r = run(t, dir, "", "set", "10.0.7.10", "ten.customer.example.", "--no-validate", "--write")
	if r.code != 0 {
		t.Fatalf("set: %d %s", r.code, r.err)
	}
	os.Remove(hook)
	r = run(t, dir, "", "set", "10.0.7.11", "eleven.customer.example.", "--no-validate", "--write", "--wait-live", "2s",
		"--on-change-cmd", "echo $RDNS_IP > "+hook)
	if r.code != 2 || !strings.Contains(r.err, "does not answer eleven.customer.example.") {
		t.Fatalf("--wait-live with a secondary that cannot transfer: %d %s", r.code, r.err)
	}
	if _, err := os.Stat(hook); err == nil {
		t.Errorf("the on-change hook ran although the change is not live everywhere")
	}
	r = run(t, dir, "", "servers", "check")
	if r.code != 1 || !strings.Contains(r.out, "7.0.10.in-addr.arpa.\tns2\tsecondary") || !strings.Contains(r.out, "behind") {
		t.Fatalf("blocked secondary: %d\n%s\n%s", r.code, r.out, r.err)
	}
	if strings.Count(r.out, "behind") != 1 {
		t.Errorf("only ns2's copy of the dynamic zone is behind:\n%s", r.out)
	}

	// the same serial with other data: differs, only with --records
	edited := strings.Replace(string(mustRead(t, file)), "six.example.net.", "sechs.example.net.", 1)
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, dir, "", "servers", "check", "100.51.198.in-addr.arpa")
	if r.code != 0 {
		t.Fatalf("serials alone cannot see it: %d %s %s", r.code, r.out, r.err)
	}
	r = run(t, dir, "", "servers", "check", "100.51.198.in-addr.arpa", "--records")
	if r.code != 1 || strings.Count(r.out, "differs") != 2 || !strings.Contains(r.out, "198.51.100.6 ours PTR sechs.example.net., theirs PTR six.example.net.") {
		t.Fatalf("planted difference: %d\n%s\n%s", r.code, r.out, r.err)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLiveServersKeyErrors(t *testing.T) {
	dir, p := livePair(t, "")
	writeLiveConfig(t, dir, p, "tsig: {name: rdnsctl-key, algorithm: hmac-sha256, secret: c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=}", "")
	r := run(t, dir, "", "set", "10.0.7.9", "mail.customer.example.", "--no-validate", "--write")
	if r.code != 2 || !strings.Contains(r.err, "BADSIG") {
		t.Fatalf("wrong secret: %d %s", r.code, r.err)
	}
	if strings.Contains(r.err, "c2VjcmV0") {
		t.Errorf("the secret is printed: %s", r.err)
	}
	// the secret from the environment wins
	t.Setenv("RDNSCTL_TSIG_SECRET_PRIMARY", p.Secret)
	r = run(t, dir, "", "set", "10.0.7.9", "mail.customer.example.", "--no-validate", "--write")
	if r.code != 0 {
		t.Fatalf("secret from RDNSCTL_TSIG_SECRET_PRIMARY: %d %s", r.code, r.err)
	}
	eventually(t, p.Primary, "10.0.7.9", "mail.customer.example.")
	t.Setenv("RDNSCTL_TSIG_SECRET_PRIMARY", "")

	writeLiveConfig(t, dir, p, "tsig: {name: nobody, secret: c2VjcmV0}", "")
	r = run(t, dir, "", "set", "10.0.7.9", "other.customer.example.", "--no-validate", "--write")
	if r.code != 2 || !strings.Contains(r.err, "BADKEY") {
		t.Fatalf("unknown key: %d %s", r.code, r.err)
	}
	writeLiveConfig(t, dir, p, "tsig: {name: old, algorithm: hmac-md5, secret: c2VjcmV0}", "")
	r = run(t, dir, "", "zones")
	if r.code != 2 || !strings.Contains(r.err, "hmac-md5 is obsolete") {
		t.Fatalf("md5: %d %s", r.code, r.err)
	}
	eventually(t, p.Primary, "10.0.7.9", "mail.customer.example.")
}

// A dynamic zone kept in the zones directory: its file is frozen on the
// primary (journal folded in), read again, patched and thawed, and the
// updates the journal held survive.
func TestLiveServersFreezeThaw(t *testing.T) {
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.Mkdir(zones, 0o755)
	file := filepath.Join(zones, "db.10.0.8")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(liveDynZone, "7.0.10", "8.0.10")), 0o644); err != nil {
		t.Fatal(err)
	}
	p := dnstest.StartBINDPair(t, []dnstest.PairZone{{Origin: "8.0.10.in-addr.arpa", File: file, Dynamic: true, InPlace: true}})
	nsupdate, err := exec.LookPath("nsupdate")
	if err != nil {
		t.Skip("nsupdate not found: install bind9-dnsutils")
	}
	cmd := exec.Command(nsupdate, "-k", p.KeyFile)
	cmd.Stdin = strings.NewReader(fmt.Sprintf("server 127.0.0.1 %s\nzone 8.0.10.in-addr.arpa.\nupdate add 20.8.0.10.in-addr.arpa. 300 PTR twenty.example.net.\nsend\n", strings.TrimPrefix(p.Primary, "127.0.0.1:")))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nsupdate: %v %s", err, out)
	}
	if _, err := os.Stat(file + ".jnl"); err != nil {
		t.Fatalf("BIND wrote no journal: %v", err)
	}
	conf := func(freeze string) {
		c := fmt.Sprintf("zones: [zones/]\nservers:\n  - name: primary\n    address: %s\n    tsig_file: %s\n%s", p.Primary, p.KeyFile, freeze)
		if err := os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	conf("")
	r := run(t, dir, "", "set", "10.0.8.5", "new.example.net.", "--no-validate", "--write")
	if r.code != 2 || !strings.Contains(r.err, "freeze_cmd") {
		t.Fatalf("without freeze_cmd: %d %s", r.code, r.err)
	}
	conf(fmt.Sprintf("    freeze_cmd: %q\n    thaw_cmd: %q\n", p.RNDCCommand("freeze"), p.RNDCCommand("thaw")))
	r = run(t, dir, "", "set", "10.0.8.5", "new.example.net.", "--no-validate", "--write")
	if r.code != 0 {
		t.Fatalf("with freeze_cmd: %d %s", r.code, r.err)
	}
	eventually(t, p.Primary, "10.0.8.5", "new.example.net.")
	eventually(t, p.Primary, "10.0.8.20", "twenty.example.net.")
	if b := mustRead(t, file); !strings.Contains(string(b), "twenty.example.net.") || !strings.Contains(string(b), "new.example.net.") {
		t.Errorf("the file lacks the journal's update or the change:\n%s", b)
	}
	// the zone takes updates again after the thaw
	cmd = exec.Command(nsupdate, "-k", p.KeyFile)
	cmd.Stdin = strings.NewReader(fmt.Sprintf("server 127.0.0.1 %s\nzone 8.0.10.in-addr.arpa.\nupdate add 21.8.0.10.in-addr.arpa. 300 PTR x.example.net.\nsend\n", strings.TrimPrefix(p.Primary, "127.0.0.1:")))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nsupdate after the thaw: %v %s", err, out)
	}
}

// Zones rdnsctl makes or retires reach the server: zones_conf holds a zone
// statement per zone file, and reconfig_cmd makes the primary load it.
func TestLiveServersZonesConf(t *testing.T) {
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.Mkdir(zones, 0o755)
	file := filepath.Join(zones, "db.198.51.100")
	if err := os.WriteFile(file, []byte(liveFileZone), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "zones.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("zone \"100.51.198.in-addr.arpa.\" { type primary; file %q; };\n", file)), 0o644)
	p := dnstest.StartBINDPairIncluding(t, nil, conf)
	cfg := fmt.Sprintf(`zones: [zones/]
zones_conf: zones.conf
zone_template: {ttl: 300, primary: ns1.example.net., contact: hostmaster.example.net., ns: [ns1.example.net.]}
servers:
  - name: primary
    address: %s
    reload_cmd: %q
    reconfig_cmd: %q
`, p.Primary, p.RNDCCommand("reload"), strings.TrimSuffix(p.RNDCCommand("reconfig"), " {zone}"))
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte(cfg), 0o644)

	r := run(t, dir, "", "block-init", "198.51.101.0/28", "--template", "n-{dashed}.example.net.", "--write")
	if r.code != 0 {
		t.Fatalf("block-init of a new zone: %d %s", r.code, r.err)
	}
	eventually(t, p.Primary, "198.51.101.5", "n-198-51-101-5.example.net.")
	if b := string(mustRead(t, conf)); !strings.Contains(b, `zone "101.51.198.in-addr.arpa."`) || !strings.Contains(b, `zone "100.51.198.in-addr.arpa."`) {
		t.Errorf("zones_conf:\n%s", b)
	}

	r = run(t, dir, "", "transfer", "delegate", "198.51.100.0/26", "--write", "--force")
	if r.code != 0 {
		t.Fatalf("delegate: %d %s", r.code, r.err)
	}
	child := "0/26.100.51.198.in-addr.arpa."
	q := func() int {
		m := new(dns.Msg)
		m.SetQuestion(child, dns.TypeSOA)
		resp, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, p.Primary)
		if err != nil {
			t.Fatal(err)
		}
		return resp.Rcode
	}
	if rc := q(); rc != dns.RcodeSuccess {
		t.Errorf("the child zone is not served after delegate: %s", dns.RcodeToString[rc])
	}
	eventually(t, p.Primary, "198.51.100.5", "") // a CNAME into the child now
	r = run(t, dir, "", "transfer", "undelegate", "198.51.100.0/26", "--write", "--force")
	if r.code != 0 {
		t.Fatalf("undelegate: %d %s", r.code, r.err)
	}
	eventually(t, p.Primary, "198.51.100.5", "five.example.net.")
	if rc := q(); rc != dns.RcodeNameError && rc != dns.RcodeRefused {
		t.Errorf("the retired child zone is still served: %s", dns.RcodeToString[rc])
	}
	if strings.Contains(string(mustRead(t, conf)), "0/26") {
		t.Errorf("zones_conf keeps the retired zone")
	}
}
