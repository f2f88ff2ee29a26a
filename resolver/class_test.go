package resolver_test

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
	"github.com/rdnsctl/rdnsctl/resolver"
)

// answerWith answers every query with rrs (zone-file syntax, any class), as a
// hostile or broken server might; edit may change the reply before it goes.
func answerWith(t *testing.T, rcode int, edit func(*dns.Msg), rrs ...string) dns.HandlerFunc {
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
		m.SetRcode(r, rcode)
		m.Authoritative = true
		m.Answer = append(m.Answer, parsed...)
		if edit != nil {
			edit(m)
		}
		_ = w.WriteMsg(m)
	}
}

// Only class IN is data: an A, AAAA, PTR or CNAME of another class in an
// answer is no address and no name, and an NXDOMAIN that does not say what
// it denies is no definite answer.
func TestAnswerClassAndQuestion(t *testing.T) {
	t.Parallel()
	noQuestion := func(m *dns.Msg) { m.Question = nil }
	chQuestion := func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassCHAOS }
	tests := []struct {
		name    string
		handler dns.Handler
		ptr     bool     // a PTR lookup of 192.0.2.5, else A of mail.example.com.
		want    []string // the result when it is not an error
		temp    string   // substring of the TempError's cause
	}{
		{name: "A in CH", handler: answerWith(t, dns.RcodeSuccess, nil, "mail.example.com. 300 CH A 192.0.2.5"),
			temp: "class CH"},
		{name: "A in HS", handler: answerWith(t, dns.RcodeSuccess, nil, "mail.example.com. 300 HS A 192.0.2.5"),
			temp: "class HS"},
		{name: "A in CLASS9", handler: answerWith(t, dns.RcodeSuccess, nil, "mail.example.com. 300 CLASS9 A 192.0.2.5"),
			temp: "class CLASS9"},
		{name: "A in CH beside A in IN", handler: answerWith(t, dns.RcodeSuccess, nil,
			"mail.example.com. 300 CH A 192.0.2.5", "mail.example.com. 300 IN A 192.0.2.77"), want: []string{"192.0.2.77"}},
		{name: "CNAME in CH", handler: answerWith(t, dns.RcodeSuccess, nil,
			"mail.example.com. 300 CH CNAME other.example.com.", "other.example.com. 300 IN A 192.0.2.5"), temp: "class CH"},
		{name: "PTR in CH", ptr: true, handler: answerWith(t, dns.RcodeSuccess, nil,
			"5.2.0.192.in-addr.arpa. 300 CH PTR mail.example.com."), temp: "class CH"},
		{name: "PTR via CNAME in CH", ptr: true, handler: answerWith(t, dns.RcodeSuccess, nil,
			"5.2.0.192.in-addr.arpa. 300 CH CNAME 5.0/26.2.0.192.in-addr.arpa.",
			"5.0/26.2.0.192.in-addr.arpa. 300 IN PTR mail.example.com."), temp: "class CH"},
		{name: "PTR in IN", ptr: true, handler: answerWith(t, dns.RcodeSuccess, nil,
			"5.2.0.192.in-addr.arpa. 300 IN PTR mail.example.com."), want: []string{"mail.example.com."}},
		{name: "NXDOMAIN without question", ptr: true, handler: answerWith(t, dns.RcodeNameError, noQuestion),
			temp: "NXDOMAIN without a question"},
		{name: "NXDOMAIN without question (A)", handler: answerWith(t, dns.RcodeNameError, noQuestion),
			temp: "NXDOMAIN without a question"},
		{name: "NXDOMAIN with question", ptr: true, handler: answerWith(t, dns.RcodeNameError, nil)},
		// An answer to another question (class CH) is not an answer: it is
		// ignored, so the lookup times out.
		{name: "question of class CH", handler: answerWith(t, dns.RcodeSuccess, chQuestion,
			"mail.example.com. 300 IN A 192.0.2.5"), temp: "timeout"},
		{name: "NXDOMAIN to a question of class CH", ptr: true, handler: answerWith(t, dns.RcodeNameError, chQuestion),
			temp: "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, fast(dnstest.NewServer(t, tt.handler)))
			var got []string
			var err error
			if tt.ptr {
				got, err = c.PTR(context.Background(), netip.MustParseAddr("192.0.2.5"))
			} else {
				var as []netip.Addr
				as, err = c.Addrs(context.Background(), "mail.example.com.", false)
				for _, a := range as {
					got = append(got, a.String())
				}
			}
			if tt.temp != "" {
				if !resolver.IsTemp(err) || !strings.Contains(err.Error(), tt.temp) {
					t.Fatalf("got %q, %v; want a TempError with %q", got, err, tt.temp)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
