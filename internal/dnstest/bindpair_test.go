package dnstest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestBINDPair(t *testing.T) {
	dir := t.TempDir()
	zone := "$TTL 300\n@ SOA ns1.example.net. hostmaster.example.net. 1 3600 600 86400 300\n  NS ns1.example.net.\n5 PTR five.example.net.\n"
	f := filepath.Join(dir, "z")
	if err := os.WriteFile(f, []byte(strings.Replace(zone, "@", "7.0.10.in-addr.arpa.", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	p := StartBINDPair(t, []PairZone{{Origin: "7.0.10.in-addr.arpa", File: f, Dynamic: true}})
	// An update signed with the key reaches the primary, and by NOTIFY the secondary.
	m := new(dns.Msg)
	m.SetUpdate("7.0.10.in-addr.arpa.")
	rr, _ := dns.NewRR("6.7.0.10.in-addr.arpa. 300 IN PTR six.example.net.")
	m.Insert([]dns.RR{rr})
	m.SetTsig(p.KeyName+".", dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", TsigSecret: map[string]string{p.KeyName + ".": p.Secret}}
	r, _, err := c.Exchange(m, p.Primary)
	if err != nil || r.Rcode != dns.RcodeSuccess {
		t.Fatalf("update: %v %v", err, r)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		q := new(dns.Msg)
		q.SetQuestion("6.7.0.10.in-addr.arpa.", dns.TypePTR)
		r, _, err := (&dns.Client{}).Exchange(q, p.Secondary)
		if err == nil && len(r.Answer) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("secondary never served the update: %v %v", err, r)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out, err := p.RNDC("status"); err != nil {
		t.Fatalf("rndc: %v %s", err, out)
	}
}
