package rdns

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePrefix(t *testing.T) {
	tests := []struct {
		in, want, err string
		notNet        bool
	}{
		{in: "198.51.100.0/24", want: "198.51.100.0/24"},
		{in: "198.51.100.44/30", want: "198.51.100.44/30"},
		{in: "198.51.100.45/32", want: "198.51.100.45/32"},
		{in: "0.0.0.0/0", want: "0.0.0.0/0"},
		{in: "2001:db8::/32", want: "2001:db8::/32"},
		{in: "::ffff:198.51.100.0/120", want: "198.51.100.0/24"},
		{in: "198.51.100.45/24", notNet: true, err: "198.51.100.45/24 is not a network: did you mean the address 198.51.100.45 or the network 198.51.100.0/24?"},
		{in: "198.51.100.45/30", notNet: true, err: "198.51.100.45/30 is not a network: did you mean the address 198.51.100.45 or the network 198.51.100.44/30?"},
		{in: "10.1.2.3/8", notNet: true, err: "10.1.2.3/8 is not a network: did you mean the address 10.1.2.3 or the network 10.0.0.0/8?"},
		{in: "2001:db8:100::25/48", notNet: true, err: "2001:db8:100::25/48 is not a network: did you mean the address 2001:db8:100::25 or the network 2001:db8:100::/48?"},
		{in: "::ffff:198.51.100.45/120", notNet: true, err: "::ffff:198.51.100.45/120 is not a network: did you mean the address 198.51.100.45 or the network 198.51.100.0/24?"},
		{in: "198.51.100.0/33", err: `"198.51.100.0/33" is not a CIDR network`},
		{in: "198.51.100.0", err: `"198.51.100.0" is not a CIDR network`},
		{in: "fe80::1%eth0/64", err: `"fe80::1%eth0/64" is not a CIDR network`},
		{in: "", err: `"" is not a CIDR network`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePrefix(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				var ne *NotNetworkError
				if errors.As(err, &ne) != tt.notNet {
					t.Errorf("NotNetworkError: %v, want %v", !tt.notNet, tt.notNet)
				}
				return
			}
			if err != nil || p.String() != tt.want {
				t.Fatalf("got %v, %v; want %s", p, err, tt.want)
			}
		})
	}
}

func TestParseBlockAndAddr(t *testing.T) {
	tests := []struct {
		in, block, addr, blockErr, addrErr string
	}{
		{in: "198.51.100.45", block: "198.51.100.45/32", addr: "198.51.100.45"},
		{in: "::ffff:198.51.100.45", block: "198.51.100.45/32", addr: "198.51.100.45"},
		{in: "2001:db8::1", block: "2001:db8::1/128", addr: "2001:db8::1"},
		{in: "198.51.100.44/30", block: "198.51.100.44/30", addrErr: `"198.51.100.44/30" is a CIDR block, not an address: write the address 198.51.100.44 alone`},
		{in: "198.51.100.45/30", blockErr: "198.51.100.45/30 is not a network: did you mean the address 198.51.100.45 or the network 198.51.100.44/30?",
			addrErr: `"198.51.100.45/30" is a CIDR block, not an address: write the address 198.51.100.45 alone`},
		{in: "fe80::1%eth0", blockErr: `"fe80::1%eth0" has an IPv6 zone, which reverse DNS does not know`, addrErr: `"fe80::1%eth0" has an IPv6 zone, which reverse DNS does not know`},
		{in: "nope", blockErr: `"nope" is not an address or a CIDR network`, addrErr: `"nope" is not an address`},
		{in: "1.2.3.4/x", blockErr: `"1.2.3.4/x" is not a CIDR network`, addrErr: `"1.2.3.4/x" is not an address`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			b, err := ParseBlock(tt.in)
			switch {
			case tt.blockErr != "" && (err == nil || err.Error() != tt.blockErr):
				t.Errorf("ParseBlock err = %v, want %q", err, tt.blockErr)
			case tt.blockErr == "" && (err != nil || b.String() != tt.block):
				t.Errorf("ParseBlock = %v, %v; want %s", b, err, tt.block)
			}
			a, err := ParseAddr(tt.in)
			switch {
			case tt.addrErr != "" && (err == nil || err.Error() != tt.addrErr):
				t.Errorf("ParseAddr err = %v, want %q", err, tt.addrErr)
			case tt.addrErr == "" && (err != nil || a.String() != tt.addr):
				t.Errorf("ParseAddr = %v, %v; want %s", a, err, tt.addr)
			}
		})
	}
}

func TestQuoteAndClip(t *testing.T) {
	tests := []struct{ in, quote, clip string }{
		{"abc", `"abc"`, "abc"},
		{strings.Repeat("a", 80), `"` + strings.Repeat("a", 80) + `"`, strings.Repeat("a", 80)},
		{strings.Repeat("a", 81), `"` + strings.Repeat("a", 80) + `…"`, strings.Repeat("a", 80) + "…"},
		{"\x1b[2J" + strings.Repeat("b", 100), `"\x1b[2J` + strings.Repeat("b", 76) + `…"`, "\x1b[2J" + strings.Repeat("b", 76) + "…"},
		// never cut inside a UTF-8 sequence
		{strings.Repeat("a", 79) + "é" + "zz", `"` + strings.Repeat("a", 79) + `…"`, strings.Repeat("a", 79) + "…"},
	}
	for _, tt := range tests {
		if got := Quote(tt.in, 80); got != tt.quote {
			t.Errorf("Quote(%.20q) = %q, want %q", tt.in, got, tt.quote)
		}
		if got := Clip(tt.in, 80); got != tt.clip {
			t.Errorf("Clip(%.20q) = %q, want %q", tt.in, got, tt.clip)
		}
	}
}
