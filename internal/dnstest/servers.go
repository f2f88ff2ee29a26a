package dnstest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Zone is a zone for a real server to load: its origin and the path of its
// zone file.
type Zone struct {
	Origin string
	File   string
	// Options are more statements of the zone for named (StartNamedConf):
	// `update-policy { grant KEY name NAME PTR; };`.
	Options string
}

// StartNamed runs BIND (named -g) serving zones as primary on a free port of
// 127.0.0.1, waits until it answers an SOA query for each zone, and returns
// "127.0.0.1:PORT". named is killed when the test ends. The test is skipped
// when named is not installed.
//
// The configuration keeps named off the network: it listens on 127.0.0.1
// only, does not recurse, notify or validate, and sources all its own traffic
// from 127.0.0.1.
func StartNamed(tb testing.TB, zones []Zone) string {
	tb.Helper()
	return StartNamedConf(tb, zones, "")
}

// StartNamedConf is StartNamed with top-level statements added to the
// configuration (a key the zones' Options name: `include "FILE.key";`).
func StartNamedConf(tb testing.TB, zones []Zone, top string) string {
	tb.Helper()
	bin, err := exec.LookPath("named")
	if err != nil {
		tb.Skip("named not found: install bind9")
	}
	return start(tb, "named", zones, func(dir string, port int, zs []Zone) (string, []string) {
		var b strings.Builder
		fmt.Fprintf(&b, `options {
	directory "%[1]s";
	pid-file "%[1]s/named.pid";
	listen-on port %[2]d { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	notify no;
	dnssec-validation no;
	query-source address 127.0.0.1;
	transfer-source 127.0.0.1;
	notify-source 127.0.0.1;
};
controls { };
`, dir, port)
		b.WriteString(top + "\n")
		for _, z := range zs {
			fmt.Fprintf(&b, "zone %q { type primary; file %q; %s};\n", fqdn(z.Origin), z.File, z.Options)
		}
		conf := filepath.Join(dir, "named.conf")
		return b.String(), []string{bin, "-g", "-c", conf}
	})
}

// StartKnot runs knotd serving zones on a free port of 127.0.0.1, like
// StartNamed. Knot does not read $GENERATE: expand such zone files first
// (named-compilezone). The test is skipped when knotd is not installed.
func StartKnot(tb testing.TB, zones []Zone) string {
	tb.Helper()
	bin, err := exec.LookPath("knotd")
	if err != nil {
		tb.Skip("knotd not found: install knot")
	}
	return start(tb, "knotd", zones, func(dir string, port int, zs []Zone) (string, []string) {
		var b strings.Builder
		fmt.Fprintf(&b, `server:
    listen: 127.0.0.1@%[2]d
    rundir: %[1]s
log:
  - target: stderr
    any: warning
database:
    storage: %[1]s
template:
  - id: default
    semantic-checks: off
    zonefile-sync: -1
    journal-content: none
zone:
`, dir, port)
		for _, z := range zs {
			fmt.Fprintf(&b, "  - domain: %q\n    file: %q\n", fqdn(z.Origin), z.File)
		}
		conf := filepath.Join(dir, "knot.conf")
		return b.String(), []string{bin, "-c", conf}
	})
}

func fqdn(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// start writes the configuration made by conf into a fresh directory, runs
// the server and waits for it; a server that dies at once (a port taken in the
// meantime) is tried again on another port.
func start(tb testing.TB, name string, zones []Zone, conf func(dir string, port int, zones []Zone) (string, []string)) string {
	tb.Helper()
	abs := make([]Zone, len(zones))
	for i, z := range zones {
		f, err := filepath.Abs(z.File)
		if err != nil {
			tb.Fatalf("dnstest: %v", err)
		}
		abs[i] = Zone{Origin: z.Origin, File: f, Options: z.Options}
	}
	// A short directory: knotd's control socket path must fit in 108 bytes.
	dir, err := os.MkdirTemp("", "dnstest")
	if err != nil {
		tb.Fatalf("dnstest: %v", err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			tb.Fatalf("dnstest: %v", err)
		}
		text, argv := conf(dir, port, abs)
		if err := os.WriteFile(argv[len(argv)-1], []byte(text), 0o644); err != nil {
			tb.Fatalf("dnstest: %v", err)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		out := &lockedBuffer{}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			tb.Fatalf("dnstest: %s: %v", name, err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		stop := func() {
			_ = cmd.Process.Kill()
			<-exited
		}
		err = waitSOA(addr, abs, time.Now().Add(15*time.Second), exited)
		if err == nil {
			tb.Cleanup(stop)
			return addr
		}
		stop()
		lastErr = fmt.Errorf("%s on %s: %v\n%s", name, addr, err, out.String())
		if !strings.Contains(out.String(), "address in use") && !strings.Contains(out.String(), "Address already in use") {
			break
		}
	}
	tb.Fatalf("dnstest: %v", lastErr)
	return ""
}

// lockedBuffer collects a child's output, safe to read while it writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 1<<20 {
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// StartKnotConf runs knotd with the configuration body gives (everything
// after the server, log and database sections, which it writes itself for
// 127.0.0.1 and a free port) and waits until it answers the SOA of every zone
// listed. For tests of configuration rdnsctl prints (mod-synthrecord).
func StartKnotConf(tb testing.TB, zones []Zone, body string) string {
	tb.Helper()
	bin, err := exec.LookPath("knotd")
	if err != nil {
		tb.Skip("knotd not found: install knot")
	}
	return start(tb, "knotd", zones, func(dir string, port int, zs []Zone) (string, []string) {
		conf := fmt.Sprintf(`server:
    listen: 127.0.0.1@%[2]d
    rundir: %[1]s
log:
  - target: stderr
    any: warning
database:
    storage: %[1]s
`, dir, port) + body
		return conf, []string{bin, "-c", filepath.Join(dir, "knot.conf")}
	})
}
