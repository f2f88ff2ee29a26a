package resolver_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
	"github.com/rdnsctl/rdnsctl/resolver"
)

const (
	child  = "a.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."
	parent = "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."
)

func mustRR(t *testing.T, s string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

// asked counts the queries a handler got, and those with the RD bit set.
type asked struct{ n, rd, tcp atomic.Int32 }

// answering serves the message reply builds for each query (nil: no answer),
// counting the queries.
func answering(q *asked, reply func(r *dns.Msg, tcp bool) *dns.Msg) dns.HandlerFunc {
	return func(w dns.ResponseWriter, r *dns.Msg) {
		q.n.Add(1)
		if r.RecursionDesired {
			q.rd.Add(1)
		}
		tcp := w.RemoteAddr().Network() == "tcp"
		if tcp {
			q.tcp.Add(1)
		}
		if m := reply(r, tcp); m != nil {
			_ = w.WriteMsg(m)
		}
	}
}

func addrPort(t *testing.T, s string) netip.AddrPort {
	t.Helper()
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		t.Fatal(err)
	}
	return ap
}

// directClient is a client whose configured resolver must never be asked
// by SOAAt (it counts the queries it gets).
func directClient(t *testing.T) (*resolver.Client, *asked) {
	t.Helper()
	var q asked
	srv := dnstest.NewServer(t, answering(&q, func(r *dns.Msg, _ bool) *dns.Msg {
		m := new(dns.Msg)
		return m.SetRcode(r, dns.RcodeServerFailure)
	}))
	return newClient(t, fast(srv)), &q
}

func TestSOAAt(t *testing.T) {
	t.Parallel()
	soa := func(owner string) string {
		return owner + " 300 IN SOA ns1.example.net. hostmaster.example.net. 1 3600 900 604800 300"
	}
	tests := []struct {
		name    string
		zone    string
		reply   func(t *testing.T, r *dns.Msg, tcp bool) *dns.Msg
		want    resolver.Authority // Server filled in
		queries int32
		ok      bool
	}{
		{
			name: "authoritative",
			zone: child,
			reply: func(t *testing.T, r *dns.Msg, _ bool) *dns.Msg {
				m := new(dns.Msg).SetReply(r)
				m.Authoritative = true
				m.Answer = []dns.RR{mustRR(t, soa(child))}
				return m
			},
			want:    resolver.Authority{AA: true, SOA: true},
			queries: 1, ok: true,
		},
		{
			name: "owner in other case",
			zone: "0-25.2.0.192.in-addr.arpa.",
			reply: func(t *testing.T, r *dns.Msg, _ bool) *dns.Msg {
				m := new(dns.Msg).SetReply(r)
				m.Authoritative = true
				m.Answer = []dns.RR{mustRR(t, soa("0-25.2.0.192.IN-ADDR.ARPA."))}
				return m
			},
			want:    resolver.Authority{AA: true, SOA: true},
			queries: 1, ok: true,
		},
		{
			name: "refused, not asked again",
			zone: child,
			reply: func(_ *testing.T, r *dns.Msg, _ bool) *dns.Msg {
				return new(dns.Msg).SetRcode(r, dns.RcodeRefused)
			},
			want:    resolver.Authority{Rcode: dns.RcodeRefused},
			queries: 1,
		},
		{
			name: "servfail, asked again then returned",
			zone: child,
			reply: func(_ *testing.T, r *dns.Msg, _ bool) *dns.Msg {
				return new(dns.Msg).SetRcode(r, dns.RcodeServerFailure)
			},
			want:    resolver.Authority{Rcode: dns.RcodeServerFailure},
			queries: 3,
		},
		{
			name: "referral without AA",
			zone: child,
			reply: func(t *testing.T, r *dns.Msg, _ bool) *dns.Msg {
				m := new(dns.Msg).SetReply(r)
				m.Ns = []dns.RR{mustRR(t, child+" 300 IN NS ns1.customer.example.")}
				return m
			},
			want:    resolver.Authority{Referral: child},
			queries: 1,
		},
		{
			name: "referral upwards from a recursive-minded server",
			zone: child,
			reply: func(t *testing.T, r *dns.Msg, _ bool) *dns.Msg {
				m := new(dns.Msg).SetReply(r)
				m.RecursionAvailable = true
				m.Ns = []dns.RR{mustRR(t, ". 300 IN NS a.root-servers.net.")}
				return m
			},
			want:    resolver.Authority{RA: true, Referral: "."},
			queries: 1,
		},
		{
			name: "nxdomain from the parent",
			zone: child,
			reply: func(t *testing.T, r *dns.Msg, _ bool) *dns.Msg {
				m := new(dns.Msg).SetRcode(r, dns.RcodeNameError)
				m.Authoritative = true
				m.Ns = []dns.RR{mustRR(t, soa(parent))}
				return m
			},
			want:    resolver.Authority{Rcode: dns.RcodeNameError, AA: true, OtherSOA: parent},
			queries: 1,
		},
		{
			name: "nodata from the parent",
			zone: child,
			reply: func(t *testing.T, r *dns.Msg, _ bool) *dns.Msg {
				m := new(dns.Msg).SetReply(r)
				m.Authoritative = true
				m.Ns = []dns.RR{mustRR(t, soa(parent))}
				return m
			},
			want:    resolver.Authority{AA: true, OtherSOA: parent},
			queries: 1,
		},
		{
			name: "SOA of the wrong owner",
			zone: child,
			reply: func(t *testing.T, r *dns.Msg, _ bool) *dns.Msg {
				m := new(dns.Msg).SetReply(r)
				m.Authoritative = true
				m.Answer = []dns.RR{mustRR(t, soa(parent))}
				return m
			},
			want:    resolver.Authority{AA: true, OtherSOA: parent},
			queries: 1,
		},
		{
			name: "SOA of class CH is not the zone's",
			zone: child,
			reply: func(t *testing.T, r *dns.Msg, _ bool) *dns.Msg {
				m := new(dns.Msg).SetReply(r)
				m.Authoritative = true
				m.Answer = []dns.RR{mustRR(t, child+" 300 CH SOA ns1.example.net. hostmaster.example.net. 1 3600 900 604800 300")}
				return m
			},
			want:    resolver.Authority{AA: true},
			queries: 1,
		},
		{
			name: "answer from a cache, without AA",
			zone: child,
			reply: func(t *testing.T, r *dns.Msg, _ bool) *dns.Msg {
				m := new(dns.Msg).SetReply(r)
				m.RecursionAvailable = true
				m.Answer = []dns.RR{mustRR(t, soa(child))}
				return m
			},
			want:    resolver.Authority{RA: true, SOA: true},
			queries: 1,
		},
		{
			name: "truncated over UDP: asked again over TCP",
			zone: child,
			reply: func(t *testing.T, r *dns.Msg, tcp bool) *dns.Msg {
				m := new(dns.Msg).SetReply(r)
				m.Authoritative = true
				if !tcp {
					m.Truncated = true
					return m
				}
				m.Answer = []dns.RR{mustRR(t, soa(child))}
				return m
			},
			want:    resolver.Authority{AA: true, SOA: true},
			queries: 2, ok: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, resolverQ := directClient(t)
			var q asked
			srv := addrPort(t, dnstest.NewServer(t, answering(&q, func(r *dns.Msg, tcp bool) *dns.Msg {
				if len(r.Question) != 1 || r.Question[0].Qtype != dns.TypeSOA || !strings.EqualFold(r.Question[0].Name, tc.zone) {
					t.Errorf("question %v, want %s SOA", r.Question, tc.zone)
				}
				return tc.reply(t, r, tcp)
			})))
			got, err := c.SOAAt(context.Background(), srv, tc.zone)
			if err != nil {
				t.Fatalf("SOAAt: %v", err)
			}
			want := tc.want
			want.Server = srv
			if got != want {
				t.Errorf("SOAAt = %+v, want %+v", got, want)
			}
			if got.Authoritative() != tc.ok {
				t.Errorf("Authoritative() = %v, want %v", got.Authoritative(), tc.ok)
			}
			if n := q.n.Load(); n != tc.queries {
				t.Errorf("server got %d queries, want %d", n, tc.queries)
			}
			if n := q.rd.Load(); n != 0 {
				t.Errorf("%d queries had the RD bit set", n)
			}
			if n := resolverQ.n.Load(); n != 0 {
				t.Errorf("the configured resolver got %d queries; SOAAt asks the given server only", n)
			}
		})
	}
}

func TestSOAAtTimeout(t *testing.T) {
	t.Parallel()
	c, _ := directClient(t)
	var q asked
	srv := addrPort(t, dnstest.NewServer(t, answering(&q, func(*dns.Msg, bool) *dns.Msg { return nil })))
	start := time.Now()
	got, err := c.SOAAt(context.Background(), srv, child)
	if !resolver.IsTemp(err) || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("err = %v, want a TempError: timeout", err)
	}
	if got != (resolver.Authority{Server: srv}) {
		t.Errorf("Authority = %+v with an error, want only the server", got)
	}
	if n := q.n.Load(); n != 3 {
		t.Errorf("server got %d queries, want 3 (1 + 2 retries)", n)
	}
	if el := time.Since(start); el < 300*time.Millisecond || el > 3*time.Second {
		t.Errorf("3 attempts of 100ms took %v", el)
	}
}

func TestSOAAtRefusedPort(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := addrPort(t, pc.LocalAddr().String())
	pc.Close()
	c, _ := directClient(t)
	_, err = c.SOAAt(context.Background(), srv, child)
	if !resolver.IsTemp(err) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("err = %v, want a TempError: connection refused", err)
	}
}

func TestSOAAtCancel(t *testing.T) {
	t.Parallel()
	cfg := fast(dnstest.NewServer(t, silent))
	cfg.Timeout = 10 * time.Second
	c := newClient(t, cfg)
	srv := addrPort(t, dnstest.NewServer(t, silent))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.SOAAt(ctx, srv, child)
	if !resolver.IsTemp(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a TempError wrapping context.DeadlineExceeded", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("cancelled question took %v", el)
	}
}

func TestSOAAtInvalid(t *testing.T) {
	t.Parallel()
	c, _ := directClient(t)
	if _, err := c.SOAAt(context.Background(), netip.AddrPort{}, child); err == nil {
		t.Error("no error for an invalid server")
	}
	if _, err := c.SOAAt(context.Background(), netip.MustParseAddrPort("127.0.0.1:0"), child); err == nil {
		t.Error("no error for port 0")
	}
	if _, err := c.SOAAt(context.Background(), netip.MustParseAddrPort("127.0.0.1:53"), strings.Repeat("a", 64)+"."); err == nil {
		t.Error("no error for a label of 64 octets")
	}
}

// TestSOAAtMany asks many servers about many zones at once, under the
// client's in-flight bound and rate: every answer matches its question.
func TestSOAAtMany(t *testing.T) {
	t.Parallel()
	cfg := fast(dnstest.NewServer(t, silent))
	cfg.MaxInFlight = 16
	cfg.QPS = 5000
	c := newClient(t, cfg)
	const servers, zones = 8, 64
	var addrs []netip.AddrPort
	for i := range servers {
		var q asked
		addrs = append(addrs, addrPort(t, dnstest.NewServer(t, answering(&q, func(r *dns.Msg, _ bool) *dns.Msg {
			name := r.Question[0].Name
			// server i serves the zones whose number is i modulo servers
			var n int
			fmt.Sscanf(name, "z%d.", &n)
			if n%servers != i {
				return new(dns.Msg).SetRcode(r, dns.RcodeRefused)
			}
			m := new(dns.Msg).SetReply(r)
			m.Authoritative = true
			m.Answer = []dns.RR{mustRR(t, name+" 300 IN SOA ns. h. 1 2 3 4 5")}
			return m
		}))))
	}
	var wg sync.WaitGroup
	for s, ap := range addrs {
		for z := range zones {
			wg.Go(func() {
				a, err := c.SOAAt(context.Background(), ap, fmt.Sprintf("z%d.example.", z))
				if err != nil {
					t.Error(err)
					return
				}
				if want := z%servers == s; a.Authoritative() != want || a.Server != ap {
					t.Errorf("server %d zone %d: %+v, want authoritative %v", s, z, a, want)
				}
			})
		}
	}
	wg.Wait()
}
