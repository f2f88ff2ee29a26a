// Package zonecheck is rdnsctl's one zone checker, the lint a CI pipeline
// runs on zone changes. It makes two kinds of check, each finding with a
// stable code and a severity that can be changed per code:
//
//   - BIND's: what named-checkzone -i local -k fail refuses in a zone of PTR
//     records (no SOA or NS at the apex, an in-zone NS without address
//     records, a CNAME beside other data, check-names on owners and
//     targets). With the default severities a zone has a finding of
//     severity error from a BIND code exactly when BIND refuses it.
//   - rdnsctl's PTR policy, which BIND does not have: relative targets,
//     targets that are not host names although BIND lets them pass,
//     several PTRs at one address, PTR owners that name no address,
//     $GENERATE overlaps, and out-of-zone records (which BIND drops with a
//     warning, so what the file says is not served).
package zonecheck

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// Finding is one problem, at a file and line (line 0: the zone as a whole).
type Finding struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Zone     string   `json:"zone"`
	Message  string   `json:"message"`
}

// Options tune a check.
type Options struct {
	// Severity holds the codes whose findings get another severity than
	// the default (Off drops them).
	Severity Severities
	// MaxLines is how many lines a multiple-ptr finding lists before it
	// only counts the rest (default 5).
	MaxLines int
}

func (o Options) maxLines() int {
	if o.MaxLines > 0 {
		return o.MaxLines
	}
	return 5
}

// Check lints a loaded zone set: the problems met while loading it (as
// parse-error findings) and every zone, sorted by file, line and code.
func Check(s *zoneset.Set, opt Options) []Finding {
	var out []Finding
	for _, p := range s.Problems {
		f := ParseFinding(p)
		if f.Severity = opt.Severity.Of(f.Code); f.Severity != Off {
			out = append(out, f)
		}
	}
	for _, z := range s.Zones {
		out = append(out, Zone(z, opt)...)
	}
	Sort(out)
	return out
}

// Sort orders findings by file, line, code.
func Sort(f []Finding) {
	slices.SortStableFunc(f, func(a, b Finding) int {
		if c := cmp.Compare(a.File, b.File); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Line, b.Line); c != 0 {
			return c
		}
		return cmp.Compare(a.Code, b.Code)
	})
}

// Count is the number of findings of severity sev.
func Count(f []Finding, sev Severity) int {
	n := 0
	for _, x := range f {
		if x.Severity == sev {
			n++
		}
	}
	return n
}

// Errors counts findings of severity error.
func Errors(f []Finding) int { return Count(f, Error) }

// ParseFinding turns a loader problem ("file:line: msg") into a finding:
// parse-error, or duplicate-origin for a file whose origin another file
// claims.
func ParseFinding(err error) Finding {
	f := Finding{Severity: Error, Code: CodeParse, Message: err.Error()}
	var pe *zonefile.ParseError
	var ce *zoneset.ConflictError
	switch {
	case errors.As(err, &ce):
		f.File, f.Code, f.Zone = ce.File, CodeDuplicateOrigin, ce.Origin
		f.Message = fmt.Sprintf("zone %s is also in %s, which is the one read: no write is possible until one of them is removed", ce.Origin, ce.Read)
	case errors.As(err, &pe):
		f.File, f.Line, f.Message = pe.File, pe.Line, pe.Msg
	}
	return f
}

// checker collects the findings of one zone.
type checker struct {
	opt  Options
	zone string
	main string                          // the zone's main file
	path func(r *zonefile.Record) string // the file of a record
	out  []Finding
}

func (c *checker) add(r *zonefile.Record, code, format string, a ...any) {
	sev := c.opt.Severity.Of(code)
	if sev == Off {
		return
	}
	f := Finding{File: c.main, Severity: sev, Code: code, Zone: c.zone, Message: fmt.Sprintf(format, a...)}
	if r != nil {
		f.File, f.Line = c.path(r), int(r.Line)
	}
	c.out = append(c.out, f)
}

// File checks a zone that is not part of a zone set: every check but those
// that need the zone's address index (multiple-ptr, bad-owner,
// generate-overlap).
func File(z *zonefile.Zone, opt Options) []Finding {
	c := &checker{opt: opt, zone: z.Origin, path: func(r *zonefile.Record) string {
		if int(r.File) < len(z.Files) {
			return z.Files[r.File].Path
		}
		return ""
	}}
	if len(z.Files) > 0 {
		c.main = z.Files[0].Path
	}
	c.records(z)
	return c.out
}

// Zone lints one zone of a set.
func Zone(z *zoneset.Zone, opt Options) []Finding {
	c := &checker{opt: opt, zone: z.Origin, main: z.Path, path: z.FileOf}
	c.records(z.Zone)
	if z.Reverse {
		c.addresses(z)
	}
	return c.out
}

// records makes BIND's checks and the PTR policy checks of single records.
func (c *checker) records(z *zonefile.Zone) {
	origin := z.Origin
	// a zone under in-addr.arpa or ip6.arpa: every owner in it is in the
	// reverse tree, where BIND applies check-names to PTR targets
	reverseZone := inReverseTree(origin)
	type cnameAt struct {
		rec      *zonefile.Record
		multiple bool
		other    bool
	}
	var (
		soa    *zonefile.Record
		apexNS bool
		ns     []*zonefile.Record
		addrs  = map[string]bool{}     // owners of A and AAAA records
		cuts   = map[string]bool{}     // delegations (NS below the apex) and DNAMEs
		dnames = map[string]bool{}     // owners of DNAMEs
		cnames = map[string]*cnameAt{} // owners of CNAMEs
	)
	for i := range z.Records {
		r := &z.Records[i]
		if !zonefile.IsSubdomain(r.Name, origin) {
			c.add(r, CodeOutOfZone, "%s is outside the zone %s: BIND ignores it", r.Name, origin)
			continue
		}
		switch r.Type {
		case zonefile.TypeSOA:
			switch {
			case r.Name != origin:
				// the reader refuses an SOA below the apex, as BIND does
			case soa == nil:
				soa = r
			case soa.Data != r.Data:
				c.add(r, CodeMultipleSOA, "zone %s has more than one SOA record (the first at line %d)", origin, soa.Line)
			}
			if f := strings.Fields(r.Data); len(f) > 0 && !bindHostname(f[0], false) {
				c.add(r, CodeNamesTarget, "SOA primary %s is not a host name (check-names)", f[0])
			}
		case zonefile.TypeNS:
			if r.Name == origin {
				apexNS = true
			} else {
				cuts[r.Name] = true
			}
			ns = append(ns, r)
			if !bindHostname(r.Data, false) {
				c.add(r, CodeNamesTarget, "NS target %s is not a host name (check-names)", r.Data)
			}
		case zonefile.TypeDNAME:
			cuts[r.Name] = true
			dnames[r.Name] = true
		case zonefile.TypeA:
			addrs[r.Name] = true
			if !bindHostname(r.Name, true) && !hostExceptionA(r.Name) {
				c.add(r, CodeNamesOwner, "A owner %s is not a host name (check-names)", r.Name)
			}
		case zonefile.TypeAAAA:
			addrs[r.Name] = true
			if !bindHostname(r.Name, true) {
				c.add(r, CodeNamesOwner, "AAAA owner %s is not a host name (check-names)", r.Name)
			}
		case zonefile.TypeMX:
			if !bindHostname(r.Name, true) {
				c.add(r, CodeNamesOwner, "MX owner %s is not a host name (check-names)", r.Name)
			}
			if f := strings.Fields(r.Data); len(f) == 2 && !bindHostname(f[1], false) {
				c.add(r, CodeNamesTarget, "MX target %s is not a host name (check-names)", f[1])
			}
		case zonefile.TypeSRV:
			if f := strings.Fields(r.Data); len(f) == 4 && !bindHostname(f[3], false) {
				c.add(r, CodeNamesTarget, "SRV target %s is not a host name (check-names)", f[3])
			}
		case zonefile.TypeCNAME:
			if at := cnames[r.Name]; at == nil {
				cnames[r.Name] = &cnameAt{rec: r}
			} else if at.rec.Data != r.Data && !at.multiple {
				at.multiple = true
				c.add(r, CodeMultiCNAME, "%s has more than one CNAME (the first at line %d)", r.Name, at.rec.Line)
			}
		case zonefile.TypePTR:
			if (reverseZone || inReverseTree(r.Name)) && !isDNSSD(r.Name) {
				c.ptrTarget(z, r)
			}
		}
	}
	if soa == nil {
		c.add(nil, CodeMissingSOA, "zone %s has no SOA record at its apex", origin)
	}
	if !apexNS {
		c.add(nil, CodeMissingNS, "zone %s has no NS record at its apex", origin)
	}

	// CNAME and other data at one owner (DNSSEC's own types excepted, as
	// BIND excepts them)
	if len(cnames) > 0 {
		for i := range z.Records {
			r := &z.Records[i]
			switch r.Type {
			case zonefile.TypeCNAME, zonefile.TypeRRSIG, zonefile.TypeNSEC, zonefile.TypeKEY, zonefile.TypeSIG, zonefile.TypeNXT:
				continue
			}
			if at := cnames[r.Name]; at != nil && !at.other && zonefile.IsSubdomain(r.Name, origin) {
				at.other = true
				c.add(at.rec, CodeCNAMEAndData, "%s has a CNAME and other data (%s at line %d)", r.Name, zonefile.TypeString(r.Type), r.Line)
			}
		}
	}

	// NS targets inside the zone need address records (-i local), must not
	// be CNAMEs and must not lie below a DNAME: an error for the apex's NS
	// set, a warning for a delegation's, as BIND has it.
	cutAbove := func(name string, set map[string]bool) (string, bool) {
		for n := parent(name); len(n) > len(origin); n = parent(n) {
			if set[n] {
				return n, true
			}
		}
		return "", false
	}
	for _, r := range ns {
		if _, below := cutAbove(r.Name, cuts); below || !zonefile.IsSubdomain(r.Data, origin) {
			continue // BIND ignores data below a delegation or a DNAME
		}
		var problem string
		if d, below := cutAbove(r.Data, dnames); below {
			problem = "lies below the DNAME " + d
		} else if cnames[r.Data] != nil {
			problem = "is a CNAME"
		} else if addrs[r.Data] {
			continue
		} else if _, below := cutAbove(r.Data, cuts); below && r.Name == origin {
			continue // the child's address records, not this zone's (BIND is silent)
		}
		switch {
		case r.Name != origin && problem != "":
			c.add(r, CodeMissingGlue, "NS %s of the delegation %s %s (illegal)", r.Data, r.Name, problem)
		case r.Name != origin:
			c.add(r, CodeMissingGlue, "NS %s of the delegation %s is inside the zone and has no address records (glue)", r.Data, r.Name)
		case problem != "":
			c.add(r, CodeBadNSTarget, "NS %s %s (illegal)", r.Data, problem)
		default:
			c.add(r, CodeNSNoGlue, "NS %s is inside the zone and has no address records (A or AAAA)", r.Data)
		}
	}
}

// ptrTarget checks the target of a PTR in the reverse tree.
func (c *checker) ptrTarget(z *zonefile.Zone, r *zonefile.Record) {
	t := r.Data
	if !bindHostname(t, false) {
		why := "check-names"
		if err := rdns.CheckHostname(t); err != nil {
			why = err.Error() + "; check-names"
		}
		c.add(r, CodeNamesTarget, "PTR target %s is not a host name (%s)", t, why)
	}
	if rdns.IsReverseName(t) {
		if meant, ok := strings.CutSuffix(t, "."+z.Origin); ok && !rdns.IsReverseName(meant) {
			c.add(r, CodeRelative, "PTR target %s ends in the zone's own origin: written without its final dot? (meant %s.)", t, meant)
		} else {
			c.add(r, CodeRelative, "PTR target %s is a reverse name, not a host name", t)
		}
		return
	}
	if bindHostname(t, false) {
		if err := rdns.CheckHostname(t); err != nil {
			c.add(r, CodeHostname, "PTR target %s is not a valid host name: %v", t, err)
		}
	}
}

// addresses makes the checks that need the zone's address index: PTR
// owners that name no address, several PTRs at one address, $GENERATE
// overlaps. It is linear in the records at one address.
func (c *checker) addresses(z *zoneset.Zone) {
	indexed := make([]bool, len(z.Records))
	n := z.NumRefs()
	for i := 0; i < n; {
		a, first := z.Ref(i)
		j := i
		for ; j < n; j++ {
			b, rec := z.Ref(j)
			if b != a {
				break
			}
			indexed[rec] = true
		}
		if j-i > 1 {
			c.owner(z, i, j, first)
		}
		i = j
	}
	for i := range z.Records {
		r := &z.Records[i]
		if r.Type != zonefile.TypePTR || indexed[i] || isDNSSD(r.Name) || !zonefile.IsSubdomain(r.Name, z.Origin) {
			continue
		}
		if _, cut := z.DelegatedAt(r.Name); cut {
			continue
		}
		hint := ""
		if pre, ok := strings.CutSuffix(r.Name, "."+z.Origin); ok {
			if a, err := netip.ParseAddr(pre); err == nil {
				hint = fmt.Sprintf(": the address %s written as the owner? (its name is %s)", a, rdns.ReverseName(a))
			}
		}
		c.add(r, CodeBadOwner, "PTR owner %s is not the name of an address in %s%s", r.Name, z.Origin, hint)
	}
}

// owner checks the records refs[i:j] of one address.
func (c *checker) owner(z *zoneset.Zone, i, j int, first int32) {
	var genPTR, plainPTR, firstPTR *zonefile.Record
	seen := make(map[string]bool, j-i)
	var lines []string
	max := c.opt.maxLines()
	for k := i; k < j; k++ {
		_, idx := z.Ref(k)
		r := &z.Records[idx]
		if r.Type != zonefile.TypePTR {
			continue
		}
		if r.Iter >= 0 {
			genPTR = r
		} else if plainPTR == nil {
			plainPTR = r
		}
		if firstPTR == nil {
			firstPTR = r
		}
		if !seen[r.Data] {
			seen[r.Data] = true
			if len(lines) < max {
				lines = append(lines, strconv.Itoa(int(r.Line)))
			}
		}
	}
	name := z.Records[first].Name
	if genPTR != nil && plainPTR != nil {
		c.add(plainPTR, CodeGenerateOver, "PTR at %s overlaps the $GENERATE range at line %d", name, genPTR.Line)
		return
	}
	if len(seen) < 2 {
		return // the same target twice is one record
	}
	more := ""
	if len(seen) > len(lines) {
		more = fmt.Sprintf(" and %d more", len(seen)-len(lines))
	}
	c.add(firstPTR, CodeMultiPTR, "%s has %d PTR records (at lines %s%s): mail receivers pick one at random",
		name, len(seen), strings.Join(lines, ", "), more)
}
