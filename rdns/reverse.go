// Package rdns holds rdnsctl's domain model: reverse names mapped to and from
// netip addresses and prefixes, host-name rules for PTR targets, and the
// change set every changing verb returns. It imports only the standard
// library and netipx.
package rdns

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

const (
	v4Suffix = "in-addr.arpa."
	v6Suffix = "ip6.arpa."
	hexDigit = "0123456789abcdef"
)

// ReverseName returns the owner name of addr's PTR: d.c.b.a.in-addr.arpa. for
// IPv4, 32 reversed nibbles under ip6.arpa. for IPv6 (lower-case, absolute).
func ReverseName(a netip.Addr) string {
	return string(AppendReverseName(nil, a))
}

// AppendReverseName appends ReverseName(a) to b.
func AppendReverseName(b []byte, a netip.Addr) []byte {
	a = a.Unmap()
	if a.Is4() {
		o := a.As4()
		for i := 3; i >= 0; i-- {
			b = strconv.AppendUint(b, uint64(o[i]), 10)
			b = append(b, '.')
		}
		return append(b, v4Suffix...)
	}
	o := a.As16()
	for i := 15; i >= 0; i-- {
		b = append(b, hexDigit[o[i]&0xf], '.', hexDigit[o[i]>>4], '.')
	}
	return append(b, v6Suffix...)
}

// ErrNotReverse is wrapped by every error of the reverse-name parsers.
var ErrNotReverse = errors.New("not a reverse name")

// ParseReverseName returns the address whose full PTR owner name is name
// (case-insensitive, final dot optional). A name that is not a complete
// in-addr.arpa (four octets) or ip6.arpa (32 nibbles) name is an error.
func ParseReverseName(name string) (netip.Addr, error) {
	if a, ok := fastReverse(name); ok {
		return a, nil
	}
	p, err := parseReverse(name)
	if err != nil {
		return netip.Addr{}, err
	}
	if !p.IsSingleIP() {
		return netip.Addr{}, fmt.Errorf("%q: %w: names a /%d, not one address", name, ErrNotReverse, p.Bits())
	}
	return p.Addr(), nil
}

// fastReverse reads the canonical forms (lower case, final dot) of a full
// in-addr.arpa or ip6.arpa name without allocating: the names of zone
// files, which are read by the million. Anything else is left to
// parseReverse.
func fastReverse(name string) (netip.Addr, bool) {
	switch {
	case len(name) <= len(".in-addr.arpa.")+15 && strings.HasSuffix(name, ".in-addr.arpa."):
		s := name[:len(name)-len(".in-addr.arpa.")]
		var a [4]byte
		for i := 3; i >= 0; i-- {
			j := strings.IndexByte(s, '.')
			if (j < 0) != (i == 0) {
				return netip.Addr{}, false
			}
			l := s
			if j >= 0 {
				l, s = s[:j], s[j+1:]
			}
			v, err := octet(l)
			if err != nil {
				return netip.Addr{}, false
			}
			a[i] = v
		}
		return netip.AddrFrom4(a), true
	case len(name) == 64+len(v6Suffix) && strings.HasSuffix(name, "."+v6Suffix):
		var a [16]byte
		for i := 0; i < 32; i++ {
			c := name[2*i]
			if name[2*i+1] != '.' {
				return netip.Addr{}, false
			}
			var v byte
			switch {
			case '0' <= c && c <= '9':
				v = c - '0'
			case 'a' <= c && c <= 'f':
				v = c - 'a' + 10
			default:
				return netip.Addr{}, false
			}
			// nibble i counts from the least significant
			b := 15 - i/2
			if i%2 == 0 {
				a[b] |= v
			} else {
				a[b] |= v << 4
			}
		}
		return netip.AddrFrom16(a), true
	}
	return netip.Addr{}, false
}

// AppendReverseWire appends the wire form (RFC 1035 labels) of a's
// reverse name, as a DNS query carries it.
func AppendReverseWire(b []byte, a netip.Addr) []byte {
	a = a.Unmap()
	if a.Is4() {
		o := a.As4()
		for i := 3; i >= 0; i-- {
			v := o[i]
			switch {
			case v >= 100:
				b = append(b, 3, '0'+v/100, '0'+v/10%10, '0'+v%10)
			case v >= 10:
				b = append(b, 2, '0'+v/10, '0'+v%10)
			default:
				b = append(b, 1, '0'+v)
			}
		}
		return append(b, "\x07in-addr\x04arpa\x00"...)
	}
	o := a.As16()
	for i := 15; i >= 0; i-- {
		b = append(b, 1, hexDigit[o[i]&0xf], 1, hexDigit[o[i]>>4])
	}
	return append(b, "\x03ip6\x04arpa\x00"...)
}

// ParseReversePrefix returns the octet- or nibble-aligned prefix a plain
// reverse name stands for: 100.51.198.in-addr.arpa. is 198.51.100.0/24,
// 8.b.d.0.1.0.0.2.ip6.arpa. is 2001:db8::/32, a full name is a /32 or /128.
func ParseReversePrefix(name string) (netip.Prefix, error) { return parseReverse(name) }

func parseReverse(name string) (netip.Prefix, error) {
	n := strings.ToLower(strings.TrimSuffix(name, "."))
	switch {
	case n == "in-addr.arpa":
		return netip.PrefixFrom(netip.IPv4Unspecified(), 0), nil
	case n == "ip6.arpa":
		return netip.PrefixFrom(netip.IPv6Unspecified(), 0), nil
	case strings.HasSuffix(n, ".in-addr.arpa"):
		return parseV4(name, n[:len(n)-len(".in-addr.arpa")])
	case strings.HasSuffix(n, ".ip6.arpa"):
		return parseV6(name, n[:len(n)-len(".ip6.arpa")])
	}
	return netip.Prefix{}, fmt.Errorf("%q: %w: not under in-addr.arpa or ip6.arpa", name, ErrNotReverse)
}

func parseV4(name, labels string) (netip.Prefix, error) {
	parts := strings.Split(labels, ".")
	if len(parts) > 4 {
		return netip.Prefix{}, fmt.Errorf("%q: %w: %d labels before in-addr.arpa, at most 4", name, ErrNotReverse, len(parts))
	}
	var o [4]byte
	for i, l := range parts {
		v, err := octet(l)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q: %w: label %q: %v", name, ErrNotReverse, l, err)
		}
		o[len(parts)-1-i] = v
	}
	return netip.PrefixFrom(netip.AddrFrom4(o), 8*len(parts)), nil
}

// octet parses a decimal label 0-255 without leading zeros or signs.
func octet(l string) (byte, error) {
	if l == "" || len(l) > 3 || (len(l) > 1 && l[0] == '0') {
		return 0, errors.New("not an octet")
	}
	v := 0
	for i := 0; i < len(l); i++ {
		if l[i] < '0' || l[i] > '9' {
			return 0, errors.New("not an octet")
		}
		v = v*10 + int(l[i]-'0')
	}
	if v > 255 {
		return 0, errors.New("octet over 255")
	}
	return byte(v), nil
}

func parseV6(name, labels string) (netip.Prefix, error) {
	if len(labels)%2 != 1 || len(labels) > 63 {
		return netip.Prefix{}, fmt.Errorf("%q: %w: not a sequence of at most 32 nibble labels", name, ErrNotReverse)
	}
	n := (len(labels) + 1) / 2
	var o [16]byte
	for i := 0; i < n; i++ {
		c := labels[2*i]
		if 2*i+1 < len(labels) && labels[2*i+1] != '.' {
			return netip.Prefix{}, fmt.Errorf("%q: %w: labels must be single hex digits", name, ErrNotReverse)
		}
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		default:
			return netip.Prefix{}, fmt.Errorf("%q: %w: %q is not a hex digit", name, ErrNotReverse, c)
		}
		nib := n - 1 - i // position from the left
		if nib%2 == 0 {
			o[nib/2] |= v << 4
		} else {
			o[nib/2] |= v
		}
	}
	return netip.PrefixFrom(netip.AddrFrom16(o), 4*n), nil
}
