// Command fcrdns-bench generates the data for bench/fcrdns.sh and runs the
// FCrDNS engine against a loopback server.
//
//	fcrdns-bench gen -dir DIR [-n 100000]      zones, dnsperf queries, address list
//	fcrdns-bench port                          print a free port of 127.0.0.1
//	fcrdns-bench wait -server ADDR -zone Z     wait until ADDR answers SOA for Z
//	fcrdns-bench run -server ADDR -addrs FILE  check FILE's addresses, print rates
//
// The data lives in 10.0.0.0/8 and bench.example, served on 127.0.0.1 only.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/fcrdns"
	"github.com/rdnsctl/rdnsctl/resolver"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: fcrdns-bench gen|port|wait|run [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "port":
		err = port()
	case "wait":
		err = wait(os.Args[2:])
	case "run":
		err = run(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fcrdns-bench:", err)
		os.Exit(1)
	}
}

const fwdZone = "bench.example."

func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	dir := fs.String("dir", "", "output directory")
	n := fs.Int("n", 100000, "number of addresses, from 10.0.0.0")
	_ = fs.Parse(args)
	if *dir == "" || *n <= 0 || *n > 1<<20 {
		return fmt.Errorf("gen: need -dir and 0 < -n <= %d", 1<<20)
	}
	type rec struct{ owner, typ, data string }
	rev := map[string][]rec{} // zone origin -> records
	var fwd []rec
	var queries, addrs []string
	seen := map[string]bool{}
	shared := map[string][]netip.Addr{}
	var sharedOrder []string
	ptr := func(a netip.Addr, target string) {
		b := a.As4()
		origin := fmt.Sprintf("%d.%d.in-addr.arpa.", b[1], b[0])
		rev[origin] = append(rev[origin], rec{fmt.Sprintf("%d.%d", b[3], b[2]), "PTR", target})
	}
	query := func(name, typ string) {
		if typ == "A" {
			if seen[name] {
				return
			}
			seen[name] = true
		}
		queries = append(queries, strings.TrimSuffix(name, ".")+" "+typ)
	}
	base := netip.MustParseAddr("10.0.0.0").As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	for i := range *n {
		v := start + uint32(i)
		a := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		b := a.As4()
		host := fmt.Sprintf("h-%d-%d-%d-%d.%s", b[0], b[1], b[2], b[3], fwdZone)
		addrs = append(addrs, a.String())
		revName := fmt.Sprintf("%d.%d.%d.%d.in-addr.arpa.", b[3], b[2], b[1], b[0])
		query(revName, "PTR")
		switch i % 100 {
		case 1: // no-ptr
			fwd = append(fwd, rec{host, "A", a.String()})
		case 2: // no-forward
			name := fmt.Sprintf("nofwd-%d.%s", i, fwdZone)
			ptr(a, name)
			query(name, "A")
		case 3: // mismatch
			ptr(a, host)
			fwd = append(fwd, rec{host, "A", fmt.Sprintf("10.200.%d.%d", b[2], b[3])})
			query(host, "A")
		case 4: // multi-ptr
			alias := fmt.Sprintf("mp-%d.%s", i, fwdZone)
			ptr(a, host)
			ptr(a, alias)
			fwd = append(fwd, rec{host, "A", a.String()}, rec{alias, "A", a.String()})
			query(host, "A")
			query(alias, "A")
		case 5, 6, 7, 8, 9: // pass, through a name shared by ~50 addresses
			name := fmt.Sprintf("pool-%d.%s", i/1000, fwdZone)
			if shared[name] == nil {
				sharedOrder = append(sharedOrder, name)
			}
			shared[name] = append(shared[name], a)
			ptr(a, name)
			query(name, "A")
		default: // pass
			ptr(a, host)
			fwd = append(fwd, rec{host, "A", a.String()})
			query(host, "A")
		}
	}
	for _, name := range sharedOrder {
		for _, a := range shared[name] {
			fwd = append(fwd, rec{name, "A", a.String()})
		}
	}
	writeZone := func(file, origin string, recs []rec) error {
		var b strings.Builder
		fmt.Fprintf(&b, "$ORIGIN %s\n$TTL 3600\n@ SOA ns.%s hostmaster.%s 1 3600 600 86400 300\n@ NS ns.%s\n",
			origin, fwdZone, fwdZone, fwdZone)
		for _, r := range recs {
			fmt.Fprintf(&b, "%s %s %s\n", r.owner, r.typ, r.data)
		}
		return os.WriteFile(filepath.Join(*dir, file), []byte(b.String()), 0o644)
	}
	var zones []string
	fwd = append(fwd, rec{"ns." + fwdZone, "A", "127.0.0.1"})
	if err := writeZone("fwd.zone", fwdZone, fwd); err != nil {
		return err
	}
	zones = append(zones, fwdZone+" "+filepath.Join(*dir, "fwd.zone"))
	origins := make([]string, 0, len(rev))
	for o := range rev {
		origins = append(origins, o)
	}
	sort.Strings(origins)
	for _, o := range origins {
		file := "rev-" + strings.TrimSuffix(o, ".in-addr.arpa.") + ".zone"
		if err := writeZone(file, o, rev[o]); err != nil {
			return err
		}
		zones = append(zones, o+" "+filepath.Join(*dir, file))
	}
	for file, lines := range map[string][]string{"queries.txt": queries, "addrs.txt": addrs, "zones.txt": zones} {
		if err := os.WriteFile(filepath.Join(*dir, file), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("%d addresses, %d queries, %d zones\n", len(addrs), len(queries), len(zones))
	return nil
}

func port() error {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		p := l.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p))
		l.Close()
		if err == nil {
			pc.Close()
			fmt.Println(p)
			return nil
		}
	}
	return fmt.Errorf("no free port")
}

func wait(args []string) error {
	fs := flag.NewFlagSet("wait", flag.ExitOnError)
	server := fs.String("server", "", "127.0.0.1:PORT")
	zone := fs.String("zone", "", "zone to ask SOA for")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after")
	_ = fs.Parse(args)
	if err := loopback(*server); err != nil {
		return err
	}
	c := &dns.Client{Timeout: 250 * time.Millisecond}
	deadline := time.Now().Add(*timeout)
	for {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(*zone), dns.TypeSOA)
		r, _, err := c.Exchange(m, *server)
		if err == nil && r.Rcode == dns.RcodeSuccess && len(r.Answer) > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s does not serve %s: %v", *server, *zone, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func loopback(server string) error {
	ap, err := resolver.ParseServer(server)
	if err != nil {
		return err
	}
	if !ap.Addr().IsLoopback() {
		return fmt.Errorf("%s: the bench talks to loopback servers only", server)
	}
	return nil
}

// cpuMicros returns the user and system CPU time used so far, in µs.
func cpuMicros() float64 {
	u, s := cpuSplit()
	return u + s
}

func cpuSplit() (user, sys float64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return float64(ru.Utime.Nano()) / 1e3, float64(ru.Stime.Nano()) / 1e3
}

type counter struct{ n int }

func (c *counter) Add(n int) { c.n += n }

func run(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	server := fs.String("server", "", "127.0.0.1:PORT")
	file := fs.String("addrs", "", "file of addresses, one a line")
	workers := fs.Int("workers", 0, "fcrdns workers (0: the default)")
	sockets := fs.Int("sockets", 0, "UDP sockets per server (0: the default)")
	limit := fs.Duration("l", 5*time.Second, "run passes over the list until this much time has passed")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	verbose := fs.Bool("v", false, "print the rate of each pass")
	raw := fs.Bool("raw", false, "measure the resolver alone (PTR lookups)")
	_ = fs.Parse(args)
	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if err := loopback(*server); err != nil {
		return err
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	var addrs []netip.Addr
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			a, err := netip.ParseAddr(line)
			if err != nil {
				return err
			}
			addrs = append(addrs, a)
		}
	}
	f.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r, err := resolver.New(resolver.Config{Servers: []string{*server}, Timeout: time.Second, Sockets: *sockets})
	if err != nil {
		return err
	}
	defer r.Close()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	begin := time.Now()
	var checks int
	var best float64
	var sum fcrdns.Summary
	if *raw {
		// Resolver only: workers doing PTR lookups, no FCrDNS.
		var wg sync.WaitGroup
		var next atomic.Int64
		for range max(*workers, 1) {
			wg.Go(func() {
				for time.Since(begin) < *limit {
					i := next.Add(1)
					if _, err := r.PTR(ctx, addrs[int(i)%len(addrs)]); err != nil {
						fmt.Fprintln(os.Stderr, err)
					}
				}
			})
		}
		wg.Wait()
		el := time.Since(begin).Seconds()
		st := r.Stats()
		u, sy := cpuSplit()
		fmt.Printf("raw PTR: %.0f q/s, user %.2f sys %.2f µs/query\n", float64(st.Sent)/el, u/float64(st.Sent), sy/float64(st.Sent))
		return nil
	}
	for pass := 0; time.Since(begin) < *limit; pass++ {
		q0, t0 := r.Stats().Sent, time.Now()
		res, err := fcrdns.CheckAll(ctx, r, addrs, fcrdns.Options{Workers: *workers})
		if err != nil {
			return err
		}
		rate := float64(r.Stats().Sent-q0) / time.Since(t0).Seconds()
		best = max(best, rate)
		if *verbose {
			fmt.Fprintf(os.Stderr, "pass %d: %.0f q/s, %.2fs\n", pass, rate, time.Since(t0).Seconds())
		}
		checks += len(res)
		sum = fcrdns.Summarize(res)
	}
	el := time.Since(begin).Seconds()
	runtime.ReadMemStats(&ms1)
	st := r.Stats()
	fmt.Printf("rdnsctl: %.0f q/s (best pass %.0f), %.0f checks/s, %d queries, %d timeouts, %.1fs, %.1f µs CPU/query; heap %d MiB; last pass %+v\n",
		float64(st.Sent)/el, best, float64(checks)/el, st.Sent, st.Timeouts, el, cpuMicros()/float64(st.Sent), ms1.HeapInuse>>20, sum)
	u, sy := cpuSplit()
	fmt.Printf("user %.2f sys %.2f µs/query; %.1f allocations/check; %d GCs\n", u/float64(st.Sent), sy/float64(st.Sent),
		float64(ms1.Mallocs-ms0.Mallocs)/float64(checks), ms1.NumGC-ms0.NumGC)
	return nil
}
