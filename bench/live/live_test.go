//go:build bench

// Package live benchmarks rdnsctl against live servers, each against the
// tool an operator would use instead, on the same server in the same run:
//
//	bench/live.sh    (go test -tags bench -run . -v ./bench/live)
//
// TestPushRFC2136: block-init of a /16 (65,536 PTR adds) pushed by RFC 2136
// UPDATE to a BIND primary, and the same records sent with nsupdate -k in
// batches of the same size. TestServersCheck: servers check of 4,096 zones
// on a primary and a secondary. TestPowerDNS: block-init of a /16 over 256
// zones into PowerDNS with SQLite, against pdnsutil load-zone of the same
// records. Peak RSS of rdnsctl comes from /usr/bin/time -v.
package live

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

var bin string

func TestMain(m *testing.M) {
	dir, _ := os.MkdirTemp("", "livebench")
	bin = filepath.Join(dir, "rdnsctl")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/rdnsctl").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// timed runs rdnsctl under /usr/bin/time -v and returns wall time and
// peak RSS in MiB.
func timed(t *testing.T, dir string, args ...string) (time.Duration, float64, string) {
	t.Helper()
	argv := append([]string{"-v", bin}, args...)
	cmd := exec.Command("/usr/bin/time", argv...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() > 1 {
			t.Fatalf("rdnsctl %v: %v\n%s", args, err, tail(errb.String()))
		}
	}
	var rss float64
	if m := regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`).FindStringSubmatch(errb.String()); m != nil {
		fmt.Sscan(m[1], &rss)
		rss /= 1024
	}
	return wall, rss, errb.String()
}

func tail(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}

func soa(origin string) string {
	return fmt.Sprintf("$ORIGIN %s\n$TTL 300\n@ IN SOA ns1.example.net. hostmaster.example.net. 1 3600 600 86400 300\n@ IN NS ns1.example.net.\n", origin)
}

func TestPushRFC2136(t *testing.T) {
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		t.Skip("install the Debian package time")
	}
	dir := t.TempDir()
	for _, o := range []string{"16.10", "17.10", "18.10"} {
		if err := os.WriteFile(filepath.Join(dir, o), []byte(soa(o+".in-addr.arpa.")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := dnstest.StartBINDPair(t, []dnstest.PairZone{
		{Origin: "16.10.in-addr.arpa", File: filepath.Join(dir, "16.10"), Dynamic: true},
		{Origin: "17.10.in-addr.arpa", File: filepath.Join(dir, "17.10"), Dynamic: true},
		{Origin: "18.10.in-addr.arpa", File: filepath.Join(dir, "18.10"), Dynamic: true},
	})
	conf := fmt.Sprintf("zones:\n  - {origin: 16.10.in-addr.arpa., server: primary}\nservers:\n  - name: primary\n    address: %s\n    tsig_file: %s\n    update_batch: 500\n    timeout: 60s\njournal: journal.jsonl\n", p.Primary, p.KeyFile)
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte(conf), 0o644)
	first := []string{"block-init", "10.16.0.0/16", "--template", "h-{dashed}.pool.example.net.", "--write", "--no-progress"}
	if prof := os.Getenv("RDNSCTL_BENCH_PROFILE"); prof != "" {
		first = append(first, "--cpuprofile", prof+".push")
	}
	wall, rss, _ := timed(t, dir, first...)
	b, _ := os.ReadFile(filepath.Join(dir, "journal.jsonl"))
	lines := bytes.Count(b, []byte("\n"))

	// nsupdate: the same 65,536 records into another zone, 500 a message;
	// once plain, once with the prerequisite rdnsctl sends (no PTR there yet)
	nsupdate := func(zone string, prereq bool) time.Duration {
		var script strings.Builder
		port := strings.TrimPrefix(p.Primary, "127.0.0.1:")
		n := 0
		for a := 0; a < 256; a++ {
			for c := 0; c < 256; c++ {
				if n%500 == 0 {
					fmt.Fprintf(&script, "server 127.0.0.1 %s\nzone %s.in-addr.arpa.\n", port, zone)
				}
				if prereq {
					fmt.Fprintf(&script, "prereq nxrrset %d.%d.%s.in-addr.arpa. PTR\n", c, a, zone)
				}
				fmt.Fprintf(&script, "update add %d.%d.%s.in-addr.arpa. 300 PTR h-%d-%d.pool.example.net.\n", c, a, zone, a, c)
				n++
				if n%500 == 0 {
					script.WriteString("send\n")
				}
			}
		}
		script.WriteString("send\n")
		cmd := exec.Command("nsupdate", "-k", p.KeyFile)
		cmd.Stdin = strings.NewReader(script.String())
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("nsupdate: %v %s", err, tail(string(out)))
		}
		return time.Since(start)
	}
	ns := nsupdate("17.10", false)
	nsPre := nsupdate("18.10", true)
	fmt.Printf("RFC 2136 push of 65,536 PTRs (batches of 500) to BIND: rdnsctl block-init %.2f s (peak RSS %.0f MiB, %d journal lines); nsupdate -k %.2f s (ratio %.2f); nsupdate -k with the same prerequisites %.2f s (ratio %.2f)\n",
		wall.Seconds(), rss, lines, ns.Seconds(), wall.Seconds()/ns.Seconds(), nsPre.Seconds(), wall.Seconds()/nsPre.Seconds())
	if lines != 65536 {
		t.Errorf("journal lines %d", lines)
	}
	again := []string{"block-init", "10.16.0.0/16", "--template", "h-{dashed}.pool.example.net.", "--write", "--no-progress"}
	if prof := os.Getenv("RDNSCTL_BENCH_PROFILE"); prof != "" {
		again = append(again, "--cpuprofile", prof)
	}
	wall2, _, errs := timed(t, dir, again...)
	fmt.Printf("  the same block-init again: %.2f s (%s)\n", wall2.Seconds(), strings.TrimSpace(lastLine(errs)))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if !strings.HasPrefix(strings.TrimSpace(lines[i]), "Command being timed") && !strings.Contains(lines[i], ":") || strings.Contains(lines[i], "no changes") {
			return lines[i]
		}
	}
	for _, l := range lines {
		if strings.Contains(l, "changes") {
			return l
		}
	}
	return ""
}

func TestServersCheck4096(t *testing.T) {
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.Mkdir(zones, 0o755)
	var pz []dnstest.PairZone
	for a := 0; a < 16; a++ {
		for b := 0; b < 256; b++ {
			o := fmt.Sprintf("%d.%d.10.in-addr.arpa.", b, a)
			f := filepath.Join(zones, fmt.Sprintf("db.10.%d.%d", a, b))
			os.WriteFile(f, []byte(soa(o)+"1 IN PTR one.example.net.\n"), 0o644)
			pz = append(pz, dnstest.PairZone{Origin: o, File: f})
		}
	}
	p := dnstest.StartBINDPair(t, pz)
	conf := fmt.Sprintf("zones: [zones/]\nservers:\n  - name: primary\n    address: %s\n  - name: ns2\n    address: %s\n    role: secondary\n", p.Primary, p.Secondary)
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte(conf), 0o644)
	wall, rss, errs := timed(t, dir, "servers", "check", "--no-progress", "-o", "json")
	fmt.Printf("servers check of 4,096 zones on 2 servers: %.2f s, peak RSS %.0f MiB (%s)\n", wall.Seconds(), rss, strings.TrimSpace(firstMatch(errs, "zone(s) on")))
}

func firstMatch(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

func TestPowerDNS(t *testing.T) {
	if _, err := exec.LookPath("pdnsutil"); err != nil {
		t.Skip("install pdns-server")
	}
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed")
	os.WriteFile(seed, []byte(soa("0.16.10.in-addr.arpa.")), 0o644)
	p := dnstest.StartPowerDNS(t, []dnstest.Zone{{Origin: "0.16.10.in-addr.arpa.", File: seed}})
	os.WriteFile(filepath.Join(dir, "pdns.key"), []byte(p.APIKey), 0o600)
	conf := fmt.Sprintf("zones:\n  - {server: pdns, all_reverse: true}\nservers:\n  - name: pdns\n    type: powerdns\n    url: %s\n    api_key_file: pdns.key\n    address: %s\njournal: journal.jsonl\nzone_template: {ttl: 300, primary: ns1.example.net., contact: hostmaster.example.net., ns: [ns1.example.net.]}\n", p.URL, p.DNS)
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte(conf), 0o644)
	wall, rss, _ := timed(t, dir, "block-init", "10.16.0.0/16", "--template", "h-{dashed}.pool.example.net.", "--write", "--no-progress")
	b, _ := os.ReadFile(filepath.Join(dir, "journal.jsonl"))
	lines := bytes.Count(b, []byte("\n"))

	// pdnsutil load-zone of the same records, 256 zone files
	start := time.Now()
	for a := 0; a < 256; a++ {
		o := fmt.Sprintf("%d.17.10.in-addr.arpa.", a)
		var z strings.Builder
		z.WriteString(soa(o))
		for c := 0; c < 256; c++ {
			fmt.Fprintf(&z, "%d IN PTR h-10-17-%d-%d.pool.example.net.\n", c, a, c)
		}
		f := filepath.Join(dir, "load.zone")
		os.WriteFile(f, []byte(z.String()), 0o644)
		if out, err := p.Util("load-zone", o, f); err != nil {
			t.Fatalf("pdnsutil: %v %s", err, out)
		}
	}
	ref := time.Since(start)
	fmt.Printf("PowerDNS (SQLite) block-init of a /16 over 256 zones: rdnsctl %.2f s (peak RSS %.0f MiB, %d journal lines), pdnsutil load-zone of the same records %.2f s, ratio %.2f\n",
		wall.Seconds(), rss, lines, ref.Seconds(), wall.Seconds()/ref.Seconds())
	wall2, _, _ := timed(t, dir, "block-init", "10.16.0.0/16", "--template", "h-{dashed}.pool.example.net.", "--write", "--no-progress")
	fmt.Printf("  the same block-init again: %.2f s\n", wall2.Seconds())
}

// TestServe: 32 concurrent clients send 20,000 POST /api/v1/ptr over 40 /24
// zones (file backend, validate_forward false); requests/s, p99 latency and
// RSS; then every change is checked in the zones and the journal.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.Mkdir(zones, 0o755)
	for i := 0; i < 40; i++ {
		o := fmt.Sprintf("%d.20.10.in-addr.arpa.", i)
		os.WriteFile(filepath.Join(zones, fmt.Sprintf("db.10.20.%d", i)), []byte(soa(o)), 0o644)
	}
	conf := "zones: [zones/]\njournal: journal.jsonl\nresolvers: [127.0.0.1:9]\napi: {tokens_file: tokens.json}\n"
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte(conf), 0o644)
	tok, err := exec.Command(bin, "--config", filepath.Join(dir, "rdnsctl.yaml"), "token", "add", "bench").Output()
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(tok))
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	sargs := []string{"serve", "--listen", addr, "--config", filepath.Join(dir, "rdnsctl.yaml")}
	if prof := os.Getenv("RDNSCTL_BENCH_PROFILE"); prof != "" {
		sargs = append(sargs, "--cpuprofile", prof+".serve")
	}
	srv := exec.Command(bin, sargs...)
	srv.Dir = dir
	var logs bytes.Buffer
	srv.Stderr = &logs
	if f := os.Getenv("RDNSCTL_BENCH_SERVE_LOG"); f != "" {
		lf, _ := os.Create(f)
		defer lf.Close()
		srv.Stderr = lf
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	base := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/livez"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 200 {
			t.Fatalf("serve did not start: %s", logs.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
	rss := func() float64 {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", srv.Process.Pid))
		m := regexp.MustCompile(`VmRSS:\s+(\d+)`).FindSubmatch(b)
		if m == nil {
			return 0
		}
		var kb float64
		fmt.Sscan(string(m[1]), &kb)
		return kb / 1024
	}
	rss0 := rss()
	total, clients := 20000, 32
	if n := os.Getenv("RDNSCTL_BENCH_N"); n != "" {
		fmt.Sscan(n, &total)
	}
	lat := make([]time.Duration, total)
	var next atomic.Int64
	var failures atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= total {
					return
				}
				zone, host := i%40, i/40%250+1
				body := fmt.Sprintf(`{"ip":"10.20.%d.%d","hostname":"c%d.customer.example","validate_forward":false}`, zone, host, i)
				req, _ := http.NewRequest("POST", base+"/api/v1/ptr", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				t0 := time.Now()
				resp, err := client.Do(req)
				lat[i] = time.Since(t0)
				if err != nil || resp.StatusCode != 200 {
					failures.Add(1)
					if resp != nil {
						b, _ := io.ReadAll(resp.Body)
						if failures.Load() < 3 {
							fmt.Printf("  failure: %d %s\n", resp.StatusCode, b)
						}
					}
				}
				if resp != nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	slices.Sort(lat)
	p99 := lat[total*99/100]
	p50 := lat[total/2]
	b, _ := os.ReadFile(filepath.Join(dir, "journal.jsonl"))
	lines := bytes.Count(b, []byte("\n"))
	fmt.Printf("serve: %d POST /api/v1/ptr from %d clients over 40 zones: %.0f requests/s, p50 %.1f ms, p99 %.1f ms, %d failed; journal %d lines; RSS %.0f MiB at start, %.0f MiB at the end\n",
		total, clients, float64(total)/wall.Seconds(), p50.Seconds()*1000, p99.Seconds()*1000, failures.Load(), lines, rss0, rss())
	// each address was set several times (20,000 requests over 10,000 addresses): the last one wins
	srv.Process.Signal(syscall.SIGTERM)
	srv.Wait()
	if out, err := exec.Command(bin, "--config", filepath.Join(dir, "rdnsctl.yaml"), "zone", "check", "-o", "json").CombinedOutput(); err != nil {
		t.Errorf("zone check after the run: %v\n%s", err, tail(string(out)))
	}
}
