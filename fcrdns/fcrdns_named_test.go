package fcrdns_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rdnsctl/rdnsctl/fcrdns"
	"github.com/rdnsctl/rdnsctl/internal/dnstest"
	"github.com/rdnsctl/rdnsctl/resolver"
)

// TestNamed checks every verdict against real BIND serving
// testdata/named: a reverse /24 with an RFC 2317 CNAME block into a child
// zone it also serves (BIND answers the parent query with the CNAME only),
// a block delegated to a server that does not exist (a referral), an ip6.arpa
// zone and a forward zone.
func TestNamed(t *testing.T) {
	t.Parallel()
	addr := dnstest.StartNamed(t, []dnstest.Zone{
		{Origin: "2.0.192.in-addr.arpa.", File: "testdata/named/2.0.192.in-addr.arpa.zone"},
		{Origin: "64/26.2.0.192.in-addr.arpa.", File: "testdata/named/64-26.2.0.192.in-addr.arpa.zone"},
		{Origin: "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", File: "testdata/named/v6.ip6.arpa.zone"},
		{Origin: "example.com.", File: "testdata/named/example.com.zone"},
	})
	r, err := resolver.New(resolver.Config{Servers: []string{addr}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tests := []struct {
		addr    string
		verdict fcrdns.Verdict
		iprev   fcrdns.IPRev
		ptr     string
		cause   string
	}{
		{"192.0.2.1", fcrdns.Pass, fcrdns.IPRevPass, "pass.example.com.", ""},
		{"192.0.2.2", fcrdns.NoForward, fcrdns.IPRevFail, "gone.example.com.", ""},
		{"192.0.2.3", fcrdns.Mismatch, fcrdns.IPRevFail, "moved.example.com.", ""},
		{"192.0.2.4", fcrdns.MultiPTR, fcrdns.IPRevPass, "multi1.example.com. multi2.example.com.", ""},
		{"192.0.2.5", fcrdns.NoPTR, fcrdns.IPRevPermError, "", ""},
		{"192.0.2.6", fcrdns.NoPTR, fcrdns.IPRevPermError, "", ""},
		{"192.0.2.7", fcrdns.Pass, fcrdns.IPRevPass, "alias.example.com.", ""},
		{"192.0.2.8", fcrdns.NoForward, fcrdns.IPRevFail, "txtonly.example.com.", ""},
		{"192.0.2.9", fcrdns.Error, fcrdns.IPRevTempError, "host.elsewhere.test.", "REFUSED"},
		{"192.0.2.65", fcrdns.Pass, fcrdns.IPRevPass, "child.example.com.", ""},
		{"192.0.2.66", fcrdns.Mismatch, fcrdns.IPRevFail, "moved.example.com.", ""},
		{"192.0.2.67", fcrdns.NoPTR, fcrdns.IPRevPermError, "", ""},
		{"192.0.2.129", fcrdns.Error, fcrdns.IPRevTempError, "", "referral"},
		{"2001:db8::1", fcrdns.Pass, fcrdns.IPRevPass, "v6.example.com.", ""},
		{"2001:db8::2", fcrdns.NoForward, fcrdns.IPRevFail, "pass.example.com.", ""},
	}
	var in []netip.Addr
	for _, tt := range tests {
		in = append(in, netip.MustParseAddr(tt.addr))
	}
	res := run(t, r, in, fcrdns.Options{Workers: 4})
	for i, tt := range tests {
		got := res[i]
		if got.Verdict != tt.verdict || got.IPRev != tt.iprev || strings.Join(got.PTR, " ") != tt.ptr ||
			!strings.Contains(got.Error, tt.cause) || (tt.cause == "") != (got.Error == "") {
			t.Errorf("%s: %s/%s ptr=%q error=%q; want %s/%s ptr=%q error with %q",
				tt.addr, got.Verdict, got.IPRev, got.PTR, got.Error, tt.verdict, tt.iprev, tt.ptr, tt.cause)
		}
	}
	ctx := context.Background()
	// A PTR target that is an alias is refused, naming the canonical name.
	err = fcrdns.ValidateForward(ctx, r, netip.MustParseAddr("192.0.2.7"), "alias.example.com")
	var ae *fcrdns.AliasError
	if !errors.As(err, &ae) || ae.Canonical != "target.example.com." {
		t.Errorf("ValidateForward through a CNAME: %v, want an AliasError naming target.example.com.", err)
	}
	err = fcrdns.ValidateForward(ctx, r, netip.MustParseAddr("192.0.2.3"), "moved.example.com.")
	if err == nil || err.Error() != "moved.example.com. resolves to 198.51.100.3, not 192.0.2.3" {
		t.Errorf("ValidateForward mismatch: %v", err)
	}
}
