package rdns

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// NotNetworkError is returned for a CIDR written with host bits set
// (198.51.100.45/24): it is neither the address nor the network, and
// masking it silently would widen a change from one address to a block.
type NotNetworkError struct {
	Input   string       // as written
	Addr    netip.Addr   // the address part
	Network netip.Prefix // the network it lies in
}

func (e *NotNetworkError) Error() string {
	return fmt.Sprintf("%s is not a network: did you mean the address %s or the network %s?", Clip(e.Input, 80), e.Addr, e.Network)
}

// ParsePrefix reads a CIDR network (198.51.100.0/24, 2001:db8::/48). It is
// the one parser of prefixes given by a user, a config file, an event or an
// IPAM prefix column. An IPv4-mapped IPv6 prefix of /96 or longer is the
// IPv4 network it maps. A prefix with host bits set is a *NotNetworkError,
// never masked.
func ParsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%s is not a CIDR network", Quote(s, 80))
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, &NotNetworkError{Input: s, Addr: p.Addr(), Network: m}
	}
	return p, nil
}

// ParseBlock reads a CIDR network (as ParsePrefix) or a single address,
// which is its /32 or /128: the arguments of the verbs that take "IP|CIDR".
func ParseBlock(s string) (netip.Prefix, error) {
	if strings.IndexByte(s, '/') >= 0 {
		return ParsePrefix(s)
	}
	a, err := ParseAddr(s)
	if err != nil {
		if strings.IndexByte(s, '%') < 0 {
			err = fmt.Errorf("%s is not an address or a CIDR network", Quote(s, 80))
		}
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// ParseAddr reads one address, without a prefix length and without an IPv6
// zone (reverse DNS has none), unmapped from IPv4-mapped IPv6.
func ParseAddr(s string) (netip.Addr, error) {
	if strings.IndexByte(s, '/') >= 0 {
		if p, err := netip.ParsePrefix(s); err == nil {
			return netip.Addr{}, fmt.Errorf("%s is a CIDR block, not an address: write the address %s alone", Quote(s, 80), p.Addr().Unmap())
		}
		return netip.Addr{}, fmt.Errorf("%s is not an address", Quote(s, 80))
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%s is not an address", Quote(s, 80))
	}
	if a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%s has an IPv6 zone, which reverse DNS does not know", Quote(s, 80))
	}
	return a.Unmap(), nil
}

// Quote returns s Go-quoted for an error message, with at most max bytes
// of s (cut at a UTF-8 boundary and marked with "…"), so that a hostile
// token of a megabyte does not become a megabyte of error message.
func Quote(s string, max int) string {
	c, cut := clip(s, max)
	q := strconv.Quote(c)
	if cut {
		q = q[:len(q)-1] + "…\""
	}
	return q
}

// Clip returns s cut to at most max bytes (at a UTF-8 boundary), with "…"
// appended when it was cut.
func Clip(s string, max int) string {
	c, cut := clip(s, max)
	if cut {
		return c + "…"
	}
	return c
}

func clip(s string, max int) (string, bool) {
	if len(s) <= max {
		return s, false
	}
	i := max
	for i > 0 && s[i]&0xc0 == 0x80 {
		i--
	}
	return s[:i], true
}
