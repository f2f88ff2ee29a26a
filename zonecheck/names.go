package zonecheck

import "strings"

// BIND's name rules for check-names, as named applies them (lib/dns/name.c,
// lib/dns/rdata/*/checknames). rdnsctl's own, stricter rule for PTR targets
// is rdns.CheckHostname.

// labels splits an absolute or relative name in presentation form at its
// unescaped dots ("a\.b.c." is two labels).
func labels(name string) []string {
	var out []string
	start := 0
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '\\':
			i++
		case '.':
			out = append(out, name[start:i])
			start = i + 1
		}
	}
	if start < len(name) {
		out = append(out, name[start:])
	}
	if len(out) == 1 && out[0] == "" {
		return nil // the root
	}
	return out
}

// parent is name without its first label ("" past the root).
func parent(name string) string {
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '\\':
			i++
		case '.':
			return name[i+1:]
		}
	}
	return ""
}

// bindHostname is BIND's dns_name_ishostname: every label starts and ends
// with a letter or digit and holds only letters, digits and hyphens; with
// wildcard a leading "*" label is allowed. The root is a host name (MX 0 .).
func bindHostname(name string, wildcard bool) bool {
	n := strings.TrimSuffix(name, ".")
	if wildcard && (n == "*" || strings.HasPrefix(n, "*.")) {
		n = strings.TrimPrefix(n[1:], ".")
	}
	if n == "" {
		return true
	}
	if strings.IndexByte(n, '\\') >= 0 {
		return false
	}
	alnum := func(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }
	start := 0
	for i := 0; i <= len(n); i++ {
		if i < len(n) && n[i] != '.' {
			if c := n[i]; !alnum(c) && c != '-' {
				return false
			}
			continue
		}
		if i == start || !alnum(n[start]) || !alnum(n[i-1]) {
			return false
		}
		start = i + 1
	}
	return true
}

// isDNSSD is BIND's dns_name_isdnssd: the RFC 6763 section 11 browsing names
// (b, db, r, dr, lb under _dns-sd._udp) carry PTRs to domains, not to hosts,
// so check-names leaves their targets alone.
func isDNSSD(name string) bool {
	if !strings.Contains(name, "._dns-sd._udp.") {
		return false
	}
	ls := labels(name)
	if len(ls) < 3 || ls[1] != "_dns-sd" || ls[2] != "_udp" {
		return false
	}
	switch ls[0] {
	case "b", "db", "r", "dr", "lb":
		return true
	}
	return false
}

// inReverseTree says whether name lies under in-addr.arpa, ip6.arpa or
// ip6.int, where BIND applies check-names to PTR targets.
func inReverseTree(name string) bool {
	for _, t := range []string{"in-addr.arpa.", "ip6.arpa.", "ip6.int."} {
		if name == t || strings.HasSuffix(name, "."+t) {
			return true
		}
	}
	return false
}

// hostExceptionA is BIND's check-names leniency for A owners: Active
// Directory's gc._msdcs.<forest>, and SPF "exists" targets below a _spf,
// _spf_verify or _spf_rate label (RFC 7208).
func hostExceptionA(name string) bool {
	ls := labels(name)
	if len(ls) > 2 && ls[0] == "gc" && ls[1] == "_msdcs" &&
		bindHostname(strings.Join(ls[2:], ".")+".", false) {
		return true
	}
	for _, l := range ls[:max(len(ls)-1, 0)] {
		switch l {
		case "_spf", "_spf_verify", "_spf_rate":
			return true
		}
	}
	return false
}
