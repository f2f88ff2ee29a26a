package dnstest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// PairZone is a zone of a BIND primary/secondary pair. A dynamic zone is
// copied into the primary's directory (BIND writes its .jnl beside it) and
// accepts UPDATEs signed with the pair's key; a file-backed zone is served
// from File where it is, so a test can edit it and have the primary reload it.
type PairZone struct {
	Origin  string
	File    string
	Dynamic bool
	// InPlace serves a dynamic zone from File itself (BIND writes File.jnl
	// beside it), as when the zones directory holds dynamic zones.
	InPlace bool
}

// Pair is a running BIND primary and a secondary that transfers every zone
// from it with a TSIG key, as an ISP runs them: the primary notifies the
// secondary explicitly, accepts UPDATEs for its dynamic zones with the key,
// and has an rndc control channel.
type Pair struct {
	Primary, Secondary string // 127.0.0.1:PORT
	ControlPort        int
	Dir                string // the pair's directory: p/ and s/ below it
	KeyFile            string // the update/transfer key, as tsig-keygen writes it
	KeyName, Secret    string
	RNDCKeyFile        string
	xfrKeyFile         string // the secondary's own transfer key
	// ZoneFile maps each origin (absolute, lower-case) to the file the
	// primary serves: the copy in p/ for dynamic zones.
	ZoneFile map[string]string

	tb      testing.TB
	zones   []PairZone
	include string
	rndc    string
	pstop   func()
	sstop   func()
	sstart  func()
}

// StartBINDPair starts the pair on free ports of 127.0.0.1 and waits until
// both serve every zone. Both are killed when the test ends. The test is
// skipped when named, rndc or tsig-keygen is not installed (bind9,
// bind9-utils).
func StartBINDPair(tb testing.TB, zones []PairZone) *Pair {
	tb.Helper()
	return StartBINDPairIncluding(tb, zones, "")
}

// StartBINDPairIncluding is StartBINDPair with the primary's configuration
// including a file of zone statements (zones_conf), which must exist.
func StartBINDPairIncluding(tb testing.TB, zones []PairZone, include string) *Pair {
	tb.Helper()
	named, err := exec.LookPath("named")
	if err != nil {
		tb.Skip("named not found: install bind9")
	}
	rndc, err := exec.LookPath("rndc")
	if err != nil {
		tb.Skip("rndc not found: install bind9-utils")
	}
	keygen, err := exec.LookPath("tsig-keygen")
	if err != nil {
		tb.Skip("tsig-keygen not found: install bind9")
	}
	dir, err := os.MkdirTemp("", "bindpair")
	if err != nil {
		tb.Fatalf("dnstest: %v", err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	p := &Pair{Dir: dir, tb: tb, rndc: rndc, ZoneFile: map[string]string{}, KeyName: "rdnsctl-key", include: include}
	for _, sub := range []string{"p", "s"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			tb.Fatalf("dnstest: %v", err)
		}
	}
	p.KeyFile = filepath.Join(dir, "rdnsctl.key")
	p.RNDCKeyFile = filepath.Join(dir, "rndc.key")
	p.xfrKeyFile = filepath.Join(dir, "xfr.key")
	for _, k := range [][2]string{{p.KeyFile, p.KeyName}, {p.RNDCKeyFile, "rndc-key"}, {p.xfrKeyFile, "xfr-key"}} {
		out, err := exec.Command(keygen, "-a", "hmac-sha256", k[1]).Output()
		if err != nil {
			tb.Fatalf("dnstest: tsig-keygen: %v", err)
		}
		if err := os.WriteFile(k[0], out, 0o600); err != nil {
			tb.Fatalf("dnstest: %v", err)
		}
	}
	key, _ := os.ReadFile(p.KeyFile)
	m := regexp.MustCompile(`secret "([^"]+)"`).FindSubmatch(key)
	if m == nil {
		tb.Fatalf("dnstest: no secret in %s", key)
	}
	p.Secret = string(m[1])
	for _, z := range zones {
		origin := strings.ToLower(fqdn(z.Origin))
		f, err := filepath.Abs(z.File)
		if err != nil {
			tb.Fatalf("dnstest: %v", err)
		}
		if z.Dynamic && !z.InPlace {
			data, err := os.ReadFile(f)
			if err != nil {
				tb.Fatalf("dnstest: %v", err)
			}
			f = filepath.Join(dir, "p", strings.TrimSuffix(origin, ".")+".dyn")
			if err := os.WriteFile(f, data, 0o644); err != nil {
				tb.Fatalf("dnstest: %v", err)
			}
		}
		p.ZoneFile[origin] = f
		p.zones = append(p.zones, PairZone{Origin: origin, File: f, Dynamic: z.Dynamic})
	}
	ports, err := freePorts(3)
	if err != nil {
		tb.Fatalf("dnstest: %v", err)
	}
	p.Primary = fmt.Sprintf("127.0.0.1:%d", ports[0])
	p.Secondary = fmt.Sprintf("127.0.0.1:%d", ports[1])
	p.ControlPort = ports[2]
	p.SetTransfers(true)
	p.writeSecondaryConf(ports[1])

	p.pstop = p.run(named, "p", p.Primary)
	p.sstop = func() {}
	// registered before the secondary starts: a secondary that fails to
	// start must not leave the primary running
	tb.Cleanup(func() { p.sstop(); p.pstop() })
	p.sstart = func() { p.sstop = p.run(named, "s", p.Secondary) }
	p.sstart()
	return p
}

// primaryConf is the primary's configuration; transfers says whether the
// secondary may transfer zones.
func (p *Pair) primaryConf(transfers bool) string {
	var b strings.Builder
	acl := "key " + p.KeyName + "; key xfr-key;"
	if !transfers {
		acl = "key " + p.KeyName + ";" // rdnsctl still reads, the secondary cannot
	}
	port := strings.TrimPrefix(p.Primary, "127.0.0.1:")
	sport := strings.TrimPrefix(p.Secondary, "127.0.0.1:")
	fmt.Fprintf(&b, `include %[1]q;
include %[2]q;
include %[8]q;
options {
%[9]s	notify explicit;
	also-notify { 127.0.0.1 port %[5]s; };
	transfers-out 200;
	notify-rate 5000;
	startup-notify-rate 5000;
	allow-transfer { %[6]s };
};
controls { inet 127.0.0.1 port %[7]d allow { 127.0.0.1; } keys { rndc-key; }; };
`, p.KeyFile, p.RNDCKeyFile, p.Dir, port, sport, acl, p.ControlPort, p.xfrKeyFile, loopbackOptions(filepath.Join(p.Dir, "p"), port))
	if p.include != "" {
		fmt.Fprintf(&b, "include %q;\n", p.include)
	}
	for _, z := range p.zones {
		if z.Dynamic {
			fmt.Fprintf(&b, "zone %q { type primary; file %q; update-policy { grant %s zonesub ANY; }; };\n", z.Origin, z.File, p.KeyName)
		} else {
			fmt.Fprintf(&b, "zone %q { type primary; file %q; };\n", z.Origin, z.File)
		}
	}
	return b.String()
}

func (p *Pair) writeSecondaryConf(port int) {
	var b strings.Builder
	pport := strings.TrimPrefix(p.Primary, "127.0.0.1:")
	fmt.Fprintf(&b, `include %[1]q;
include %[5]q;
options {
%[6]s	notify no;
	allow-transfer { key %[4]s; };
	transfers-in 200;
	transfers-per-ns 200;
	serial-query-rate 5000;
};
controls { };
`, p.KeyFile, p.Dir, port, p.KeyName, p.xfrKeyFile, loopbackOptions(filepath.Join(p.Dir, "s"), fmt.Sprint(port)))
	for _, z := range p.zones {
		fmt.Fprintf(&b, "zone %q { type secondary; primaries { 127.0.0.1 port %s key xfr-key; }; file %q; };\n",
			z.Origin, pport, filepath.Join(p.Dir, "s", strings.TrimSuffix(z.Origin, ".")+".bak"))
	}
	if err := os.WriteFile(filepath.Join(p.Dir, "s", "named.conf"), []byte(b.String()), 0o644); err != nil {
		p.tb.Fatalf("dnstest: %v", err)
	}
}

// SetTransfers allows or refuses the secondary's zone transfers (rewriting
// the primary's configuration; on a running primary, it is reloaded), so a
// test can make the secondary fall behind. The secondary transfers with a
// key of its own, so the pair's key (rdnsctl's) can still transfer.
func (p *Pair) SetTransfers(allow bool) {
	conf := filepath.Join(p.Dir, "p", "named.conf")
	if err := os.WriteFile(conf, []byte(p.primaryConf(allow)), 0o644); err != nil {
		p.tb.Fatalf("dnstest: %v", err)
	}
	if p.pstop != nil {
		if out, err := p.RNDC("reconfig"); err != nil {
			p.tb.Fatalf("dnstest: rndc reconfig: %v\n%s", err, out)
		}
	}
}

// RNDC runs rndc against the primary's control channel.
func (p *Pair) RNDC(args ...string) (string, error) {
	argv := append([]string{"-s", "127.0.0.1", "-p", fmt.Sprint(p.ControlPort), "-k", p.RNDCKeyFile}, args...)
	out, err := exec.Command(p.rndc, argv...).CombinedOutput()
	return string(out), err
}

// RNDCCommand is the rndc command line (for a reload_cmd or freeze_cmd),
// with {zone} left for the caller to substitute.
func (p *Pair) RNDCCommand(verb string) string {
	return fmt.Sprintf("%s -s 127.0.0.1 -p %d -k %s %s {zone}", p.rndc, p.ControlPort, p.RNDCKeyFile, verb)
}

// StopSecondary kills the secondary (its address then times out).
func (p *Pair) StopSecondary() { p.sstop(); p.sstop = func() {} }

// run starts named with the configuration in Dir/sub and waits for its
// "running" line (every zone loaded) and for an SOA answer of each zone.
func (p *Pair) run(bin, sub, addr string) func() {
	p.tb.Helper()
	conf := filepath.Join(p.Dir, sub, "named.conf")
	out := &lockedBuffer{}
	cmd := exec.Command(bin, "-g", "-c", conf)
	cmd.Dir = filepath.Join(p.Dir, sub)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		p.tb.Fatalf("dnstest: named: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	// a secondary of thousands of zones needs a while to transfer them all
	deadline := time.Now().Add(20*time.Second + time.Duration(len(p.zones))*20*time.Millisecond)
	for !strings.Contains(out.String(), "running") {
		select {
		case <-exited:
			p.tb.Fatalf("dnstest: named (%s) exited:\n%s", sub, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			p.tb.Fatalf("dnstest: named (%s) did not start:\n%s", sub, out.String())
		}
	}
	zs := make([]Zone, len(p.zones))
	for i, z := range p.zones {
		zs[i] = Zone{Origin: z.Origin, File: z.File}
	}
	if err := waitSOA(addr, zs, deadline, exited); err != nil {
		stop()
		p.tb.Fatalf("dnstest: named (%s) on %s: %v\n%s", sub, addr, err, out.String())
	}
	return stop
}

// freePorts returns n distinct free ports of 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ports []int
	seen := map[int]bool{}
	for len(ports) < n {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			ports = append(ports, p)
		}
	}
	return ports, nil
}

// loopbackOptions are the options both servers of a pair share: their own
// directory, 127.0.0.1 only, no recursion or validation, and every query,
// transfer and notify of their own sent from 127.0.0.1.
func loopbackOptions(dir, port string) string {
	return fmt.Sprintf(`	directory %[1]q;
	pid-file %[2]q;
	listen-on port %[3]s { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	query-source address 127.0.0.1;
	transfer-source 127.0.0.1;
	notify-source 127.0.0.1;
`, dir, filepath.Join(dir, "named.pid"), port)
}
