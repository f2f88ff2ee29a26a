// Package dnstest runs DNS servers on the loopback interface for tests:
// in-process miekg/dns servers (NewServer, with Handler for fixed data) and
// real BIND and Knot servers (StartNamed, StartKnot) on free ports.
//
// Everything listens on 127.0.0.1 only and is stopped by the test's Cleanup.
package dnstest

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// NewServer serves h over UDP and TCP on the same free port of 127.0.0.1 and
// returns "127.0.0.1:PORT". The server stops when the test ends.
func NewServer(tb testing.TB, h dns.Handler) string {
	tb.Helper()
	var (
		pc  net.PacketConn
		l   net.Listener
		err error
	)
	for try := 0; ; try++ {
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			tb.Fatalf("dnstest: %v", err)
		}
		l, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
		if try == 10 {
			tb.Fatalf("dnstest: no free port for UDP and TCP: %v", err)
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	udp := &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: wg.Done}
	tcp := &dns.Server{Listener: l, Handler: h, NotifyStartedFunc: wg.Done}
	for _, s := range []*dns.Server{udp, tcp} {
		go func() {
			if err := s.ActivateAndServe(); err != nil {
				tb.Logf("dnstest: server: %v", err)
			}
		}()
	}
	wg.Wait()
	tb.Cleanup(func() {
		_ = udp.Shutdown()
		_ = tcp.Shutdown()
	})
	return pc.LocalAddr().String()
}

// Handler answers authoritatively from a fixed set of records given in zone
// file syntax with absolute names ("5.2.0.192.in-addr.arpa. 300 IN PTR
// mail.example.com."). It answers like an authoritative server that does not
// follow CNAMEs into other zones (BIND's answer for an RFC 2317 parent):
//   - records of the name and type asked for: those;
//   - else a CNAME at the name: the CNAME alone;
//   - else a name that owns records or has names below it: NODATA;
//   - else NXDOMAIN.
//
// Names match case-insensitively; answers carry the owner names as written,
// compressed. Negative answers carry an SOA in the authority section.
func Handler(tb testing.TB, rrs ...string) dns.Handler {
	tb.Helper()
	h := &static{byName: map[string][]dns.RR{}}
	for _, s := range rrs {
		rr, err := dns.NewRR(s)
		if err != nil || rr == nil {
			tb.Fatalf("dnstest.Handler: %q: %v", s, err)
		}
		name := strings.ToLower(rr.Header().Name)
		h.byName[name] = append(h.byName[name], rr)
	}
	for name := range h.byName {
		h.names = append(h.names, name)
	}
	sort.Strings(h.names)
	return h
}

type static struct {
	byName map[string][]dns.RR
	names  []string
}

func (h *static) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.Compress = true
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		_ = w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	var cname dns.RR
	for _, rr := range h.byName[name] {
		switch rr.Header().Rrtype {
		case q.Qtype:
			m.Answer = append(m.Answer, dns.Copy(rr))
		case dns.TypeCNAME:
			cname = rr
		}
	}
	if len(m.Answer) == 0 && cname != nil {
		m.Answer = append(m.Answer, dns.Copy(cname))
	}
	if len(m.Answer) == 0 {
		if !h.exists(name) {
			m.Rcode = dns.RcodeNameError
		}
		soa, _ := dns.NewRR(". 60 IN SOA ns.invalid. hostmaster.invalid. 1 3600 600 86400 60")
		m.Ns = append(m.Ns, soa)
	}
	if opt := req.IsEdns0(); opt != nil {
		m.SetEdns0(opt.UDPSize(), false)
		if size := int(opt.UDPSize()); w.RemoteAddr().Network() == "udp" {
			m.Truncate(size)
		}
	} else if w.RemoteAddr().Network() == "udp" {
		m.Truncate(dns.MinMsgSize)
	}
	_ = w.WriteMsg(m)
}

// exists reports whether name owns records or has names below it.
func (h *static) exists(name string) bool {
	if _, ok := h.byName[name]; ok {
		return true
	}
	for _, n := range h.names {
		if dns.IsSubDomain(name, n) {
			return true
		}
	}
	return false
}

// freePort returns a port of 127.0.0.1 that was free for both UDP and TCP a
// moment ago.
func freePort() (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err == nil {
			pc.Close()
			return port, nil
		}
	}
	return 0, fmt.Errorf("no port of 127.0.0.1 free for UDP and TCP")
}

// waitSOA polls addr with SOA queries for every zone until each is answered
// authoritatively, the deadline passes, or exited is closed.
func waitSOA(addr string, zones []Zone, deadline time.Time, exited <-chan struct{}) error {
	c := &dns.Client{Net: "udp", Timeout: 250 * time.Millisecond}
	for _, z := range zones {
		for {
			m := new(dns.Msg)
			m.SetQuestion(dns.Fqdn(z.Origin), dns.TypeSOA)
			r, _, err := c.Exchange(m, addr)
			if err == nil && r.Rcode == dns.RcodeSuccess && r.Authoritative && len(r.Answer) > 0 {
				break
			}
			select {
			case <-exited:
				return fmt.Errorf("server exited")
			default:
			}
			if time.Now().After(deadline) {
				if err == nil {
					err = fmt.Errorf("answer %s", dns.RcodeToString[r.Rcode])
				}
				return fmt.Errorf("zone %s not served: %v", z.Origin, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}
