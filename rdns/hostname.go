package rdns

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Host name rules applied to PTR targets (RFC 952/1123 as BIND's check-names
// applies them to PTR RDATA): letters, digits and hyphens; labels of 1-63
// octets that neither start nor end with a hyphen; at most 253 octets without
// the final dot.

// ErrEmptyHostname is returned by CheckHostname for "" or ".".
var ErrEmptyHostname = errors.New("empty host name")

// CanonicalHostname lower-cases name and makes it fully qualified (one
// trailing dot). It does not validate; "" stays "".
func CanonicalHostname(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	if isCanonical(name) {
		return name
	}
	return string(AppendCanonicalHostname(make([]byte, 0, len(name)+1), name))
}

// AppendCanonicalHostname appends CanonicalHostname(name) to b: for callers
// that must not keep name's memory (a field of a CSV row) or that build
// names by the million into one buffer.
func AppendCanonicalHostname(b []byte, name string) []byte {
	name = strings.TrimSpace(name)
	if name == "" {
		return b
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 0x80 {
			// not ASCII: leave case folding to the strings package
			b = append(b, strings.ToLower(name[i:])...)
			break
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	if b[len(b)-1] != '.' {
		b = append(b, '.')
	}
	return b
}

// isCanonical: ASCII without upper case, with a final dot.
func isCanonical(s string) bool {
	if s[len(s)-1] != '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c >= 0x80 {
			return false
		}
	}
	return true
}

// CheckHostname reports why name (with or without its final dot) is not a
// valid host name for a PTR target, or nil when it is.
func CheckHostname(name string) error {
	n := strings.TrimSuffix(name, ".")
	if n == "" {
		return ErrEmptyHostname
	}
	if len(n) > 253 {
		return fmt.Errorf("host name is %d octets long, more than 253", len(n))
	}
	for start := 0; start <= len(n); {
		end := strings.IndexByte(n[start:], '.')
		if end < 0 {
			end = len(n)
		} else {
			end += start
		}
		label := n[start:end]
		if err := checkLabel(label); err != nil {
			return fmt.Errorf("label %s: %w", Quote(label, 80), err)
		}
		start = end + 1
	}
	last := n[strings.LastIndexByte(n, '.')+1:]
	allDigits := true
	for i := 0; i < len(last); i++ {
		if last[i] < '0' || last[i] > '9' {
			allDigits = false
			break
		}
	}
	if allDigits {
		if _, err := netip.ParseAddr(n); err == nil {
			return fmt.Errorf("%q is an IP address, not a host name", n)
		}
		return fmt.Errorf("%q ends in an all-numeric label, which no top-level domain is", n)
	}
	return nil
}

func checkLabel(l string) error {
	switch {
	case l == "":
		return errors.New("empty label")
	case len(l) > 63:
		return fmt.Errorf("%d octets long, more than 63", len(l))
	case l[0] == '-' || l[len(l)-1] == '-':
		return errors.New("starts or ends with a hyphen")
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-':
		case c == '_':
			return errors.New("contains an underscore")
		case c == '*':
			return errors.New("contains a wildcard '*'")
		default:
			return fmt.Errorf("contains the character %q", c)
		}
	}
	return nil
}

// IsReverseName reports whether name (absolute or not) ends inside
// in-addr.arpa or ip6.arpa: for a PTR target that is the sign of a name written
// without its final dot.
func IsReverseName(name string) bool {
	n := strings.ToLower(strings.TrimSuffix(name, "."))
	return strings.HasSuffix(n, ".in-addr.arpa") || strings.HasSuffix(n, ".ip6.arpa") || n == "in-addr.arpa" || n == "ip6.arpa"
}
