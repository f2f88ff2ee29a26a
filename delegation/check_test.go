package delegation

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/resolver"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// fakeAsker answers from tables and counts the questions.
type fakeAsker struct {
	addrs map[string][]netip.Addr // "name/4" or "name/6"
	fail  map[string]error        // lookup errors, same keys
	// soa answers by "ADDR:PORT zone"; a missing entry is a timeout
	soa map[string]resolver.Authority
	err map[string]error

	mu      sync.Mutex
	lookups map[string]int
	asked   []string
}

func (f *fakeAsker) Addrs(_ context.Context, name string, v6 bool) ([]netip.Addr, error) {
	k := name + "/4"
	if v6 {
		k = name + "/6"
	}
	f.mu.Lock()
	if f.lookups == nil {
		f.lookups = map[string]int{}
	}
	f.lookups[k]++
	f.mu.Unlock()
	return f.addrs[k], f.fail[k]
}

func (f *fakeAsker) SOAAt(_ context.Context, server netip.AddrPort, zone string) (resolver.Authority, error) {
	k := server.String() + " " + zone
	f.mu.Lock()
	f.asked = append(f.asked, k)
	f.mu.Unlock()
	if err := f.err[k]; err != nil {
		return resolver.Authority{Server: server}, err
	}
	a, ok := f.soa[k]
	if !ok {
		return resolver.Authority{Server: server}, &resolver.TempError{Cause: "timeout from " + server.String() + " (after 3 attempts)"}
	}
	a.Server = server
	return a, nil
}

var (
	okAuth  = resolver.Authority{AA: true, SOA: true}
	refused = resolver.Authority{Rcode: dns.RcodeRefused}
)

const (
	cust56 = "a.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."
	cust25 = "0-25.2.0.192.in-addr.arpa."
)

func addrs(s ...string) []netip.Addr {
	var out []netip.Addr
	for _, x := range s {
		out = append(out, netip.MustParseAddr(x))
	}
	return out
}

type count struct{ n atomic.Int64 }

func (c *count) Add(n int) { c.n.Add(int64(n)) }

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		points  []Point
		asker   *fakeAsker
		opts    CheckOptions
		verdict []Verdict
		reason  []string // substrings, one per point
		lame    [][]string
	}{
		{
			name:   "two servers answer",
			points: []Point{{Owner: cust56, NS: []string{"ns1.c.example.", "ns2.c.example."}}},
			asker: &fakeAsker{
				addrs: map[string][]netip.Addr{"ns1.c.example./4": addrs("192.0.2.1"), "ns2.c.example./6": addrs("2001:db8::2")},
				soa:   map[string]resolver.Authority{"192.0.2.1:53 " + cust56: okAuth, "[2001:db8::2]:53 " + cust56: okAuth},
			},
			verdict: []Verdict{OK}, reason: []string{""},
		},
		{
			name:   "one of two lame",
			points: []Point{{Owner: cust56, NS: []string{"ns1.c.example.", "ns2.c.example."}}},
			asker: &fakeAsker{
				addrs: map[string][]netip.Addr{"ns1.c.example./4": addrs("192.0.2.1"), "ns2.c.example./4": addrs("192.0.2.2")},
				soa:   map[string]resolver.Authority{"192.0.2.1:53 " + cust56: okAuth, "192.0.2.2:53 " + cust56: refused},
			},
			verdict: []Verdict{Lame}, reason: []string{"1 of 2 name servers lame: ns2.c.example. 192.0.2.2: refused"},
			lame: [][]string{{"ns2.c.example."}},
		},
		{
			name:   "one address of a name lame",
			points: []Point{{Owner: cust56, NS: []string{"ns1.c.example."}}},
			asker: &fakeAsker{
				addrs: map[string][]netip.Addr{"ns1.c.example./4": addrs("192.0.2.1"), "ns1.c.example./6": addrs("2001:db8::1")},
				soa:   map[string]resolver.Authority{"192.0.2.1:53 " + cust56: okAuth},
			},
			verdict: []Verdict{Lame}, reason: []string{"1 of 1 name server lame: ns1.c.example. 2001:db8::1: timeout: no answer"},
			lame: [][]string{{"ns1.c.example."}},
		},
		{
			name:    "NS name without address",
			points:  []Point{{Owner: cust56, NS: []string{"gone.c.example."}}},
			asker:   &fakeAsker{},
			verdict: []Verdict{Lame}, reason: []string{"gone.c.example.: no address for the NS name"},
			lame: [][]string{{"gone.c.example."}},
		},
		{
			name:   "NS lookup fails: unknown, not lame",
			points: []Point{{Owner: cust56, NS: []string{"ns1.c.example."}}},
			asker: &fakeAsker{fail: map[string]error{
				"ns1.c.example./4": &resolver.TempError{Cause: "SERVFAIL from 127.0.0.1:53"},
				"ns1.c.example./6": &resolver.TempError{Cause: "SERVFAIL from 127.0.0.1:53"},
			}},
			verdict: []Verdict{Unknown}, reason: []string{"1 of 1 name server not checked: ns1.c.example.: address lookup failed"},
		},
		{
			name:   "one family fails, the other answers",
			points: []Point{{Owner: cust56, NS: []string{"ns1.c.example."}}},
			asker: &fakeAsker{
				addrs: map[string][]netip.Addr{"ns1.c.example./4": addrs("192.0.2.1")},
				fail:  map[string]error{"ns1.c.example./6": &resolver.TempError{Cause: "timeout"}},
				soa:   map[string]resolver.Authority{"192.0.2.1:53 " + cust56: okAuth},
			},
			verdict: []Verdict{OK}, reason: []string{""},
		},
		{
			name:   "glue and zone addresses first, on the configured port",
			points: []Point{{Owner: cust25, NS: []string{"ns.2.0.192.in-addr.arpa.", "ns.lab.example."}, Glue: map[string][]netip.Addr{"ns.2.0.192.in-addr.arpa.": addrs("127.0.0.1")}}},
			asker: &fakeAsker{soa: map[string]resolver.Authority{
				"127.0.0.1:5300 " + cust25: okAuth, "127.0.0.2:5300 " + cust25: {AA: true, OtherSOA: "2.0.192.in-addr.arpa."},
			}},
			opts:    CheckOptions{Port: 5300, Addrs: map[string][]netip.Addr{"ns.lab.example.": addrs("127.0.0.2")}},
			verdict: []Verdict{Lame}, reason: []string{"ns.lab.example. 127.0.0.2:5300: not authoritative: answers from zone 2.0.192.in-addr.arpa."},
			lame: [][]string{{"ns.lab.example."}},
		},
		{
			name: "each point asked for its own zone",
			points: []Point{
				{Owner: cust25, NS: []string{"ns.c.example."}},
				{Owner: cust56, NS: []string{"ns.c.example."}},
				{Owner: "b.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", NS: []string{"ns.c.example."}},
			},
			asker: &fakeAsker{
				addrs: map[string][]netip.Addr{"ns.c.example./4": addrs("192.0.2.9")},
				soa: map[string]resolver.Authority{
					"192.0.2.9:53 " + cust25:                             okAuth,
					"192.0.2.9:53 " + cust56:                             {Rcode: dns.RcodeNameError, AA: true, OtherSOA: "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."},
					"192.0.2.9:53 b.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.": {Referral: "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."},
				},
			},
			verdict: []Verdict{OK, Lame, Lame},
			reason:  []string{"", "nxdomain (from zone 0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.)", "not authoritative: referral to 0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."},
			lame:    [][]string{nil, {"ns.c.example."}, {"ns.c.example."}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var progress count
			tc.opts.Progress = &progress
			got := Check(context.Background(), tc.points, tc.asker, tc.opts)
			if len(got) != len(tc.points) {
				t.Fatalf("%d results for %d points", len(got), len(tc.points))
			}
			for i, r := range got {
				if r.Point.Owner != tc.points[i].Owner {
					t.Errorf("result %d is of %s, want %s", i, r.Point.Owner, tc.points[i].Owner)
				}
				if r.Verdict != tc.verdict[i] || !strings.Contains(r.Reason, tc.reason[i]) || (tc.reason[i] == "") != (r.Reason == "") {
					t.Errorf("point %s: %s %q, want %s %q", r.Point.Owner, r.Verdict, r.Reason, tc.verdict[i], tc.reason[i])
				}
				var lame []string
				if tc.lame != nil {
					lame = tc.lame[i]
				}
				if fmt.Sprint(r.Lame) != fmt.Sprint(lame) {
					t.Errorf("point %s: lame %v, want %v", r.Point.Owner, r.Lame, lame)
				}
			}
			if n := progress.n.Load(); n != int64(len(tc.points)) {
				t.Errorf("progress counted %d, want %d points", n, len(tc.points))
			}
			for k, n := range tc.asker.lookups {
				if n != 1 {
					t.Errorf("%s looked up %d times, want once", k, n)
				}
				name := strings.Split(k, "/")[0]
				if tc.opts.Addrs[name] != nil || strings.HasSuffix(name, ".in-addr.arpa.") {
					t.Errorf("%s looked up although the zones hold its address", k)
				}
			}
			for _, k := range tc.asker.asked {
				port := tc.opts.Port
				if port == 0 {
					port = 53
				}
				if !strings.Contains(k, fmt.Sprintf(":%d ", port)) {
					t.Errorf("asked %s, want port %d", k, port)
				}
			}
		})
	}
}

func TestJudge(t *testing.T) {
	tests := []struct {
		a       resolver.Authority
		err     error
		verdict Verdict
		reason  string
	}{
		{a: okAuth, verdict: OK},
		{a: refused, verdict: Lame, reason: "refused"},
		{a: resolver.Authority{Rcode: dns.RcodeServerFailure}, verdict: Lame, reason: "servfail"},
		{a: resolver.Authority{Rcode: dns.RcodeNotImplemented}, verdict: Lame, reason: "notimp"},
		{a: resolver.Authority{Rcode: dns.RcodeNameError, AA: true}, verdict: Lame, reason: "nxdomain"},
		{a: resolver.Authority{Referral: cust56}, verdict: Lame, reason: "not authoritative: referral to " + cust56},
		{a: resolver.Authority{SOA: true, RA: true}, verdict: Lame, reason: "not authoritative: answer without the AA bit (a recursive resolver?)"},
		{a: resolver.Authority{AA: true}, verdict: Lame, reason: "not authoritative: no SOA for the zone in its answer"},
		{a: resolver.Authority{}, verdict: Lame, reason: "not authoritative: no AA bit, no data"},
		{err: &resolver.TempError{Cause: "timeout from 192.0.2.1:53 (after 3 attempts)"}, verdict: Lame, reason: "timeout: no answer (timeout from 192.0.2.1:53 (after 3 attempts))"},
		{err: &resolver.TempError{Cause: "connection refused by 127.0.0.1:53", Err: syscall.ECONNREFUSED}, verdict: Lame, reason: "no answer: connection refused by 127.0.0.1:53"},
		{err: &resolver.TempError{Cause: "network is unreachable", Err: syscall.ENETUNREACH}, verdict: Unknown, reason: "unreachable from here: temporary DNS failure: network is unreachable"},
		{err: &resolver.TempError{Cause: "context canceled", Err: context.Canceled}, verdict: Unknown, reason: "not checked: temporary DNS failure: context canceled"},
		{err: errors.New("odd"), verdict: Lame, reason: "no answer: odd"},
	}
	for _, tc := range tests {
		v, r := judge(tc.a, tc.err)
		if v != tc.verdict || r != tc.reason {
			t.Errorf("judge(%+v, %v) = %s %q, want %s %q", tc.a, tc.err, v, r, tc.verdict, tc.reason)
		}
	}
}

// TestCheckClient runs the check through a real resolver.Client against
// in-process servers: one serves the child zone, one is lame for it, and
// the resolver knows the NS names.
func TestCheckClient(t *testing.T) {
	auth := dnstest.NewServer(t, dnstest.Handler(t,
		cust56+" 300 IN SOA ns1.c.example. h.c.example. 1 3600 900 604800 300",
		cust56+" 300 IN NS ns1.c.example.",
	))
	lame := dnstest.NewServer(t, dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		_ = w.WriteMsg(new(dns.Msg).SetRcode(r, dns.RcodeRefused))
	}))
	authAP, lameAP := netip.MustParseAddrPort(auth), netip.MustParseAddrPort(lame)
	if authAP.Port() == lameAP.Port() {
		t.Skip("both servers on one port")
	}
	// Two points, each checked on its own port: two Check runs.
	rsv := dnstest.NewServer(t, dnstest.Handler(t, "ns1.c.example. 300 IN A 127.0.0.1"))
	c, err := resolver.New(resolver.Config{Servers: []string{rsv}, Timeout: 200 * time.Millisecond, Retries: 1, Backoff: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	points := []Point{{Owner: cust56, NS: []string{"ns1.c.example."}}}
	for _, tc := range []struct {
		port    uint16
		verdict Verdict
		reason  string
	}{
		{authAP.Port(), OK, ""},
		{lameAP.Port(), Lame, "1 of 1 name server lame: ns1.c.example. " + lame + ": refused"},
	} {
		got := Check(context.Background(), points, c, CheckOptions{Port: tc.port})
		if got[0].Verdict != tc.verdict || got[0].Reason != tc.reason {
			t.Errorf("port %d: %s %q, want %s %q", tc.port, got[0].Verdict, got[0].Reason, tc.verdict, tc.reason)
		}
	}
}

func TestZoneAddrs(t *testing.T) {
	fsys := fstest.MapFS{
		"v4":  {Data: []byte("$ORIGIN 2.0.192.in-addr.arpa.\n" + soa + "0-25 IN NS ns.2.0.192.in-addr.arpa.\nns IN A 192.0.2.53\nNS IN A 192.0.2.53\n")},
		"fwd": {Data: []byte("$ORIGIN example.net.\n" + soa + "ns1 IN A 198.51.100.1\nns1 IN AAAA 2001:db8::1\nwww IN CNAME ns1\n")},
	}
	s, err := zoneset.LoadFS(fsys, []zoneset.Spec{{Path: "v4"}, {Path: "fwd"}}, zoneset.Options{Style: rdns.Slash})
	if err != nil {
		t.Fatal(err)
	}
	got := ZoneAddrs(s)
	want := map[string]string{
		"ns.2.0.192.in-addr.arpa.": "[192.0.2.53]",
		"ns1.example.net.":         "[198.51.100.1 2001:db8::1]",
	}
	if len(got) != len(want) {
		t.Errorf("ZoneAddrs = %v, want %v", got, want)
	}
	for k, v := range want {
		if fmt.Sprint(got[k]) != v {
			t.Errorf("%s: %v, want %s", k, got[k], v)
		}
	}
}
