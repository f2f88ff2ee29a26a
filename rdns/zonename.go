package rdns

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"go4.org/netipx"
)

// Style is how the label of a classless zone (an IPv4 block that does not end
// on an octet boundary) is written. All three are seen in the wild.
type Style uint8

const (
	// Slash is RFC 2317's example: 0/26.100.51.198.in-addr.arpa.
	Slash Style = iota
	// RFC4183 is first address and mask length: 0-26.100.51.198.in-addr.arpa.
	RFC4183
	// Range is first and last address: 0-63.100.51.198.in-addr.arpa.
	Range
)

// ParseStyle reads a style from configuration: "slash" (or "rfc2317"),
// "rfc4183", "range".
func ParseStyle(s string) (Style, error) {
	switch strings.ToLower(s) {
	case "slash", "rfc2317", "":
		return Slash, nil
	case "rfc4183", "dash":
		return RFC4183, nil
	case "range", "first-last":
		return Range, nil
	}
	return Slash, fmt.Errorf("unknown classless style %q (want slash, rfc4183 or range)", s)
}

func (s Style) String() string {
	switch s {
	case RFC4183:
		return "rfc4183"
	case Range:
		return "range"
	}
	return "slash"
}

// ZoneName is what a reverse zone's origin says about the addresses it holds.
type ZoneName struct {
	// Prefix is the block the zone covers.
	Prefix netip.Prefix
	// Classless is true for a zone named with a classless label (RFC 2317
	// child zones and RFC 4183 non-octet zones); its owners are the address
	// octets below the label followed by the origin.
	Classless bool
	Style     Style
	// Origin is the zone's name, lower-case and absolute.
	Origin string
	// octet is how many leading octets the name states before the
	// classless label (classless zones only).
	octets int
}

// ParseZoneName maps a reverse zone origin to the block it covers. prefer
// decides a dash label that reads both ways ("0-31" is 0/31 in RFC 4183 and
// 0-31 as a range): pass the configured style. Names that are not under
// in-addr.arpa or ip6.arpa, or whose labels do not make an aligned block, are
// an error.
func ParseZoneName(origin string, prefer Style) (ZoneName, error) {
	o := strings.ToLower(origin)
	if !strings.HasSuffix(o, ".") {
		o += "."
	}
	if p, err := parseReverse(o); err == nil {
		return ZoneName{Prefix: p, Origin: o}, nil
	}
	dot := strings.IndexByte(o, '.')
	if dot <= 0 {
		return ZoneName{}, fmt.Errorf("%q: %w", origin, ErrNotReverse)
	}
	label, rest := o[:dot], o[dot+1:]
	parent, err := parseReverse(rest)
	if err != nil || !parent.Addr().Is4() || parent.Bits() == 0 || parent.Bits() == 32 {
		return ZoneName{}, fmt.Errorf("%q: %w", origin, ErrNotReverse)
	}
	cands := classlessCandidates(label, parent)
	switch len(cands) {
	case 0:
		return ZoneName{}, fmt.Errorf("%q: %w: label %q is not a classless block of %s", origin, ErrNotReverse, label, parent)
	case 1:
	default:
		if cands[0].Style != prefer {
			cands[0] = cands[1]
		}
	}
	z := cands[0]
	z.Origin = o
	z.octets = parent.Bits() / 8
	return z, nil
}

// classlessCandidates lists the readings of a classless label under parent
// (an octet-aligned IPv4 prefix shorter than /32).
func classlessCandidates(label string, parent netip.Prefix) []ZoneName {
	sep := strings.IndexAny(label, "/-")
	if sep <= 0 {
		return nil
	}
	first, err := octet(label[:sep])
	if err != nil {
		return nil
	}
	second, err := strconv.Atoi(label[sep+1:])
	if err != nil || label[sep+1:] == "" || label[sep+1] == '+' || label[sep+1] == '-' {
		return nil
	}
	base := parent.Addr().As4()
	k := parent.Bits() / 8 // index of the octet the label names
	base[k] = first
	start := netip.AddrFrom4(base)
	var out []ZoneName
	// mask length: slash or RFC 4183
	if second > parent.Bits() && second <= parent.Bits()+8 && second < 32+1 {
		if p := netip.PrefixFrom(start, second); p.Masked().Addr() == start && second%8 != 0 {
			st := RFC4183
			if label[sep] == '/' {
				st = Slash
			}
			out = append(out, ZoneName{Prefix: p, Classless: true, Style: st})
		}
	}
	// first-last range of the octet: a block when the range is exactly one
	// prefix, smaller than the parent's octet
	if label[sep] == '-' && second >= int(first) && second <= 255 {
		base[k] = byte(second)
		for i := k + 1; i < 4; i++ {
			base[i] = 255 // the range is of octet k: the octets below it run to the end
		}
		if p, ok := netipx.IPRangeFrom(start, netip.AddrFrom4(base)).Prefix(); ok && p.Bits() > parent.Bits() {
			out = append(out, ZoneName{Prefix: p, Classless: true, Style: Range})
		}
	}
	return out
}

// ClasslessOrigin names the classless zone for p (an IPv4 block that does not
// end on an octet boundary) in the given style: 198.51.100.64/26 is
// 64/26.100.51.198.in-addr.arpa. (Slash), 64-26.… (RFC4183) or 64-127.… (Range).
func ClasslessOrigin(p netip.Prefix, st Style) (string, error) {
	p = p.Masked()
	if !p.Addr().Is4() || p.Bits()%8 == 0 || p.Bits() < 9 {
		return "", fmt.Errorf("%s is not a classless IPv4 block", p)
	}
	k := p.Bits() / 8
	o := p.Addr().As4()
	var label string
	switch st {
	case Slash:
		label = fmt.Sprintf("%d/%d", o[k], p.Bits())
	case RFC4183:
		label = fmt.Sprintf("%d-%d", o[k], p.Bits())
	case Range:
		last := netipx.PrefixLastIP(p).As4()
		label = fmt.Sprintf("%d-%d", o[k], last[k])
	}
	parent, _ := ZoneOrigin(netip.PrefixFrom(p.Addr(), 8*k))
	return label + "." + parent, nil
}

// ZoneOrigin names the plain reverse zone of an octet-aligned IPv4 prefix or
// a nibble-aligned IPv6 prefix: 198.51.100.0/24 is 100.51.198.in-addr.arpa.
func ZoneOrigin(p netip.Prefix) (string, error) {
	p = p.Masked()
	if p.Addr().Is4() {
		if p.Bits()%8 != 0 {
			return "", fmt.Errorf("%s does not end on an octet boundary", p)
		}
		o := p.Addr().As4()
		var b []byte
		for i := p.Bits()/8 - 1; i >= 0; i-- {
			b = strconv.AppendUint(b, uint64(o[i]), 10)
			b = append(b, '.')
		}
		return string(b) + v4Suffix, nil
	}
	if p.Bits()%4 != 0 {
		return "", fmt.Errorf("%s does not end on a nibble boundary", p)
	}
	o := p.Addr().As16()
	var b []byte
	for i := p.Bits()/4 - 1; i >= 0; i-- {
		v := o[i/2]
		if i%2 == 0 {
			v >>= 4
		}
		b = append(b, hexDigit[v&0xf], '.')
	}
	return string(b) + v6Suffix, nil
}

// CoveringZone is the one rule for blocks that do not sit on a zone
// boundary: the covering aligned block, never a smaller one. An IPv4 block is
// served per /24 (a /22 is four /24 zones) and a sub-/24 block by
// its /24 (or a classless child zone, when one is loaded); an IPv6 prefix by
// the nibble-aligned prefix that covers it (a /50 by its /48, never a /52).
func CoveringZone(p netip.Prefix) netip.Prefix {
	p = p.Masked()
	if p.Addr().Is4() {
		if p.Bits() >= 24 {
			return netip.PrefixFrom(p.Addr(), 24).Masked()
		}
		return netip.PrefixFrom(p.Addr(), p.Bits()-p.Bits()%8).Masked()
	}
	return netip.PrefixFrom(p.Addr(), p.Bits()-p.Bits()%4).Masked()
}

// OwnerName is the owner of addr's PTR inside the zone: the plain reverse
// name, or for a classless zone the octets below its label followed by its
// origin (5.0/26.100.51.198.in-addr.arpa.).
func (z ZoneName) OwnerName(a netip.Addr) string {
	if !z.Classless {
		return ReverseName(a)
	}
	o := a.Unmap().As4()
	var b []byte
	for i := 3; i >= z.octets; i-- {
		b = strconv.AppendUint(b, uint64(o[i]), 10)
		b = append(b, '.')
	}
	return string(b) + z.Origin
}

// AddrOf is the inverse of OwnerName: the address whose PTR owner is name in
// this zone, or an error when name is not one (outside the zone, not a full
// address, or outside the zone's block).
func (z ZoneName) AddrOf(name string) (netip.Addr, error) {
	if !z.Classless {
		a, err := ParseReverseName(name)
		if err != nil {
			return a, err
		}
		if !z.Prefix.Contains(a) {
			return netip.Addr{}, fmt.Errorf("%q: %w: %s is outside %s", name, ErrNotReverse, a, z.Prefix)
		}
		return a, nil
	}
	n := strings.ToLower(name)
	if !strings.HasSuffix(n, ".") {
		n += "."
	}
	if !strings.HasSuffix(n, "."+z.Origin) {
		return netip.Addr{}, fmt.Errorf("%q: %w: not inside %s", name, ErrNotReverse, z.Origin)
	}
	labels := strings.Split(n[:len(n)-len(z.Origin)-1], ".")
	if len(labels) != 4-z.octets {
		return netip.Addr{}, fmt.Errorf("%q: %w: want %d address labels before %s", name, ErrNotReverse, 4-z.octets, z.Origin)
	}
	o := z.Prefix.Addr().As4()
	for i, l := range labels {
		v, err := octet(l)
		if err != nil {
			return netip.Addr{}, fmt.Errorf("%q: %w: label %q: %v", name, ErrNotReverse, l, err)
		}
		o[3-i] = v
	}
	a := netip.AddrFrom4(o)
	if !z.Prefix.Contains(a) {
		return netip.Addr{}, fmt.Errorf("%q: %w: %s is outside %s", name, ErrNotReverse, a, z.Prefix)
	}
	return a, nil
}
