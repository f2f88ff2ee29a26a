package rdns

import (
	"fmt"
	"net/netip"
)

// NibbleCover returns the nibble-aligned IPv6 prefixes that cover p exactly,
// in address order: p itself when it ends on a nibble boundary (a /56), else
// the 2, 4 or 8 prefixes of the next boundary down (a /50 is four /52s, a /49
// eight). This is how a prefix off the boundary is delegated in ip6.arpa:
// one NS set at each of those owners, never a larger block rounded up.
func NibbleCover(p netip.Prefix) ([]netip.Prefix, error) {
	if !p.Addr().Is6() || p.Addr().Is4In6() {
		return nil, fmt.Errorf("%s is not an IPv6 prefix", p)
	}
	if p != p.Masked() {
		return nil, fmt.Errorf("%s is not a network: did you mean %s?", p, p.Masked())
	}
	if p.Bits()%4 == 0 {
		return []netip.Prefix{p}, nil
	}
	bits := p.Bits() + 4 - p.Bits()%4
	n := 1 << (bits - p.Bits())
	out := make([]netip.Prefix, 0, n)
	a := p.Addr().As16()
	for i := range n {
		b := a
		// set the bits between p.Bits() and bits to i
		for k := 0; k < bits-p.Bits(); k++ {
			bit := p.Bits() + (bits - p.Bits() - 1 - k)
			if i>>k&1 == 1 {
				b[bit/8] |= 0x80 >> (bit % 8)
			}
		}
		out = append(out, netip.PrefixFrom(netip.AddrFrom16(b), bits))
	}
	return out, nil
}

// NibbleOwners is NibbleCover as ip6.arpa owner names: the names that carry
// a delegation's NS sets (a.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa. for
// 2001:db8:100:a00::/56).
func NibbleOwners(p netip.Prefix) ([]string, error) {
	cover, err := NibbleCover(p)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(cover))
	for i, c := range cover {
		if out[i], err = ZoneOrigin(c); err != nil {
			return nil, err
		}
	}
	return out, nil
}
