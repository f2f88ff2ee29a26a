package dnstest_test

import (
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

func ask(t *testing.T, addr, network, name string, qtype uint16) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s over %s: %v", name, dns.TypeToString[qtype], network, err)
	}
	return r
}

func TestHandler(t *testing.T) {
	t.Parallel()
	h := dnstest.Count(dnstest.Handler(t,
		"www.example.test. 300 IN A 192.0.2.80",
		"alias.example.test. 300 IN CNAME www.example.test.",
		"deep.sub.example.test. 300 IN TXT \"x\"",
	))
	addr := dnstest.NewServer(t, h)
	tests := []struct {
		network, name string
		qtype         uint16
		rcode, answer int
	}{
		{"udp", "WWW.example.test.", dns.TypeA, dns.RcodeSuccess, 1},
		{"tcp", "www.example.test.", dns.TypeA, dns.RcodeSuccess, 1},
		{"udp", "www.example.test.", dns.TypeAAAA, dns.RcodeSuccess, 0},
		{"udp", "alias.example.test.", dns.TypeA, dns.RcodeSuccess, 1}, // the CNAME alone
		{"udp", "sub.example.test.", dns.TypeA, dns.RcodeSuccess, 0},   // empty non-terminal
		{"udp", "none.example.test.", dns.TypeA, dns.RcodeNameError, 0},
	}
	for _, tt := range tests {
		r := ask(t, addr, tt.network, tt.name, tt.qtype)
		if r.Rcode != tt.rcode || len(r.Answer) != tt.answer || !r.Authoritative {
			t.Errorf("%s %s: rcode %s, %d answers, aa=%v", tt.name, dns.TypeToString[tt.qtype],
				dns.RcodeToString[r.Rcode], len(r.Answer), r.Authoritative)
		}
	}
	if n := h.Queries("www.example.test", "a"); n != 2 {
		t.Errorf("Queries(www A) = %d, want 2", n)
	}
	if n := h.Queries("", ""); n != len(tests) {
		t.Errorf("Queries() = %d, want %d", n, len(tests))
	}
}

func TestDrop(t *testing.T) {
	t.Parallel()
	h := dnstest.Count(dnstest.Drop(dnstest.Handler(t, "www.example.test. 300 IN A 192.0.2.80"), 0.5, 1))
	addr := dnstest.NewServer(t, h)
	c := &dns.Client{Timeout: 50 * time.Millisecond}
	lost := 0
	for range 40 {
		m := new(dns.Msg)
		m.SetQuestion("www.example.test.", dns.TypeA)
		if _, _, err := c.Exchange(m, addr); err != nil {
			lost++
		}
	}
	if lost < 8 || lost > 32 {
		t.Errorf("%d of 40 queries lost, want about 20", lost)
	}
}

var zones = []dnstest.Zone{{Origin: "example.test", File: "testdata/example.zone"}}

func TestStartNamed(t *testing.T) {
	t.Parallel()
	addr := dnstest.StartNamed(t, zones)
	if r := ask(t, addr, "udp", "www.example.test.", dns.TypeA); len(r.Answer) != 1 {
		t.Errorf("named: %v", r)
	}
	if r := ask(t, addr, "tcp", "www.example.test.", dns.TypeA); len(r.Answer) != 1 {
		t.Errorf("named over TCP: %v", r)
	}
}

func TestStartKnot(t *testing.T) {
	t.Parallel()
	addr := dnstest.StartKnot(t, zones)
	if r := ask(t, addr, "udp", "www.example.test.", dns.TypeA); len(r.Answer) != 1 {
		t.Errorf("knotd: %v", r)
	}
}
