package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

// classServer answers PTR queries from ptr (IN) and A queries from fwd, in
// the class fwdClass: a server that slips class CH data into its answers.
func classServer(t *testing.T, ptr map[string]string, fwd map[string]string, fwdClass uint16) string {
	t.Helper()
	return dnstest.NewServer(t, dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		q := r.Question[0]
		name := strings.ToLower(q.Name)
		switch q.Qtype {
		case dns.TypePTR:
			if t, ok := ptr[name]; ok {
				m.Answer = append(m.Answer, &dns.PTR{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: 60}, Ptr: t})
			}
		case dns.TypeA:
			if a, ok := fwd[name]; ok {
				rr, _ := dns.NewRR(q.Name + " 60 IN A " + a)
				rr.Header().Class = fwdClass
				m.Answer = append(m.Answer, rr)
			}
		}
		if len(m.Answer) == 0 {
			m.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	}))
}

type fcrdnsOut struct {
	Results []struct {
		IP, Verdict, IPRev, Error string
	} `json:"results"`
	Summary map[string]int `json:"summary"`
}

func parseFCrDNS(t *testing.T, r result) fcrdnsOut {
	t.Helper()
	var out fcrdnsOut
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatalf("%v\nstdout: %s\nstderr: %s", err, r.out, r.err)
	}
	return out
}

// An A record of class CH is no address: the check is an error, never a
// pass; and a run where every check ended in error exits 2, not 0.
func TestFCrDNSOtherClass(t *testing.T) {
	ptr := map[string]string{
		"1.2.0.192.in-addr.arpa.": "chaos.example.com.",
		"2.2.0.192.in-addr.arpa.": "good.example.com.",
	}
	for _, tt := range []struct {
		name  string
		class uint16
		want  string
	}{
		{"CH", dns.ClassCHAOS, "error"},
		{"HS", dns.ClassHESIOD, "error"},
		{"IN", dns.ClassINET, "pass"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addr := classServer(t, ptr, map[string]string{"chaos.example.com.": "192.0.2.1"}, tt.class)
			r := run(t, "", "", "fcrdns", "192.0.2.1", "--resolver", addr, "--retries", "0", "--timeout", "300ms", "-o", "json")
			out := parseFCrDNS(t, r)
			if len(out.Results) != 1 || out.Results[0].Verdict != tt.want {
				t.Fatalf("results %+v, want one %s\n%s", out.Results, tt.want, r.err)
			}
			if tt.want == "error" {
				if r.code != 2 || !strings.Contains(r.err, "nothing could be verified: all 1 checks ended in error") {
					t.Errorf("exit %d, want 2 with a message; stderr:\n%s", r.code, r.err)
				}
				if !strings.Contains(out.Results[0].Error, "class "+tt.name) {
					t.Errorf("error %q does not name the class", out.Results[0].Error)
				}
			} else if r.code != 0 {
				t.Errorf("exit %d, want 0; stderr:\n%s", r.code, r.err)
			}
		})
	}
	// With one address verified the run is not void: the error is one
	// verdict among others, and the no-ptr is a finding (exit 1).
	addr := classServer(t, ptr, map[string]string{"chaos.example.com.": "192.0.2.1"}, dns.ClassCHAOS)
	r := run(t, "", "", "fcrdns", "192.0.2.1", "192.0.2.3", "--resolver", addr, "--retries", "0", "--timeout", "300ms", "-o", "json")
	out := parseFCrDNS(t, r)
	if r.code != 1 || len(out.Results) != 2 || out.Results[0].Verdict != "error" || out.Results[1].Verdict != "no-ptr" {
		t.Errorf("exit %d, results %+v; want 1, error and no-ptr\n%s", r.code, out.Results, r.err)
	}
	if out.Summary["no-ptr"] != 1 || out.Summary["error"] != 1 || out.Summary["total"] != 2 {
		t.Errorf("summary %v: want its keys spelled as the verdicts", out.Summary)
	}
}

// Nothing verified (every server fails, or never answers): exit 2.
func TestFCrDNSNothingVerified(t *testing.T) {
	for _, tt := range []struct {
		name string
		h    dns.Handler
	}{
		{"servfail", dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			m := new(dns.Msg)
			m.SetRcode(r, dns.RcodeServerFailure)
			_ = w.WriteMsg(m)
		})},
		{"silent", dns.HandlerFunc(func(dns.ResponseWriter, *dns.Msg) {})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addr := dnstest.NewServer(t, tt.h)
			r := run(t, "", "", "fcrdns", "192.0.2.0/30", "--resolver", addr, "--retries", "0", "--timeout", "200ms", "-o", "json")
			out := parseFCrDNS(t, r)
			if r.code != 2 || len(out.Results) != 4 || !strings.Contains(r.err, "nothing could be verified: all 4 checks ended in error") {
				t.Errorf("exit %d, %d results; want 2 and 4 results\nstderr:\n%s", r.code, len(out.Results), r.err)
			}
		})
	}
}

// set validates against class IN only: a forward answer in class CH is no
// validation, and nothing is written.
func TestSetRefusesOtherClass(t *testing.T) {
	dir := copyExamples(t)
	addr := classServer(t, nil, map[string]string{"mail.customer.example.": "198.51.100.44"}, dns.ClassCHAOS)
	before := lcZoneSnapshot(t, dir)
	r := run(t, "", "", "set", "198.51.100.44", "mail.customer.example", "--config", filepath.Join(dir, "rdnsctl.yaml"),
		"--resolver", addr, "--retries", "0", "--timeout", "300ms", "--write")
	if r.code != 2 || !strings.Contains(r.err, "cannot validate now") || !strings.Contains(r.err, "class CH") {
		t.Errorf("exit %d, want 2 naming class CH; stderr:\n%s", r.code, r.err)
	}
	lcSameFiles(t, "refused set", before, lcZoneSnapshot(t, dir))
}

// No message claims a validation that did not happen: an unset in
// apply-events is not looked up, so it does not "resolve back".
func TestNoValidationClaimWithoutLookup(t *testing.T) {
	dir := copyExamples(t)
	fwd := dnstest.NewServer(t, dnstest.Handler(t, lcForward...))
	ev := filepath.Join(dir, "events.jsonl")
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	for _, tt := range []struct {
		events string
		claim  bool
	}{
		{`{"event":"set","ip":"198.51.100.44","hostname":"mail.customer.example"}`, true},
		{`{"event":"unset","ip":"198.51.100.44"}`, false},
		{`{"event":"set","ip":"198.51.100.44","hostname":"mail.customer.example"}`, true},
		{`{"event":"deprovision","ip":"198.51.100.44"}`, false},
	} {
		if err := os.WriteFile(ev, []byte(tt.events+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := run(t, "", "", "apply-events", ev, "--config", cfg, "--resolver", fwd, "--write")
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", tt.events, r.code, r.err)
		}
		if got := strings.Contains(r.err, "resolves back"); got != tt.claim {
			t.Errorf("%s: stderr claims validation: %v, want %v\n%s", tt.events, got, tt.claim, r.err)
		}
	}
}
