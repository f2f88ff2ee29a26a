package resolver_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
	"github.com/rdnsctl/rdnsctl/resolver"
)

// fast is a client configuration for tests: short timeouts, no backoff.
func fast(servers ...string) resolver.Config {
	return resolver.Config{Servers: servers, Timeout: 100 * time.Millisecond, Retries: 2, Backoff: -1}
}

func newClient(t *testing.T, cfg resolver.Config) *resolver.Client {
	t.Helper()
	c, err := resolver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rcode answers every query with rc.
func rcode(rc int) dns.HandlerFunc {
	return func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(r, rc)
		_ = w.WriteMsg(m)
	}
}

// silent never answers.
var silent = dns.HandlerFunc(func(dns.ResponseWriter, *dns.Msg) {})

// chain answers a query for its first name with the whole CNAME chain and
// the data at its end, in scrambled order, like a server that follows CNAMEs
// inside its own zones.
func chain(t *testing.T, rrs ...string) dns.HandlerFunc {
	var parsed []dns.RR
	for _, s := range rrs {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, rr)
	}
	return func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Compress = true
		for i := len(parsed) - 1; i >= 0; i-- {
			m.Answer = append(m.Answer, parsed[i])
		}
		_ = w.WriteMsg(m)
	}
}

var zone = []string{
	"5.2.0.192.in-addr.arpa. 300 IN PTR Mail.Example.COM.",
	"6.2.0.192.in-addr.arpa. 300 IN PTR a.example.com.",
	"6.2.0.192.in-addr.arpa. 300 IN PTR b.example.com.",
	"7.2.0.192.in-addr.arpa. 300 IN TXT \"no ptr here\"",
	// RFC 2317: the parent answers with the CNAME only.
	"70.2.0.192.in-addr.arpa. 300 IN CNAME 70.64/26.2.0.192.in-addr.arpa.",
	"70.64/26.2.0.192.in-addr.arpa. 300 IN PTR classless.example.com.",
	// A CNAME to nowhere.
	"71.2.0.192.in-addr.arpa. 300 IN CNAME 71.64/26.2.0.192.in-addr.arpa.",
	// Loops, across queries.
	"80.2.0.192.in-addr.arpa. 300 IN CNAME loop1.example.com.",
	"loop1.example.com. 300 IN CNAME loop2.example.com.",
	"loop2.example.com. 300 IN CNAME 80.2.0.192.in-addr.arpa.",
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 300 IN PTR v6.example.com.",
	"mail.example.com. 300 IN A 192.0.2.5",
	"mail.example.com. 300 IN A 192.0.2.55",
	"mail.example.com. 300 IN AAAA 2001:db8::5",
	"www.example.com. 300 IN CNAME Mail.example.com.",
	"alias3.example.com. 300 IN CNAME www.example.com.",
	"txt.example.com. 300 IN TXT \"x\"",
}

// deep builds a chain of n CNAMEs d0 -> d1 -> ... -> dn (A 192.0.2.9).
func deep(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("d%d.example.com. 300 IN CNAME d%d.example.com.", i, i+1))
	}
	return append(out, fmt.Sprintf("d%d.example.com. 300 IN A 192.0.2.9", n))
}

func TestPTR(t *testing.T) {
	t.Parallel()
	addr := dnstest.NewServer(t, dnstest.Handler(t, zone...))
	c := newClient(t, fast(addr))
	tests := []struct {
		addr string
		want []string
		temp string // substring of a TempError's cause
	}{
		{addr: "192.0.2.5", want: []string{"mail.example.com."}},
		{addr: "::ffff:192.0.2.5", want: []string{"mail.example.com."}},
		{addr: "192.0.2.6", want: []string{"a.example.com.", "b.example.com."}},
		{addr: "192.0.2.7"},  // NODATA
		{addr: "192.0.2.99"}, // NXDOMAIN
		{addr: "192.0.2.70", want: []string{"classless.example.com."}},
		{addr: "192.0.2.71"}, // CNAME to NXDOMAIN
		{addr: "192.0.2.80", temp: "CNAME loop"},
		{addr: "2001:db8::1", want: []string{"v6.example.com."}},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			got, err := c.PTR(context.Background(), netip.MustParseAddr(tt.addr))
			if tt.temp != "" {
				if !resolver.IsTemp(err) || !strings.Contains(err.Error(), tt.temp) {
					t.Fatalf("PTR = %v, %v; want TempError with %q", got, err, tt.temp)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("PTR = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAddrs(t *testing.T) {
	t.Parallel()
	addr := dnstest.NewServer(t, dnstest.Handler(t, append(zone, deep(10)...)...))
	c := newClient(t, fast(addr))
	tests := []struct {
		name string
		v6   bool
		want []string
		temp string
	}{
		{name: "mail.example.com.", want: []string{"192.0.2.5", "192.0.2.55"}},
		{name: "MAIL.Example.Com", want: []string{"192.0.2.5", "192.0.2.55"}},
		{name: "mail.example.com.", v6: true, want: []string{"2001:db8::5"}},
		{name: "www.example.com.", want: []string{"192.0.2.5", "192.0.2.55"}},
		{name: "alias3.example.com.", want: []string{"192.0.2.5", "192.0.2.55"}},
		{name: "txt.example.com."},
		{name: "nowhere.example.com."},
		{name: "example.com."}, // empty non-terminal: NODATA
		{name: "loop1.example.com.", temp: "CNAME loop"},
		{name: "d2.example.com.", want: []string{"192.0.2.9"}}, // 8 CNAMEs
		{name: "d0.example.com.", temp: "CNAME chain longer"},  // 10 CNAMEs
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/v6=%v", tt.name, tt.v6), func(t *testing.T) {
			t.Parallel()
			got, err := c.Addrs(context.Background(), tt.name, tt.v6)
			if tt.temp != "" {
				if !resolver.IsTemp(err) || !strings.Contains(err.Error(), tt.temp) {
					t.Fatalf("Addrs = %v, %v; want TempError with %q", got, err, tt.temp)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, a := range got {
				s = append(s, a.String())
			}
			slices.Sort(s)
			if !slices.Equal(s, tt.want) {
				t.Errorf("Addrs = %q, want %q", s, tt.want)
			}
		})
	}
}

// TestChainInOneAnswer: a server that follows CNAMEs answers with the whole
// chain (in any order); the client must not ask again.
func TestChainInOneAnswer(t *testing.T) {
	t.Parallel()
	h := dnstest.Count(chain(t,
		"70.2.0.192.in-addr.arpa. 300 IN CNAME 70.64-26.2.0.192.in-addr.arpa.",
		"70.64-26.2.0.192.in-addr.arpa. 300 IN CNAME X.example.com.",
		"x.example.com. 300 IN PTR Host.Example.Net.",
		"unrelated.example.com. 300 IN PTR wrong.example.net.",
	))
	c := newClient(t, fast(dnstest.NewServer(t, h)))
	got, err := c.PTR(context.Background(), netip.MustParseAddr("192.0.2.70"))
	if err != nil || !slices.Equal(got, []string{"host.example.net."}) {
		t.Fatalf("PTR = %q, %v", got, err)
	}
	if n := c.Stats().Sent; n != 1 {
		t.Errorf("sent %d queries, want 1", n)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler dns.Handler
		cause   string
	}{
		{"servfail", rcode(dns.RcodeServerFailure), "SERVFAIL"},
		{"refused", rcode(dns.RcodeRefused), "REFUSED"},
		{"notimp", rcode(dns.RcodeNotImplemented), "NOTIMP"},
		{"timeout", silent, "timeout"},
		{"referral", dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			m := new(dns.Msg)
			m.SetReply(r)
			ns, _ := dns.NewRR("2.0.192.in-addr.arpa. 300 IN NS ns.example.net.")
			m.Ns = append(m.Ns, ns)
			_ = w.WriteMsg(m)
		}), "referral"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := dnstest.Count(tt.handler)
			c := newClient(t, fast(dnstest.NewServer(t, h)))
			start := time.Now()
			got, err := c.PTR(context.Background(), netip.MustParseAddr("192.0.2.5"))
			var te *resolver.TempError
			if !errors.As(err, &te) || !strings.Contains(te.Cause, tt.cause) {
				t.Fatalf("PTR = %v, %v; want TempError with %q", got, err, tt.cause)
			}
			if tt.name == "referral" {
				return // a referral is an answer: no retry
			}
			if n := h.Queries("5.2.0.192.in-addr.arpa.", "PTR"); n != 3 {
				t.Errorf("server saw %d queries, want 3 (2 retries)", n)
			}
			if tt.name == "timeout" {
				if el := time.Since(start); el < 300*time.Millisecond || el > 2*time.Second {
					t.Errorf("3 attempts of 100ms took %v", el)
				}
				if got := c.Stats().Timeouts; got != 3 {
					t.Errorf("Stats().Timeouts = %d, want 3", got)
				}
			}
		})
	}
}

// TestNoEDNS: a server that answers FORMERR to EDNS0 is asked again without.
func TestNoEDNS(t *testing.T) {
	t.Parallel()
	zh := dnstest.Handler(t, zone...)
	h := dnstest.Count(dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		if r.IsEdns0() != nil {
			rcode(dns.RcodeFormatError)(w, r)
			return
		}
		zh.ServeDNS(w, r)
	}))
	c := newClient(t, fast(dnstest.NewServer(t, h)))
	got, err := c.PTR(context.Background(), netip.MustParseAddr("192.0.2.5"))
	if err != nil || len(got) != 1 {
		t.Fatalf("PTR = %q, %v", got, err)
	}
	if n := h.Queries("", ""); n != 2 {
		t.Errorf("%d queries, want 2", n)
	}
	// A FORMERR without EDNS0 is an error like SERVFAIL.
	c = newClient(t, fast(dnstest.NewServer(t, rcode(dns.RcodeFormatError))))
	if _, err := c.PTR(context.Background(), netip.MustParseAddr("192.0.2.5")); !resolver.IsTemp(err) || !strings.Contains(err.Error(), "FORMERR") {
		t.Errorf("PTR = %v, want TempError FORMERR", err)
	}
}

// TestFailover: a broken server is skipped for the next one.
func TestFailover(t *testing.T) {
	t.Parallel()
	for _, bad := range []dns.Handler{rcode(dns.RcodeServerFailure), rcode(dns.RcodeRefused), silent} {
		badAddr := dnstest.NewServer(t, bad)
		good := dnstest.NewServer(t, dnstest.Handler(t, zone...))
		c := newClient(t, fast(badAddr, good))
		for i := range 4 { // every start position in the rotation
			got, err := c.PTR(context.Background(), netip.MustParseAddr("192.0.2.5"))
			if err != nil || len(got) != 1 {
				t.Fatalf("lookup %d: %q, %v", i, got, err)
			}
		}
	}
}

// TestRefusedPort: a port nothing listens on (ICMP port unreachable) fails
// without waiting for the timeout.
func TestRefusedPort(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	cfg := fast(addr)
	cfg.Timeout = 5 * time.Second
	c := newClient(t, cfg)
	start := time.Now()
	_, err = c.PTR(context.Background(), netip.MustParseAddr("192.0.2.5"))
	if !resolver.IsTemp(err) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("err = %v, want TempError: connection refused", err)
	}
	if el := time.Since(start); el > 4*time.Second {
		t.Errorf("took %v: a refused port should not wait for the timeout", el)
	}
}

func TestTruncatedAnswerUsesTCP(t *testing.T) {
	t.Parallel()
	var rrs []string
	for i := range 200 {
		rrs = append(rrs, fmt.Sprintf("big.example.com. 300 IN A 198.51.%d.%d", i/250, i%250+1))
	}
	h := dnstest.Count(dnstest.Handler(t, rrs...))
	c := newClient(t, fast(dnstest.NewServer(t, h)))
	got, err := c.Addrs(context.Background(), "big.example.com.", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 200 {
		t.Errorf("got %d addresses over TCP, want 200", len(got))
	}
	if st := c.Stats(); st.TCP != 1 || st.Sent != 2 {
		t.Errorf("Stats = %+v, want one UDP and one TCP query", st)
	}
}

func TestQPSLimit(t *testing.T) {
	t.Parallel()
	cfg := fast(dnstest.NewServer(t, dnstest.Handler(t, zone...)))
	cfg.QPS = 200
	c := newClient(t, cfg)
	const n = 100
	start := time.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := c.PTR(context.Background(), netip.MustParseAddr("192.0.2.5")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// 100 queries at 200/s: about 0.5s, less the burst allowance (10ms).
	if el := time.Since(start); el < 400*time.Millisecond || el > 3*time.Second {
		t.Errorf("%d queries at 200 q/s took %v", n, el)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	cfg := fast(dnstest.NewServer(t, silent))
	cfg.Timeout = 10 * time.Second
	c := newClient(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.PTR(ctx, netip.MustParseAddr("192.0.2.5"))
	if !resolver.IsTemp(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a TempError wrapping context.DeadlineExceeded", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("cancelled lookup took %v", el)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	cfg := fast(dnstest.NewServer(t, silent))
	cfg.Timeout = 10 * time.Second
	c, err := resolver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 20 {
		wg.Go(func() {
			if _, err := c.PTR(context.Background(), netip.MustParseAddr("192.0.2.5")); resolver.IsTemp(err) {
				failed.Add(1)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	c.Close()
	wg.Wait()
	if failed.Load() != 20 {
		t.Errorf("%d of 20 lookups failed with TempError after Close", failed.Load())
	}
	if _, err := c.PTR(context.Background(), netip.MustParseAddr("192.0.2.5")); !resolver.IsTemp(err) {
		t.Errorf("lookup after Close: %v", err)
	}
}

// TestDroppedQueries: with a server that drops 20% of queries, every lookup
// either gets the right answer or a TempError, never a wrong one.
func TestDroppedQueries(t *testing.T) {
	t.Parallel()
	var rrs []string
	for i := 1; i <= 200; i++ {
		rrs = append(rrs, fmt.Sprintf("%d.2.0.192.in-addr.arpa. 300 IN PTR h%d.example.com.", i, i))
	}
	h := dnstest.Drop(dnstest.Handler(t, rrs...), 0.2, 1)
	c := newClient(t, fast(dnstest.NewServer(t, h)))
	var wg sync.WaitGroup
	var temp atomic.Int32
	for i := 1; i <= 255; i++ {
		wg.Go(func() {
			a := netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})
			got, err := c.PTR(context.Background(), a)
			var want []string
			if i <= 200 {
				want = []string{fmt.Sprintf("h%d.example.com.", i)}
			}
			switch {
			case resolver.IsTemp(err):
				temp.Add(1)
			case err != nil:
				t.Errorf("%s: %v", a, err)
			case !slices.Equal(got, want):
				t.Errorf("%s: got %q, want %q", a, got, want)
			}
		})
	}
	wg.Wait()
	// P(3 drops in a row) = 0.8%: about 2 of 255.
	if n := temp.Load(); n > 15 {
		t.Errorf("%d of 255 lookups failed", n)
	}
}

// goid returns the current goroutine's number (tests only).
func goid() string {
	var b [64]byte
	s := string(b[:runtime.Stack(b[:], false)])
	return strings.Fields(s)[1]
}

// TestFuncs: the callback API calls back once, with what the blocking API
// returns, and never inside the call, even for failures found at once.
func TestFuncs(t *testing.T) {
	t.Parallel()
	c := newClient(t, fast(dnstest.NewServer(t, dnstest.Handler(t, zone...))))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	type result struct {
		n     int
		err   error
		where string
	}
	tests := []struct {
		name  string
		start func(done func(int, error))
		n     int
		fails bool
	}{
		{"ptr", func(done func(int, error)) {
			c.PTRFunc(context.Background(), netip.MustParseAddr("192.0.2.6"), func(p []string, err error) { done(len(p), err) })
		}, 2, false},
		{"addrs", func(done func(int, error)) {
			c.AddrsFunc(context.Background(), "mail.example.com", false, func(a []netip.Addr, err error) { done(len(a), err) })
		}, 2, false},
		{"invalid address", func(done func(int, error)) {
			c.PTRFunc(context.Background(), netip.Addr{}, func(p []string, err error) { done(len(p), err) })
		}, 0, true},
		{"bad name", func(done func(int, error)) {
			c.AddrsFunc(context.Background(), strings.Repeat("x", 70)+".example.", false, func(a []netip.Addr, err error) { done(len(a), err) })
		}, 0, true},
		{"cancelled", func(done func(int, error)) {
			c.PTRFunc(cancelled, netip.MustParseAddr("192.0.2.5"), func(p []string, err error) { done(len(p), err) })
		}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := make(chan result, 2)
			caller := goid()
			tt.start(func(n int, err error) { ch <- result{n, err, goid()} })
			r := <-ch
			if r.where == caller {
				t.Error("callback ran inside the call")
			}
			if (r.err != nil) != tt.fails || r.n != tt.n {
				t.Errorf("got %d results, %v", r.n, r.err)
			}
			select {
			case r := <-ch:
				t.Errorf("called back twice: %+v", r)
			case <-time.After(50 * time.Millisecond):
			}
		})
	}
}

// TestMaxInFlight: past Config.MaxInFlight, lookups wait their turn.
func TestMaxInFlight(t *testing.T) {
	t.Parallel()
	zh := dnstest.Handler(t, zone...)
	var now, peak atomic.Int32
	slow := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		n := now.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(5 * time.Millisecond)
		now.Add(-1)
		zh.ServeDNS(w, r)
	})
	cfg := fast(dnstest.NewServer(t, slow))
	cfg.MaxInFlight = 2
	cfg.Timeout = 2 * time.Second
	c := newClient(t, cfg)
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			if got, err := c.PTR(context.Background(), netip.MustParseAddr("192.0.2.5")); err != nil || len(got) != 1 {
				t.Errorf("PTR = %q, %v", got, err)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 2 {
		t.Errorf("%d queries in flight at once, want at most 2", p)
	}
}

// TestCloseWaiting: Close fails the lookups waiting for a place in flight too.
func TestCloseWaiting(t *testing.T) {
	t.Parallel()
	cfg := fast(dnstest.NewServer(t, silent))
	cfg.MaxInFlight = 1
	cfg.Timeout = 10 * time.Second
	c, err := resolver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 10)
	for range 10 {
		c.PTRFunc(context.Background(), netip.MustParseAddr("192.0.2.5"), func(_ []string, err error) { errs <- err })
	}
	time.Sleep(20 * time.Millisecond)
	c.Close()
	for range 10 {
		select {
		case err := <-errs:
			if !resolver.IsTemp(err) {
				t.Errorf("err = %v, want TempError", err)
			}
		case <-time.After(3 * time.Second):
			t.Fatal("a lookup did not end after Close")
		}
	}
}
