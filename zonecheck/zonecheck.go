// Package zonecheck is the lint a CI pipeline runs on zone changes: mistakes
// that a zone file can hold and BIND may still load.
package zonecheck

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"

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
	type ownerInfo struct {
		ptrs     []*zonefile.Record
		cname    *zonefile.Record
		other    int
		genPTR   *zonefile.Record
		plainPTR *zonefile.Record
	}
	owners := map[string]*ownerInfo{}
	info := func(name string) *ownerInfo {
		o := owners[name]
		if o == nil {
			o = &ownerInfo{}
			owners[name] = o
		}
		return o
	}
	for i := range z.Records {
		r := &z.Records[i]
		inZone := r.Name == z.Origin || strings.HasSuffix(r.Name, "."+z.Origin)
		if !inZone {
			add(r, Error, CodeOutOfZone, "owner %s is outside the zone %s", r.Name, z.Origin)
			continue
		}
		switch r.Type {
		case dns.TypeSOA:
			if r.Name == z.Origin {
				soa = true
			}
		case dns.TypeNS:
			if r.Name == z.Origin {
				ns = true
			}
		case dns.TypeCNAME:
			o := info(r.Name)
			o.cname = r
		case dns.TypePTR:
			o := info(r.Name)
			o.ptrs = append(o.ptrs, r)
			if r.Iter >= 0 {
				o.genPTR = r
			} else {
				o.plainPTR = r
			}
			checkTarget(z, r, add)
			if z.Reverse {
				if _, err := z.Name.AddrOf(r.Name); err != nil {
					if _, cut := z.DelegatedAt(r.Name); !cut {
						add(r, Error, CodeBadOwner, "PTR owner %s is not the name of an address in %s", r.Name, z.Name.Prefix)
					}
				}
			}
			continue
		default:
			info(r.Name).other++
		}
	}
	if !soa {
		add(nil, Error, CodeNoSOA, "zone %s has no SOA record at its apex", z.Origin)
	}
	if !ns {
		add(nil, Error, CodeNoNS, "zone %s has no NS record at its apex", z.Origin)
	}
	names := make([]string, 0, len(owners))
	for n := range owners {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		o := owners[n]
		if o.cname != nil && (len(o.ptrs) > 0 || o.other > 0) {
			add(o.cname, Error, CodeCNAMEAndData, "%s has a CNAME and other data", n)
		}
		if o.genPTR != nil && o.plainPTR != nil {
			add(o.plainPTR, Error, CodeGenerateOver, "PTR at %s overlaps the $GENERATE range at line %d", n, o.genPTR.Line)
			continue
		}
		if len(o.ptrs) > 1 && distinctTargets(o.ptrs) > 1 {
			lines := make([]string, 0, len(o.ptrs))
			for _, p := range o.ptrs[1:] {
				lines = append(lines, fmt.Sprint(p.Line))
			}
			add(o.ptrs[0], Error, CodeMultiPTR, "%s has %d PTR records (also at line %s): mail receivers pick one at random", n, len(o.ptrs), strings.Join(lines, ", "))
		}
	}
	return out
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
