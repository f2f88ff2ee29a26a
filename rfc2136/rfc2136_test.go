package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
	"github.com/rdnsctl/rdnsctl/rdns"
)

const dynZone = `$TTL 300
7.0.10.in-addr.arpa. IN SOA ns1.example.net. hostmaster.example.net. 2026120100 3600 600 86400 300
  IN NS ns1.example.net.
5 IN PTR five.example.net.
6 IN PTR six.example.net.
`

func startPair(t *testing.T) *dnstest.Pair {
	t.Helper()
	f := filepath.Join(t.TempDir(), "dyn.zone")
	if err := os.WriteFile(f, []byte(dynZone), 0o644); err != nil {
		t.Fatal(err)
	}
	return dnstest.StartBINDPair(t, []dnstest.PairZone{{Origin: "7.0.10.in-addr.arpa", File: f, Dynamic: true}})
}

func server(t *testing.T, p *dnstest.Pair) *Server {
	t.Helper()
	k, err := ReadKeyFile(p.KeyFile, "")
	if err != nil {
		t.Fatal(err)
	}
	return &Server{Name: "primary", Addr: p.Primary, Key: k, Timeout: 5 * time.Second}
}

func ptrChange(a rdns.Action, ip, old, new string) rdns.Change {
	addr := netip.MustParseAddr(ip)
	return rdns.Change{Action: a, Zone: "7.0.10.in-addr.arpa.", Name: rdns.ReverseName(addr), Addr: addr, Type: "PTR", Old: old, New: new}
}

// seenFrom answers Seen from a transferred zone.
func seenFrom(t *testing.T, s *Server) func(string, uint16) []string {
	z, err := Transfer(context.Background(), s, "7.0.10.in-addr.arpa.")
	if err != nil {
		t.Fatal(err)
	}
	return func(owner string, typ uint16) []string {
		var out []string
		for _, r := range z.Records {
			if r.Name == owner && r.Type == typ {
				out = append(out, r.Data)
			}
		}
		return out
	}
}

func ptrAt(t *testing.T, addr, name string) []string {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, dns.TypePTR)
	r, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(q, addr)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, rr := range r.Answer {
		if p, ok := rr.(*dns.PTR); ok {
			out = append(out, p.Ptr)
		}
	}
	return out
}

func TestTransferAndPush(t *testing.T) {
	p := startPair(t)
	s := server(t, p)
	ctx := context.Background()
	z, err := Transfer(ctx, s, "7.0.10.in-addr.arpa")
	if err != nil {
		t.Fatal(err)
	}
	if got := z.Files[0].Path; got != "axfr://primary/7.0.10.in-addr.arpa." {
		t.Errorf("source %q", got)
	}
	var ptrs []string
	for _, r := range z.Records {
		if r.Type == dns.TypePTR {
			ptrs = append(ptrs, r.Name+" "+r.Data)
		}
	}
	if want := "5.7.0.10.in-addr.arpa. five.example.net.,6.7.0.10.in-addr.arpa. six.example.net."; strings.Join(ptrs, ",") != want {
		t.Fatalf("transferred PTRs %v", ptrs)
	}

	// 246 adds, one replace, one delete: three messages of at most 100.
	var cs []rdns.Change
	for i := 1; i <= 250; i++ {
		if i == 5 || i == 6 {
			continue
		}
		cs = append(cs, ptrChange(rdns.Add, fmt.Sprintf("10.0.7.%d", i), "", fmt.Sprintf("h%d.example.net.", i)))
	}
	cs = append(cs, ptrChange(rdns.Replace, "10.0.7.5", "five.example.net.", "cust.example.org."))
	cs = append(cs, ptrChange(rdns.Delete, "10.0.7.6", "six.example.net.", ""))
	res, err := Push(ctx, s, "7.0.10.in-addr.arpa", cs, PushOptions{Batch: 100, TTL: 300, Seen: seenFrom(t, s)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Messages != 3 || res.Sent != 3 || len(res.Applied) != len(cs) {
		t.Errorf("result %+v, %d changes", res, len(cs))
	}
	if res.Serial <= 2026120100 {
		t.Errorf("serial read back %d", res.Serial)
	}
	if got := ptrAt(t, p.Primary, "5.7.0.10.in-addr.arpa."); len(got) != 1 || got[0] != "cust.example.org." {
		t.Errorf("primary answers %v", got)
	}
	if got := ptrAt(t, p.Primary, "6.7.0.10.in-addr.arpa."); len(got) != 0 {
		t.Errorf("deleted PTR still answered: %v", got)
	}

	// The same plan again: every prerequisite fails, nothing is applied.
	res, err = Push(ctx, s, "7.0.10.in-addr.arpa", cs[len(cs)-2:], PushOptions{Seen: func(string, uint16) []string { return []string{"five.example.net."} }})
	var ce *ConflictError
	if !errors.As(err, &ce) || res.Sent != 0 || len(res.Applied) != 0 {
		t.Fatalf("stale plan: %v %+v", err, res)
	}
	if !strings.Contains(err.Error(), "10.0.7.5") {
		t.Errorf("conflict names no address: %v", err)
	}
}

func TestConflictWithNsupdate(t *testing.T) {
	p := startPair(t)
	s := server(t, p)
	ctx := context.Background()
	seen := seenFrom(t, s) // the plan reads the zone ...
	nsupdate, err := exec.LookPath("nsupdate")
	if err != nil {
		t.Skip("nsupdate not found: install bind9-dnsutils")
	}
	// ... someone changes 10.0.7.5 and adds 10.0.7.9 ...
	script := fmt.Sprintf("server 127.0.0.1 %s\nzone 7.0.10.in-addr.arpa.\nupdate delete 5.7.0.10.in-addr.arpa. PTR\nupdate add 5.7.0.10.in-addr.arpa. 300 PTR other.example.com.\nupdate add 9.7.0.10.in-addr.arpa. 300 PTR nine.example.com.\nsend\n",
		strings.TrimPrefix(p.Primary, "127.0.0.1:"))
	cmd := exec.Command(nsupdate, "-k", p.KeyFile)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nsupdate: %v %s", err, out)
	}
	// ... and the plan is applied: both changes are conflicts.
	for _, c := range []rdns.Change{
		ptrChange(rdns.Replace, "10.0.7.5", "five.example.net.", "mine.example.net."),
		ptrChange(rdns.Add, "10.0.7.9", "", "mine9.example.net."),
	} {
		_, err := Push(ctx, s, "7.0.10.in-addr.arpa", []rdns.Change{c}, PushOptions{Seen: seen})
		var ce *ConflictError
		if !errors.As(err, &ce) {
			t.Errorf("%s: want a conflict, got %v", c.Addr, err)
		}
	}
	if got := ptrAt(t, p.Primary, "5.7.0.10.in-addr.arpa."); len(got) != 1 || got[0] != "other.example.com." {
		t.Errorf("the other writer's change was overwritten: %v", got)
	}
}

func TestKeyErrors(t *testing.T) {
	p := startPair(t)
	ctx := context.Background()
	good := server(t, p)
	change := []rdns.Change{ptrChange(rdns.Add, "10.0.7.20", "", "x.example.net.")}
	wrongSecret, _ := NewKey(p.KeyName, "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=")
	unknown, _ := NewKey("nobody-key", "hmac-sha256", p.Secret)
	for _, tc := range []struct {
		name string
		key  *Key
		want string
	}{
		{"wrong secret", wrongSecret, "BADSIG"},
		{"unknown key", unknown, "BADKEY"},
		{"unsigned", nil, "REFUSED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{Name: "primary", Addr: p.Primary, Key: tc.key, Timeout: 3 * time.Second}
			res, err := Push(ctx, s, "7.0.10.in-addr.arpa", change, PushOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || len(res.Applied) != 0 {
				t.Fatalf("got %v %+v, want %s", err, res, tc.want)
			}
			if strings.Contains(err.Error(), p.Secret) {
				t.Fatalf("error prints the secret: %v", err)
			}
			if _, err := Transfer(ctx, s, "7.0.10.in-addr.arpa"); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("AXFR with %s: %v, want %s", tc.name, err, tc.want)
			}
		})
	}
	if got := ptrAt(t, p.Primary, "20.7.0.10.in-addr.arpa."); len(got) != 0 {
		t.Errorf("a refused update was applied: %v", got)
	}
	if _, err := Transfer(ctx, good, "7.0.10.in-addr.arpa"); err != nil {
		t.Errorf("the right key: %v", err)
	}
}
