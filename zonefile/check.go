package zonefile

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// CheckNames is how host-name rules are applied, as BIND's check-names.
type CheckNames uint8

const (
	// CheckNamesWarn warns (named-checkzone's default).
	CheckNamesWarn CheckNames = iota
	// CheckNamesFail makes a bad name an error (named's default for a
	// primary zone, and named-compilezone's).
	CheckNamesFail
	// CheckNamesIgnore does not look.
	CheckNamesIgnore
)

// CheckOptions tune Check.
type CheckOptions struct {
	CheckNames CheckNames
}

// Check applies the checks BIND makes on a zone once its file is loaded and
// that matter to a zone of PTR records: one SOA and some NS at the apex,
// CNAME beside other data, in-zone NS targets without an address record
// (BIND -i local), out-of-zone records (ignored by BIND), and check-names on
// the owners of address records and on the host names inside NS, MX, SOA and
// (in in-addr.arpa and ip6.arpa) PTR records. A zone BIND refuses gives at
// least one error. It does not repeat the DNSSEC, SVCB and other type-specific
// checks of named-checkzone.
func (z *Zone) Check(opt CheckOptions) (errs, warns ErrorList) {
	at := func(r Record) (string, int) {
		if int(r.File) < len(z.Files) {
			return z.Files[r.File].Path, int(r.Line)
		}
		return "", int(r.Line)
	}
	zoneMsg := func(list *ErrorList, format string, a ...any) {
		path := ""
		if len(z.Files) > 0 {
			path = z.Files[0].Path
		}
		*list = append(*list, &ParseError{File: path, Msg: fmt.Sprintf(format, a...)})
	}
	recMsg := func(list *ErrorList, r Record, format string, a ...any) {
		f, l := at(r)
		*list = append(*list, &ParseError{File: f, Line: l, Msg: fmt.Sprintf(format, a...)})
	}
	origin := z.Origin
	for _, r := range z.Records {
		if !IsSubdomain(r.Name, origin) {
			recMsg(&warns, r, "ignoring out-of-zone data (%s)", r.Name)
		}
	}
	loaded := z.Loaded()
	types := map[string]map[uint16]int{}
	first := map[string]Record{}
	for _, r := range loaded {
		m := types[r.Name]
		if m == nil {
			m = map[uint16]int{}
			types[r.Name] = m
			first[r.Name] = r
		}
		m[r.Type]++
	}
	apex := types[origin]
	switch n := apex[dns.TypeSOA]; {
	case n == 0:
		zoneMsg(&errs, "zone %s/IN: has 0 SOA records", origin)
	case n > 1:
		zoneMsg(&errs, "zone %s/IN: multiple RRs of singleton type (SOA)", origin)
	}
	if apex[dns.TypeNS] == 0 {
		zoneMsg(&errs, "zone %s/IN: has no NS records", origin)
	}
	hasAddr := func(name string) bool {
		m := types[name]
		return m[dns.TypeA] > 0 || m[dns.TypeAAAA] > 0
	}
	// cuts are the delegations (NS below the apex) and the DNAMEs: names
	// strictly below them are occluded.
	var cuts []string
	for name, m := range types {
		if (m[dns.TypeNS] > 0 && name != origin) || m[dns.TypeDNAME] > 0 {
			cuts = append(cuts, name)
		}
	}
	occluded := func(name string) bool {
		for _, c := range cuts {
			if name != c && IsSubdomain(name, c) {
				return true
			}
		}
		return false
	}
	for _, r := range loaded {
		m := types[r.Name]
		switch r.Type {
		case dns.TypeCNAME:
			if m[dns.TypeCNAME] > 1 {
				recMsg(&errs, r, "%s: multiple RRs of singleton type (CNAME)", r.Name)
			}
			for t := range m {
				switch t {
				case dns.TypeCNAME, dns.TypeRRSIG, dns.TypeNSEC, dns.TypeKEY, dns.TypeSIG, dns.TypeNXT:
				default:
					recMsg(&errs, r, "%s: CNAME and other data", r.Name)
				}
			}
		case dns.TypeNS:
			if occluded(r.Name) {
				continue // BIND ignores data below a delegation or a DNAME
			}
			if IsSubdomain(r.Data, origin) && !occluded(r.Data) && !hasAddr(r.Data) {
				recMsg(&errs, r, "zone %s/IN: NS '%s' has no address records (A or AAAA)", origin, r.Data)
			}
		}
	}
	if opt.CheckNames != CheckNamesIgnore {
		list := &warns
		if opt.CheckNames == CheckNamesFail {
			list = &errs
		}
		for _, r := range z.Records {
			if msg := checkRecordNames(r); msg != "" {
				recMsg(list, r, "%s (check-names)", msg)
			}
		}
	}
	return errs, warns
}

// checkRecordNames applies BIND's check-names to one record.
func checkRecordNames(r Record) string {
	switch r.Type {
	case dns.TypeA:
		if !isHostname(r.Name, true) && !hostExceptionA(r.Name) {
			return r.Name + ": bad owner name"
		}
	case dns.TypeAAAA:
		if !isHostname(r.Name, true) {
			return r.Name + ": bad owner name"
		}
	case dns.TypeMX:
		if !isHostname(r.Name, true) {
			return r.Name + ": bad owner name"
		}
		if f := strings.Fields(r.Data); len(f) == 2 && !isHostname(f[1], false) {
			return fmt.Sprintf("bad name '%s'", f[1])
		}
	case dns.TypeNS:
		if !isHostname(r.Data, false) {
			return fmt.Sprintf("bad name '%s'", r.Data)
		}
	case dns.TypeSOA:
		if f := strings.Fields(r.Data); len(f) > 0 && !isHostname(f[0], false) {
			return fmt.Sprintf("bad name '%s'", f[0])
		}
	case dns.TypePTR:
		if (IsSubdomain(r.Name, "in-addr.arpa.") || IsSubdomain(r.Name, "ip6.arpa.") || IsSubdomain(r.Name, "ip6.int.")) &&
			!isDNSSD(r.Name) && !isHostname(r.Data, false) {
			return fmt.Sprintf("bad name '%s'", r.Data)
		}
	}
	return ""
}

// isHostname is BIND's dns_name_ishostname: every label starts and ends with
// a letter or digit and holds only letters, digits and hyphens; with
// wildcard a leading "*" label is allowed.
func isHostname(name string, wildcard bool) bool {
	labels := nameLabels(name)
	if wildcard && len(labels) > 0 && labels[0] == "*" {
		labels = labels[1:]
	}
	for _, l := range labels {
		if strings.IndexByte(l, '\\') >= 0 {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
			if i == 0 || i == len(l)-1 {
				if !alnum {
					return false
				}
			} else if !alnum && c != '-' {
				return false
			}
		}
	}
	return true
}

// isDNSSD is BIND's dns_name_isdnssd: the DNS-SD browsing names under a
// reverse zone (RFC 6763 section 11) may point anywhere.
func isDNSSD(name string) bool {
	labels := nameLabels(name)
	if len(labels) < 3 || labels[1] != "_dns-sd" || labels[2] != "_udp" {
		return false
	}
	switch labels[0] {
	case "b", "db", "r", "dr", "lb":
		return true
	}
	return false
}

// hostExceptionA is BIND's check-names leniency for A owners: Active
// Directory's gc._msdcs.<forest>, and SPF "exists" targets below a _spf,
// _spf_verify or _spf_rate label (RFC 7208).
func hostExceptionA(name string) bool {
	labels := nameLabels(name)
	if len(labels) > 2 && labels[0] == "gc" && labels[1] == "_msdcs" &&
		isHostname(strings.Join(labels[2:], ".")+".", false) {
		return true
	}
	for _, l := range labels[:max(len(labels)-1, 0)] {
		switch l {
		case "_spf", "_spf_verify", "_spf_rate":
			return true
		}
	}
	return false
}
