package zonefile

import (
	"path"
	"strconv"
	"strings"
)

// OriginFromFileName guesses a reverse zone's origin from the name of its
// file, for files named the way operators name them:
//
//	db.198.51.100, rev.198.51.100          100.51.198.in-addr.arpa.
//	198.51.100.rev, 198.51.100.zone        100.51.198.in-addr.arpa.
//	100.51.198.in-addr.arpa[.][.zone|.db|.rev]
//	0.8.b.d.0.1.0.0.2.ip6.arpa.zone
//	2001:db8.zone, fdef:ffc0:3dd7.db       8.b.d.0.1.0.0.2.ip6.arpa. (groups of a prefix, no "::")
//
// It reports false when the name says nothing about a reverse zone (a forward
// zone's name, four octets, or anything it cannot read).
func OriginFromFileName(p string) (string, bool) {
	name := path.Base(strings.ReplaceAll(p, "\\", "/"))
	lower := strings.ToLower(name)
	affix := false
	for _, suf := range []string{".zone", ".db", ".rev", ".hosts"} {
		if strings.HasSuffix(lower, suf) && len(lower) > len(suf) {
			lower = lower[:len(lower)-len(suf)]
			affix = true
			break
		}
	}
	lower = strings.TrimSuffix(lower, ".")
	if strings.HasSuffix(lower, ".in-addr.arpa") || strings.HasSuffix(lower, ".ip6.arpa") {
		o, err := canonicalName(lower+".", ".")
		if err != nil || !reverseLabelsOK(o) {
			return "", false
		}
		return o, true
	}
	for _, pre := range []string{"db.", "rev.", "zone."} {
		if strings.HasPrefix(lower, pre) {
			lower = lower[len(pre):]
			affix = true
			break
		}
	}
	// a bare "10" says nothing; "10.zone" or "db.10" does
	if !affix && !strings.ContainsAny(lower, ".:") {
		return "", false
	}
	if o, ok := v4Prefix(lower); ok {
		return o, true
	}
	if o, ok := v6Prefix(lower); ok {
		return o, true
	}
	return "", false
}

// reverseLabelsOK checks the labels before in-addr.arpa (octets, or RFC 2317
// and RFC 4183 child labels) or ip6.arpa (nibbles).
func reverseLabelsOK(o string) bool {
	labels := nameLabels(o)
	if strings.HasSuffix(o, ".ip6.arpa.") {
		labels = labels[:len(labels)-2]
		if len(labels) == 0 || len(labels) > 32 {
			return false
		}
		for _, l := range labels {
			if len(l) != 1 || !strings.Contains("0123456789abcdef", l) {
				return false
			}
		}
		return true
	}
	labels = labels[:len(labels)-2]
	if len(labels) == 0 || len(labels) > 4 {
		return false
	}
	for i, l := range labels {
		if _, ok := octet(l); ok {
			continue
		}
		// a classless child such as 0/26, 0-26 or 0-63, first only
		if i == 0 && len(labels) == 4 && strings.ContainsAny(l, "/-") {
			continue
		}
		return false
	}
	return true
}

func octet(s string) (int, bool) {
	if s == "" || len(s) > 3 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 255 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	return n, true
}

// v4Prefix reads "198.51.100" (one to three octets) as a reverse zone.
func v4Prefix(s string) (string, bool) {
	parts := strings.Split(s, ".")
	if len(parts) < 1 || len(parts) > 3 {
		return "", false
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		if _, ok := octet(parts[i]); !ok {
			return "", false
		}
		b.WriteString(parts[i])
		b.WriteByte('.')
	}
	b.WriteString("in-addr.arpa.")
	return b.String(), true
}

// v6Prefix reads "2001:db8" or "fdef:ffc0:3dd7" (one to seven whole
// groups) as a reverse zone on the nibble boundary after the last group.
func v6Prefix(s string) (string, bool) {
	if !strings.Contains(s, ":") || strings.Contains(s, "::") {
		return "", false
	}
	groups := strings.Split(s, ":")
	if len(groups) > 7 {
		return "", false
	}
	var nibbles []byte
	for _, g := range groups {
		if g == "" || len(g) > 4 {
			return "", false
		}
		for _, c := range g {
			if !strings.ContainsRune("0123456789abcdef", c) {
				return "", false
			}
		}
		g = strings.Repeat("0", 4-len(g)) + g
		nibbles = append(nibbles, g...)
	}
	var b strings.Builder
	for i := len(nibbles) - 1; i >= 0; i-- {
		b.WriteByte(nibbles[i])
		b.WriteByte('.')
	}
	b.WriteString("ip6.arpa.")
	return b.String(), true
}
