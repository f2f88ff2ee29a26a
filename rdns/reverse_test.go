package rdns

import (
	"net/netip"
	"strings"
	"testing"
)

func TestReverseNameRoundTrip(t *testing.T) {
	tests := []struct {
		ip, name string
	}{
		{"198.51.100.44", "44.100.51.198.in-addr.arpa."},
		{"0.0.0.0", "0.0.0.0.in-addr.arpa."},
		{"255.255.255.255", "255.255.255.255.in-addr.arpa."},
		{"::ffff:192.0.2.1", "1.2.0.192.in-addr.arpa."},
		{"2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
		{"2001:db8:abcd:12::ff", "f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.1.0.0.d.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa."},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			a := netip.MustParseAddr(tt.ip)
			if got := ReverseName(a); got != tt.name {
				t.Fatalf("ReverseName = %q, want %q", got, tt.name)
			}
			back, err := ParseReverseName(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if back != a.Unmap() {
				t.Fatalf("ParseReverseName = %s, want %s", back, a.Unmap())
			}
		})
	}
}

func TestParseReverseNameErrors(t *testing.T) {
	for _, name := range []string{
		"", ".", "example.com.", "100.51.198.in-addr.arpa.", "256.100.51.198.in-addr.arpa.",
		"01.100.51.198.in-addr.arpa.", "1.2.3.4.5.in-addr.arpa.", "a.100.51.198.in-addr.arpa.",
		"-1.100.51.198.in-addr.arpa.", "1..51.198.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.",
		"g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
		"10.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
		"5.0/26.100.51.198.in-addr.arpa.",
	} {
		t.Run(name, func(t *testing.T) {
			if a, err := ParseReverseName(name); err == nil {
				t.Fatalf("ParseReverseName(%q) = %s, want an error", name, a)
			}
		})
	}
}

func TestParseZoneName(t *testing.T) {
	tests := []struct {
		origin    string
		prefer    Style
		prefix    string
		classless bool
		style     Style
	}{
		{"100.51.198.in-addr.arpa.", Slash, "198.51.100.0/24", false, Slash},
		{"51.198.in-addr.arpa", Slash, "198.51.0.0/16", false, Slash},
		{"10.in-addr.arpa.", Slash, "10.0.0.0/8", false, Slash},
		{"8.b.d.0.1.0.0.2.ip6.arpa.", Slash, "2001:db8::/32", false, Slash},
		{"0/26.100.51.198.in-addr.arpa.", Slash, "198.51.100.0/26", true, Slash},
		{"64/26.100.51.198.in-addr.arpa.", Slash, "198.51.100.64/26", true, Slash},
		{"64-26.100.51.198.in-addr.arpa.", Slash, "198.51.100.64/26", true, RFC4183},
		{"64-127.100.51.198.in-addr.arpa.", Slash, "198.51.100.64/26", true, Range},
		{"0-31.100.51.198.in-addr.arpa.", RFC4183, "198.51.100.0/31", true, RFC4183},
		{"0-31.100.51.198.in-addr.arpa.", Range, "198.51.100.0/27", true, Range},
		{"128/25.2.0.192.in-addr.arpa.", Slash, "192.0.2.128/25", true, Slash},
		{"100-22.51.198.in-addr.arpa.", Slash, "198.51.100.0/22", true, RFC4183},
	}
	for _, tt := range tests {
		t.Run(tt.origin+"/"+tt.prefer.String(), func(t *testing.T) {
			z, err := ParseZoneName(tt.origin, tt.prefer)
			if err != nil {
				t.Fatal(err)
			}
			if z.Prefix.String() != tt.prefix || z.Classless != tt.classless || (tt.classless && z.Style != tt.style) {
				t.Fatalf("got %s classless=%v style=%s, want %s %v %s", z.Prefix, z.Classless, z.Style, tt.prefix, tt.classless, tt.style)
			}
			if z.Classless {
				back, err := ClasslessOrigin(z.Prefix, z.Style)
				if err != nil || back != z.Origin {
					t.Fatalf("ClasslessOrigin = %q, %v; want %q", back, err, z.Origin)
				}
			} else if back, err := ZoneOrigin(z.Prefix); err != nil || back != z.Origin {
				t.Fatalf("ZoneOrigin = %q, %v; want %q", back, err, z.Origin)
			}
		})
	}
}

func TestParseZoneNameErrors(t *testing.T) {
	for _, origin := range []string{
		"example.com.", "1/26.100.51.198.in-addr.arpa.", "0/24.100.51.198.in-addr.arpa.", "0/33.100.51.198.in-addr.arpa.",
		"0-26x.100.51.198.in-addr.arpa.", "3-5.100.51.198.in-addr.arpa.", "0/26.0/26.100.51.198.in-addr.arpa.",
		"0/26.5.100.51.198.in-addr.arpa.", "0-+26.100.51.198.in-addr.arpa.", "x.8.b.d.0.1.0.0.2.ip6.arpa.",
	} {
		t.Run(origin, func(t *testing.T) {
			if z, err := ParseZoneName(origin, Slash); err == nil {
				t.Fatalf("got %+v, want an error", z)
			}
		})
	}
}

func TestOwnerNameAddrOf(t *testing.T) {
	tests := []struct {
		origin, ip, owner string
	}{
		{"100.51.198.in-addr.arpa.", "198.51.100.5", "5.100.51.198.in-addr.arpa."},
		{"0/26.100.51.198.in-addr.arpa.", "198.51.100.5", "5.0/26.100.51.198.in-addr.arpa."},
		{"64-127.100.51.198.in-addr.arpa.", "198.51.100.70", "70.64-127.100.51.198.in-addr.arpa."},
		{"100-22.51.198.in-addr.arpa.", "198.51.101.44", "44.101.100-22.51.198.in-addr.arpa."},
	}
	for _, tt := range tests {
		t.Run(tt.owner, func(t *testing.T) {
			z, err := ParseZoneName(tt.origin, Slash)
			if err != nil {
				t.Fatal(err)
			}
			a := netip.MustParseAddr(tt.ip)
			if got := z.OwnerName(a); got != tt.owner {
				t.Fatalf("OwnerName = %q, want %q", got, tt.owner)
			}
			back, err := z.AddrOf(tt.owner)
			if err != nil || back != a {
				t.Fatalf("AddrOf = %s, %v; want %s", back, err, a)
			}
		})
	}
	z, _ := ParseZoneName("0/26.100.51.198.in-addr.arpa.", Slash)
	for _, bad := range []string{"70.0/26.100.51.198.in-addr.arpa.", "5.100.51.198.in-addr.arpa.", "x.0/26.100.51.198.in-addr.arpa.", "1.5.0/26.100.51.198.in-addr.arpa."} {
		if a, err := z.AddrOf(bad); err == nil {
			t.Errorf("AddrOf(%q) = %s, want an error", bad, a)
		}
	}
}

func TestCoveringZoneAndBlocks(t *testing.T) {
	tests := []struct{ in, want string }{
		{"198.51.100.64/26", "198.51.100.0/24"},
		{"198.51.100.0/22", "198.51.0.0/16"},
		{"2001:db8:abcd:4000::/50", "2001:db8:abcd::/48"},
		{"2001:db8:abcd::/48", "2001:db8:abcd::/48"},
		{"2001:db8:ab00::/41", "2001:db8:ab00::/40"},
	}
	for _, tt := range tests {
		if got := CoveringZone(netip.MustParsePrefix(tt.in)); got.String() != tt.want {
			t.Errorf("CoveringZone(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestCheckHostname(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"mail.example.com.", true},
		{"mail.example.com", true},
		{"localhost.", true},
		{"198-51-100-44.customers.example.net.", true},
		{"", false},
		{"mail_1.example.com.", false},
		{"*.example.com.", false},
		{"-a.example.com.", false},
		{"a-.example.com.", false},
		{"a..example.com.", false},
		{"192.0.2.1", false},
		{"host.123", false},
		{"ab.example.com", true},
		{string(repeat('a', 64)) + ".example.com.", false},
		{string(repeat('a', 60)) + "." + string(repeat('b', 60)) + "." + string(repeat('c', 60)) + "." + string(repeat('d', 60)) + ".example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckHostname(tt.name)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckHostname(%q) = %v, want ok=%v", tt.name, err, tt.ok)
			}
		})
	}
}

func repeat(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}

func FuzzParseReverseName(f *testing.F) {
	for _, s := range []string{"44.100.51.198.in-addr.arpa.", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "5.0/26.100.51.198.in-addr.arpa.", "0-63.100.51.198.in-addr.arpa", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		// the fast path and the general one agree
		if fa, ok := fastReverse(name); ok {
			p, err := parseReverse(name)
			if err != nil || !p.IsSingleIP() || p.Addr() != fa {
				t.Fatalf("fastReverse(%q) = %s, parseReverse = %v, %v", name, fa, p, err)
			}
		}
		if a, err := ParseReverseName(name); err == nil {
			if got := ReverseName(a); got != lowerDot(name) {
				t.Fatalf("ParseReverseName(%q) = %s, whose name is %q", name, a, got)
			}
		}
		if z, err := ParseZoneName(name, Slash); err == nil {
			if !z.Prefix.IsValid() || z.Prefix.Masked() != z.Prefix {
				t.Fatalf("ParseZoneName(%q) gave unaligned prefix %s", name, z.Prefix)
			}
			if z.Classless {
				a := z.Prefix.Addr()
				if back, err := z.AddrOf(z.OwnerName(a)); err != nil || back != a {
					t.Fatalf("%q: owner round trip of %s = %s, %v", name, a, back, err)
				}
			}
		}
	})
}

func lowerDot(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	if len(b) == 0 || b[len(b)-1] != '.' {
		b = append(b, '.')
	}
	return string(b)
}

// One fast path for the names zone files hold by the million: canonical
// full names parse without allocating, and agree with the general parser;
// other spellings still parse.
func TestParseReverseNameFast(t *testing.T) {
	for _, a := range []string{"192.0.2.1", "0.0.0.0", "255.255.255.255", "2001:db8::1", "::", "fe80::1:2:3:4", "::ffff:192.0.2.1"} {
		addr := netip.MustParseAddr(a)
		name := ReverseName(addr)
		if addr.Is4In6() {
			// a mapped address's own ip6.arpa name
			b := []byte{}
			o := addr.As16()
			for i := 15; i >= 0; i-- {
				b = append(b, hexDigit[o[i]&0xf], '.', hexDigit[o[i]>>4], '.')
			}
			name = string(b) + v6Suffix
		}
		got, ok := fastReverse(name)
		if !ok || got != addr {
			t.Errorf("%s: fast %v %v", a, got, ok)
		}
		if n := testing.AllocsPerRun(100, func() { ParseReverseName(name) }); n != 0 {
			t.Errorf("%s: %v allocations", name, n)
		}
		for _, other := range []string{strings.ToUpper(name), strings.TrimSuffix(name, ".")} {
			if got, err := ParseReverseName(other); err != nil || got != addr {
				t.Errorf("%q: %v %v", other, got, err)
			}
		}
	}
	for _, n := range []string{"1.2.3.in-addr.arpa.", "1.2.3.4.5.in-addr.arpa.", "256.2.3.4.in-addr.arpa.", "01.2.3.4.in-addr.arpa.", "x.ip6.arpa.", "0/26.2.0.192.in-addr.arpa.", ".1.2.3.in-addr.arpa."} {
		if a, ok := fastReverse(n); ok {
			t.Errorf("%s read as %s", n, a)
		}
		if a, err := ParseReverseName(n); err == nil {
			t.Errorf("%s parsed as %s", n, a)
		}
	}
}

func TestAppendReverseWire(t *testing.T) {
	for _, s := range []string{"0.0.0.0", "192.0.2.5", "10.100.9.255", "2001:db8::1", "::ffff:192.0.2.5"} {
		a := netip.MustParseAddr(s)
		w := AppendReverseWire(nil, a)
		// back to text: each label is a length byte and its bytes
		var b strings.Builder
		for i := 0; w[i] != 0; i += int(w[i]) + 1 {
			b.Write(w[i+1 : i+1+int(w[i])])
			b.WriteByte('.')
		}
		if b.String() != ReverseName(a) {
			t.Errorf("%s: wire %q reads %q, want %q", s, w, b.String(), ReverseName(a))
		}
	}
}

func TestCanonicalHostname(t *testing.T) {
	for in, want := range map[string]string{
		"": "", " ": "", ".": ".", "a.example": "a.example.", "A.Example.NET.": "a.example.net.", " mail.x.example ": "mail.x.example.",
		"already.canonical.": "already.canonical.", "ÄBC.example": "äbc.example.",
	} {
		if got := CanonicalHostname(in); got != want {
			t.Errorf("CanonicalHostname(%q) = %q, want %q", in, got, want)
		}
		if got := string(AppendCanonicalHostname([]byte("x"), in)); got != "x"+want {
			t.Errorf("AppendCanonicalHostname(%q) = %q", in, got)
		}
	}
	if n := testing.AllocsPerRun(100, func() { CanonicalHostname("already.canonical.") }); n != 0 {
		t.Errorf("a canonical name costs %v allocations", n)
	}
}

// First-last labels (0-63) read through netipx ranges: exactly one aligned
// block smaller than the parent's octet, at every parent length.
func TestRangeLabels(t *testing.T) {
	tests := []struct{ origin, want string }{
		{"0-63.100.51.198.in-addr.arpa.", "198.51.100.0/26"},
		{"64-127.100.51.198.in-addr.arpa.", "198.51.100.64/26"},
		{"128-255.100.51.198.in-addr.arpa.", "198.51.100.128/25"},
		{"200-203.100.51.198.in-addr.arpa.", "198.51.100.200/30"},
		{"5-5.100.51.198.in-addr.arpa.", "198.51.100.5/32"},
		{"0-127.51.198.in-addr.arpa.", "198.51.0.0/17"},
		{"64-95.198.in-addr.arpa.", "198.64.0.0/11"},
		{"0-255.100.51.198.in-addr.arpa.", ""}, // the parent itself
		{"1-64.100.51.198.in-addr.arpa.", ""},  // not a block
		{"64-128.100.51.198.in-addr.arpa.", ""},
	}
	for _, tt := range tests {
		z, err := ParseZoneName(tt.origin, Range)
		switch {
		case tt.want == "" && err == nil && z.Style == Range:
			t.Errorf("%s: read as %s", tt.origin, z.Prefix)
		case tt.want != "" && (err != nil || z.Prefix.String() != tt.want || z.Style != Range):
			t.Errorf("%s: %v %v, want %s", tt.origin, z.Prefix, err, tt.want)
		case tt.want != "":
			back, err := ClasslessOrigin(z.Prefix, Range)
			if z.Prefix.Bits()%8 != 0 && (err != nil || back != tt.origin) {
				t.Errorf("%s: ClasslessOrigin = %s, %v", tt.origin, back, err)
			}
		}
	}
}
