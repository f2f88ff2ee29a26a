// Package zonecheck is the lint a CI pipeline runs on zone changes: mistakes
// that a zone file can hold and BIND may still load.
package zonecheck

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// Severity of a finding: errors fail the check, warnings do not.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Finding is one problem, at a file and line.
type Finding struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Zone     string   `json:"zone"`
	Message  string   `json:"message"`
}

// Codes of findings.
const (
	CodeParse        = "parse-error"
	CodeRelative     = "relative-target"
	CodeHostname     = "invalid-hostname"
	CodeMultiPTR     = "multiple-ptr"
	CodeOutOfZone    = "out-of-zone"
	CodeBadOwner     = "bad-owner"
	CodeNoSOA        = "no-soa"
	CodeNoNS         = "no-ns"
	CodeGenerateOver = "generate-overlap"
	CodeCNAMEAndData = "cname-and-other-data"
)

// Check lints every zone of the set.
func Check(s *zoneset.Set) []Finding {
	var out []Finding
	for _, z := range s.Zones {
		out = append(out, Zone(z)...)
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

// Zone lints one zone.
func Zone(z *zoneset.Zone) []Finding {
	var out []Finding
	add := func(r *zonefile.Record, sev Severity, code, format string, a ...any) {
		f := Finding{File: z.Path, Severity: sev, Code: code, Zone: z.Origin, Message: fmt.Sprintf(format, a...)}
		if r != nil {
			f.File, f.Line = z.Files[r.File].Path, int(r.Line)
			if r.File == 0 {
				f.File = z.Path
			}
		}
		out = append(out, f)
	}
	var soa, ns bool
	// owners of records other than PTR and CNAME, to find CNAME-and-other-data
	other := map[string]bool{}
	for i := range z.Records {
		r := &z.Records[i]
		inZone := r.Name == z.Origin || strings.HasSuffix(r.Name, "."+z.Origin)
		if !inZone {
			add(r, Error, CodeOutOfZone, "owner %s is outside the zone %s", r.Name, z.Origin)
			continue
		}
		switch r.Type {
		case zonefile.TypeSOA:
			if r.Name == z.Origin {
				soa = true
			}
			other[r.Name] = true
		case zonefile.TypeNS:
			if r.Name == z.Origin {
				ns = true
			}
			other[r.Name] = true
		case zonefile.TypeCNAME:
		case zonefile.TypePTR:
			checkTarget(z, r, add)
			if z.Reverse {
				if _, err := z.Name.AddrOf(r.Name); err != nil {
					if _, cut := z.DelegatedAt(r.Name); !cut {
						add(r, Error, CodeBadOwner, "PTR owner %s is not the name of an address in %s", r.Name, z.Origin)
					}
				}
			}
		default:
			other[r.Name] = true
		}
	}
	if !soa {
		add(nil, Error, CodeNoSOA, "zone %s has no SOA record at its apex", z.Origin)
	}
	if !ns {
		add(nil, Error, CodeNoNS, "zone %s has no NS record at its apex", z.Origin)
	}
	// PTRs and CNAMEs by address, in address order (the zone's index)
	var group []*zonefile.Record
	flush := func() {
		if len(group) == 0 {
			return
		}
		checkOwner(group, other[group[0].Name], add)
		group = group[:0]
	}
	var last netip.Addr
	z.Each(func(a netip.Addr, _ int32, r *zonefile.Record) {
		if a != last {
			flush()
			last = a
		}
		group = append(group, r)
	})
	flush()
	if !z.Reverse {
		// a forward zone: group CNAMEs with other data by name
		for i := range z.Records {
			r := &z.Records[i]
			if r.Type == zonefile.TypeCNAME && other[r.Name] {
				add(r, Error, CodeCNAMEAndData, "%s has a CNAME and other data", r.Name)
			}
		}
	}
	return out
}

// checkOwner checks the PTR and CNAME records of one address.
func checkOwner(recs []*zonefile.Record, hasOther bool, add func(*zonefile.Record, Severity, string, string, ...any)) {
	var ptrs []*zonefile.Record
	var cname, genPTR, plainPTR *zonefile.Record
	for _, r := range recs {
		switch r.Type {
		case zonefile.TypeCNAME:
			cname = r
		case zonefile.TypePTR:
			ptrs = append(ptrs, r)
			if r.Iter >= 0 {
				genPTR = r
			} else {
				plainPTR = r
			}
		}
	}
	n := recs[0].Name
	if cname != nil && (len(ptrs) > 0 || hasOther) {
		add(cname, Error, CodeCNAMEAndData, "%s has a CNAME and other data", n)
	}
	if genPTR != nil && plainPTR != nil {
		add(plainPTR, Error, CodeGenerateOver, "PTR at %s overlaps the $GENERATE range at line %d", n, genPTR.Line)
		return
	}
	if len(ptrs) > 1 && distinctTargets(ptrs) > 1 {
		lines := make([]string, 0, len(ptrs))
		for _, p := range ptrs[1:] {
			lines = append(lines, fmt.Sprint(p.Line))
		}
		add(ptrs[0], Error, CodeMultiPTR, "%s has %d PTR records (also at line %s): mail receivers pick one at random", n, len(ptrs), strings.Join(lines, ", "))
	}
}

func distinctTargets(ptrs []*zonefile.Record) int {
	seen := map[string]bool{}
	for _, p := range ptrs {
		seen[p.Data] = true
	}
	return len(seen)
}

func checkTarget(z *zoneset.Zone, r *zonefile.Record, add func(*zonefile.Record, Severity, string, string, ...any)) {
	t := r.Data
	if rdns.IsReverseName(t) && !rdns.IsReverseName(strings.TrimSuffix(t, z.Origin)) && strings.HasSuffix(t, "."+z.Origin) {
		add(r, Error, CodeRelative, "PTR target %s ends in the zone's own origin: written without its final dot? (meant %s)", t, strings.TrimSuffix(t, z.Origin))
		return
	}
	if rdns.IsReverseName(t) {
		add(r, Error, CodeRelative, "PTR target %s is a reverse name, not a host name", t)
		return
	}
	if err := rdns.CheckHostname(t); err != nil {
		add(r, Error, CodeHostname, "PTR target %s is not a valid host name: %v", t, err)
	}
}

// Errors counts findings of severity error.
func Errors(f []Finding) int {
	n := 0
	for _, x := range f {
		if x.Severity == Error {
			n++
		}
	}
	return n
}

// ParseFinding turns a loader problem ("file:line: msg") into a finding.
func ParseFinding(err error) Finding {
	f := Finding{Severity: Error, Code: CodeParse, Message: err.Error()}
	var pe *zonefile.ParseError
	if errors.As(err, &pe) {
		f.File, f.Line, f.Message = pe.File, pe.Line, pe.Msg
	}
	return f
}
