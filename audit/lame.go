package audit

import (
	"slices"
	"strings"

	"github.com/rdnsctl/rdnsctl/delegation"
)

// LameFindings turns the lame delegation points among results into
// findings of category lame, one per point: the address is the first of
// the delegated block (none for an owner that names no block), the zone,
// file and line those of the NS set in the parent, and the reason names
// the child zone, its block, its name servers and which are lame and why.
// Points that are ok or could not be checked give none.
func LameFindings(results []delegation.Result) []Finding {
	var out []Finding
	for _, r := range results {
		if r.Verdict != delegation.Lame {
			continue
		}
		p := r.Point
		what := "delegation " + p.Owner
		if p.Prefix.IsValid() {
			what += " (" + p.Prefix.String() + ")"
		}
		out = append(out, Finding{
			Category: Lame,
			Addr:     p.Prefix.Addr(),
			Zone:     p.Parent,
			File:     p.File,
			Line:     p.Line,
			Reason:   what + " to " + strings.Join(p.NS, ", ") + ": " + r.Reason,
		})
	}
	return out
}

// Add merges findings into r, in address order (after r's own at the same
// address), and counts them.
func (r *Result) Add(findings []Finding) {
	if len(findings) == 0 {
		return
	}
	if r.Counts == nil {
		r.Counts = map[Category]int{}
	}
	for _, f := range findings {
		r.Counts[f.Category]++
	}
	r.Findings = append(r.Findings, findings...)
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		if a.Addr.IsValid() != b.Addr.IsValid() {
			if a.Addr.IsValid() {
				return -1
			}
			return 1
		}
		return a.Addr.Compare(b.Addr)
	})
}
