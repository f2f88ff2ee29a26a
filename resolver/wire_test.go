package resolver

import (
	"bytes"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/rdns"
)

func TestAppendReverse(t *testing.T) {
	for _, s := range []string{"0.0.0.0", "192.0.2.5", "10.100.9.255", "255.255.255.255", "2001:db8::1", "::", "fe80::1:2:3:4"} {
		a := netip.MustParseAddr(s)
		want, err := dns.ReverseAddr(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := nameText(rdns.AppendReverseWire(nil, a))
		if err != nil || got != want {
			t.Errorf("rdns.AppendReverseWire(%s) = %q, %v; want %q", s, got, err, want)
		}
	}
}

func TestNameText(t *testing.T) {
	for _, name := range []string{".", "example.com.", "Mail-1.Example_x.COM.", `a\.b.example.`, `sp\032ace.example.`, `x\255y.`, `semi\;colon.`} {
		var buf [maxName + 1]byte
		n, err := dns.PackDomainName(name, buf[:], 0, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		want, _, _ := dns.UnpackDomainName(buf[:n], 0)
		if got, err := nameText(buf[:n]); got != want || err != nil {
			t.Errorf("nameText(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
}

func TestAppendName(t *testing.T) {
	for in, want := range map[string]string{
		"Mail.Example.COM":   "mail.example.com.",
		"mail.example.com.":  "mail.example.com.",
		`weird\.label.test.`: `weird\.label.test.`,
		".":                  ".",
	} {
		w, err := appendName(nil, in)
		if err != nil {
			t.Fatalf("appendName(%q): %v", in, err)
		}
		if got, _ := nameText(w); got != want {
			t.Errorf("appendName(%q) = %q, want %q", in, got, want)
		}
	}
	if _, err := appendName(nil, strings.Repeat("a", 64)+".example."); err == nil {
		t.Error("a 64-octet label was accepted")
	}
}

func TestParseServer(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.53":          "192.0.2.53:53",
		"127.0.0.1:5300":      "127.0.0.1:5300",
		"2001:db8::53":        "[2001:db8::53]:53",
		"[2001:db8::53]":      "[2001:db8::53]:53",
		"[2001:db8::53]:5353": "[2001:db8::53]:5353",
		"::ffff:192.0.2.1":    "192.0.2.1:53",
		"ns.example.com":      "",
		"ns.example.com:53":   "",
		"192.0.2.53:0":        "",
		"192.0.2.53:99999":    "",
	} {
		ap, err := ParseServer(in)
		switch {
		case want == "" && err == nil:
			t.Errorf("ParseServer(%q) = %v, want an error", in, ap)
		case want != "" && (err != nil || ap.String() != want):
			t.Errorf("ParseServer(%q) = %v, %v; want %s", in, ap, err, want)
		}
	}
}

func TestServersFromResolvConf(t *testing.T) {
	f := t.TempDir() + "/resolv.conf"
	if err := writeFile(f, "# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver 2001:db8::53\noptions ndots:2\n"); err != nil {
		t.Fatal(err)
	}
	got, err := ServersFromResolvConf(f)
	if err != nil || strings.Join(got, " ") != "192.0.2.53:53 [2001:db8::53]:53" {
		t.Errorf("ServersFromResolvConf = %q, %v", got, err)
	}
	if err := writeFile(f, "search example.com\n"); err != nil {
		t.Fatal(err)
	}
	if got, err := ServersFromResolvConf(f); err == nil {
		t.Errorf("no nameserver lines: %q, nil", got)
	}
}

// answers extracts, the way the client does, the owner, type and data of
// each answer record; names as lower-case text.
func answers(msg []byte) ([]string, error) {
	var r response
	if err := r.parse(msg); err != nil {
		return nil, err
	}
	var out []string
	for _, a := range r.answers {
		owner, err := readName(nil, msg, a.owner)
		if err != nil {
			return nil, err
		}
		o, _ := nameText(owner)
		line := o + " " + dns.TypeToString[a.typ]
		switch a.typ {
		case dns.TypePTR, dns.TypeCNAME:
			target, err := rdataName(nil, msg, a)
			if err != nil {
				return nil, err
			}
			s, _ := nameText(target)
			line += " " + s
		case dns.TypeA:
			switch a.rdlen {
			case 4:
				line += " " + netip.AddrFrom4([4]byte(msg[a.rdoff:])).String()
			case 0:
				line += " <nil>" // as miekg/dns shows it; the client calls it malformed
			}
		}
		out = append(out, line)
	}
	return out, nil
}

// reference extracts the same with miekg/dns.
func reference(msg []byte) ([]string, error) {
	m := new(dns.Msg)
	if err := m.Unpack(msg); err != nil {
		return nil, err
	}
	var out []string
	for _, rr := range m.Answer {
		h := rr.Header()
		line := strings.ToLower(h.Name) + " " + dns.TypeToString[h.Rrtype]
		switch rr := rr.(type) {
		case *dns.PTR:
			line += " " + strings.ToLower(rr.Ptr)
		case *dns.CNAME:
			line += " " + strings.ToLower(rr.Target)
		case *dns.A:
			line += " " + rr.A.String()
		}
		out = append(out, line)
	}
	return out, nil
}

func seedMessages(t testing.TB) [][]byte {
	var out [][]byte
	for _, rrs := range [][]string{
		{"5.2.0.192.in-addr.arpa. 300 IN PTR Mail.Example.COM."},
		{"70.2.0.192.in-addr.arpa. 300 IN CNAME 70.64/26.2.0.192.in-addr.arpa.", "70.64/26.2.0.192.in-addr.arpa. 300 IN PTR host.example.com."},
		{"www.example.com. 300 IN CNAME mail.example.com.", "mail.example.com. 300 IN A 192.0.2.5", "mail.example.com. 300 IN A 192.0.2.6"},
		{`odd\.name.example. 300 IN PTR x\032y.example.`},
	} {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(strings.Fields(rrs[0])[0]), dns.TypePTR)
		m.Response = true
		m.Compress = true
		for _, s := range rrs {
			rr, err := dns.NewRR(s)
			if err != nil {
				t.Fatal(err)
			}
			m.Answer = append(m.Answer, rr)
		}
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestParseMatchesMiekg(t *testing.T) {
	for _, msg := range seedMessages(t) {
		checkParse(t, msg)
	}
}

// FuzzParse checks the allocation-free parser against miekg/dns: whenever
// both accept a message they must agree on the answer records.
func FuzzParse(f *testing.F) {
	for _, msg := range seedMessages(f) {
		f.Add(msg)
	}
	f.Fuzz(checkParse)
}

func checkParse(t *testing.T, msg []byte) {
	got, err1 := answers(msg)
	want, err2 := reference(msg)
	if err1 != nil || err2 != nil {
		return // miekg is stricter about RDATA; we only read what we use
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("parse disagrees with miekg/dns:\n got %q\nwant %q", got, want)
	}
	// nameIs agrees with readName.
	var r response
	_ = r.parse(msg)
	for _, a := range r.answers {
		n, err := readName(nil, msg, a.owner)
		if err == nil && !nameIs(msg, a.owner, n) {
			t.Errorf("nameIs(owner at %d) is false for its own name %q", a.owner, n)
		}
		if err == nil && len(n) > 1 && nameIs(msg, a.owner, bytes.ToUpper(n)) && bytes.ContainsAny(n, "abcdefghijklmnopqrstuvwxyz") {
			t.Errorf("nameIs matched an upper-case want %q", n)
		}
	}
}

func writeFile(name, text string) error { return os.WriteFile(name, []byte(text), 0o644) }
