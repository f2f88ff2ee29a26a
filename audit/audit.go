// Package audit compares the IP-assignment truth (an IPAM export) with the
// published PTRs (the loaded zones) and reports what disagrees, one finding
// per address or record; Fix turns the fixable findings into a change set.
package audit

import (
	"cmp"
	"container/heap"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/rdnsctl/rdnsctl/ipam"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// Category of a finding.
type Category string

const (
	Missing           Category = "missing"
	Mismatch          Category = "mismatch"
	Stale             Category = "stale"
	DefaultOnAssigned Category = "default-on-assigned"
	Duplicate         Category = "duplicate"
	Invalid           Category = "invalid"
	Unmanaged         Category = "unmanaged"
	Delegated         Category = "delegated"
	Orphan            Category = "orphan"
)

// Categories lists every category in report order.
var Categories = []Category{Missing, Mismatch, Stale, Duplicate, Invalid, Unmanaged, Orphan, DefaultOnAssigned, Delegated}

// Info says whether a category is informational (not a failure by default).
func (c Category) Info() bool { return c == DefaultOnAssigned || c == Delegated }

// ParseCategory reads a category name.
func ParseCategory(s string) (Category, error) {
	for _, c := range Categories {
		if string(c) == strings.ToLower(strings.TrimSpace(s)) {
			return c, nil
		}
	}
	return "", fmt.Errorf("unknown category %q", s)
}

// Finding is one disagreement.
type Finding struct {
	Category Category   `json:"category"`
	Addr     netip.Addr `json:"ip"`
	Zone     string     `json:"zone"`
	File     string     `json:"file"`
	Line     int        `json:"line"`
	PTR      string     `json:"ptr"`
	Expected string     `json:"expected"`
	Customer string     `json:"customer"`
	Reason   string     `json:"reason"`
	Fixable  bool       `json:"fixable"`

	// what Fix needs, not reported
	owner string
	recs  []ptrRef
	want  string // the name the fix writes ("" = delete)
}

// Options tune the audit.
type Options struct {
	Defaults rdns.Defaults
	// Prefixes the IPAM manages, in addition to those the export names.
	Prefixes []netip.Prefix
	// Only restricts the audit to addresses inside these blocks.
	Only     []netip.Prefix
	Progress rdns.Progress
}

// Result is the audit's answer.
type Result struct {
	Findings []Finding
	// Checked counts the addresses looked at.
	Checked int
}

// Summary counts findings by category.
func (r *Result) Summary() map[string]int {
	m := map[string]int{}
	for _, c := range Categories {
		m[string(c)] = 0
	}
	for _, f := range r.Findings {
		m[string(f.Category)]++
	}
	return m
}

type ptrRef struct {
	addr netip.Addr
	zone *zoneset.Zone
	rec  int32
}

func (p ptrRef) data() string { return p.zone.Records[p.rec].Data }

// ptrWalk yields every PTR of every reverse zone in address order: a merge
// of the zones' own address indexes (zones nest, across RFC 2317
// delegations), holding nothing per record.
type ptrWalk struct {
	h    cursorHeap
	only []netip.Prefix
}

type cursor struct {
	z *zoneset.Zone
	i int
	a netip.Addr
}

type cursorHeap []cursor

func (h cursorHeap) Len() int           { return len(h) }
func (h cursorHeap) Less(i, j int) bool { return h[i].a.Less(h[j].a) }
func (h cursorHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)        { *h = append(*h, x.(cursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newPTRWalk(s *zoneset.Set, only []netip.Prefix) *ptrWalk {
	w := &ptrWalk{only: only}
	for _, z := range s.Zones {
		if !z.Reverse {
			continue
		}
		c := cursor{z: z, i: -1}
		if w.advance(&c) {
			w.h = append(w.h, c)
		}
	}
	heap.Init(&w.h)
	return w
}

// advance moves c to its zone's next PTR in scope; false at the end.
func (w *ptrWalk) advance(c *cursor) bool {
	for c.i++; c.i < c.z.NumRefs(); c.i++ {
		a, rec := c.z.Ref(c.i)
		if c.z.Records[rec].Type == zonefile.TypePTR && inScope(w.only, a) {
			c.a = a
			return true
		}
	}
	return false
}

func (w *ptrWalk) more() bool       { return len(w.h) > 0 }
func (w *ptrWalk) addr() netip.Addr { return w.h[0].a }

// take appends every PTR at a to group and moves past them.
func (w *ptrWalk) take(a netip.Addr, group []ptrRef) []ptrRef {
	for len(w.h) > 0 && w.h[0].a == a {
		c := &w.h[0]
		_, rec := c.z.Ref(c.i)
		group = append(group, ptrRef{a, c.z, rec})
		if w.advance(c) {
			heap.Fix(&w.h, 0)
		} else {
			heap.Pop(&w.h)
		}
	}
	return group
}

// Run audits the zones against the export.
func Run(s *zoneset.Set, exp *ipam.Export, opt Options) *Result {
	// IPAM rows by address (first row wins; later duplicates are ignored)
	rows := make([]*ipam.Record, 0, len(exp.Records))
	for i := range exp.Records {
		if inScope(opt.Only, exp.Records[i].Addr) {
			rows = append(rows, &exp.Records[i])
		}
	}
	slices.SortStableFunc(rows, func(x, y *ipam.Record) int { return x.Addr.Compare(y.Addr) })
	rows = slices.CompactFunc(rows, func(x, y *ipam.Record) bool { return x.Addr == y.Addr })

	managed := managedPrefixes(exp, opt.Prefixes)
	res := &Result{}
	ptrs := newPTRWalk(s, opt.Only)
	var group []ptrRef
	j := 0
	for ptrs.more() || j < len(rows) {
		var a netip.Addr
		switch {
		case !ptrs.more():
			a = rows[j].Addr
		case j >= len(rows):
			a = ptrs.addr()
		default:
			a = ptrs.addr()
			if rows[j].Addr.Less(a) {
				a = rows[j].Addr
			}
		}
		group = ptrs.take(a, group[:0])
		var row *ipam.Record
		if j < len(rows) && rows[j].Addr == a {
			row = rows[j]
			j++
		}
		res.Checked++
		rdns.Tick(opt.Progress, 1)
		res.Findings = append(res.Findings, check(s, a, group, row, managed, opt)...)
	}
	Sort(res.Findings)
	return res
}

// Sort orders findings by address, category, zone and line: the same input
// always prints the same report.
func Sort(f []Finding) {
	slices.SortStableFunc(f, func(x, y Finding) int {
		if c := x.Addr.Compare(y.Addr); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Category, y.Category); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Zone, y.Zone); c != 0 {
			return c
		}
		return cmp.Compare(x.Line, y.Line)
	})
}

func inScope(only []netip.Prefix, a netip.Addr) bool {
	if len(only) == 0 {
		return true
	}
	for _, p := range only {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

type prefixSet struct {
	byLen map[int]map[netip.Prefix]bool
	lens  []int
	// explicit: the prefixes came from the export or --prefix; otherwise
	// they are inferred (the /24 or /64 of every IPAM address), which is
	// enough to call an absent address's custom PTR stale but not to call
	// a PTR an orphan.
	explicit bool
}

func managedPrefixes(exp *ipam.Export, extra []netip.Prefix) *prefixSet {
	ps := &prefixSet{byLen: map[int]map[netip.Prefix]bool{}}
	add := func(p netip.Prefix) {
		if !p.IsValid() || p.IsSingleIP() {
			return
		}
		p = p.Masked()
		k := p.Bits()
		if !p.Addr().Is4() {
			k += 1000
		}
		if ps.byLen[k] == nil {
			ps.byLen[k] = map[netip.Prefix]bool{}
			ps.lens = append(ps.lens, k)
		}
		ps.byLen[k][p] = true
	}
	for _, p := range exp.Prefixes {
		add(p)
	}
	for _, p := range extra {
		add(p)
	}
	ps.explicit = len(ps.lens) > 0
	if !ps.explicit {
		for i := range exp.Records {
			a := exp.Records[i].Addr
			bits := 24
			if !a.Is4() {
				bits = 64
			}
			p, _ := a.Prefix(bits)
			add(p)
		}
	}
	return ps
}

func (ps *prefixSet) contains(a netip.Addr) bool {
	for _, k := range ps.lens {
		bits := k
		if bits >= 1000 {
			if a.Is4() {
				continue
			}
			bits -= 1000
		} else if !a.Is4() {
			continue
		}
		p, _ := a.Prefix(bits)
		if ps.byLen[k][p] {
			return true
		}
	}
	return false
}

// check decides the findings of one address.
func check(s *zoneset.Set, a netip.Addr, ptrs []ptrRef, row *ipam.Record, managed *prefixSet, opt Options) []Finding {
	var out []Finding
	customer := ""
	expected := ""
	if row != nil {
		customer = row.Customer
		expected = row.Hostname
	}
	finding := func(c Category, p *ptrRef, reason string) Finding {
		f := Finding{Category: c, Addr: a, Customer: customer, Reason: reason}
		if p != nil {
			r := &p.zone.Records[p.rec]
			f.Zone, f.File, f.Line, f.PTR, f.owner = p.zone.Origin, p.zone.FileOf(r), int(r.Line), r.Data, r.Name
			f.recs = []ptrRef{*p}
		}
		return f
	}
	// invalid targets first: never guessed at, and nothing else is said of
	// an address whose PTR is broken
	for n := range ptrs {
		p := &ptrs[n]
		if why := invalidTarget(p.zone, p.data()); why != "" {
			out = append(out, finding(Invalid, p, why))
		}
	}
	if len(out) > 0 {
		return out
	}
	defName := opt.Defaults.Render(a)
	if len(distinct(ptrs)) > 1 {
		f := finding(Duplicate, &ptrs[0], "")
		f.recs = slices.Clone(ptrs) // the caller reuses ptrs
		var names []string
		for _, p := range ptrs {
			names = append(names, p.data()+" ("+p.zone.Origin+")")
		}
		f.Reason = fmt.Sprintf("%d PTRs: %s; mail receivers pick one at random", len(ptrs), strings.Join(names, ", "))
		f.Expected = expected
		f.want, f.Fixable = keepOf(a, ptrs, expected, opt.Defaults)
		if f.Fixable && f.want != "" {
			f.Expected = f.want
		}
		return append(out, f)
	}
	inUse := row != nil && row.Status.InUse()
	switch {
	case inUse && len(ptrs) == 0:
		l := s.Lookup(a)
		switch l.Status {
		case zoneset.Unmanaged:
			f := finding(Unmanaged, nil, "in use in IPAM, but no loaded zone covers the address")
			f.Expected = firstOf(expected, defName)
			return append(out, f)
		case zoneset.Delegated:
			f := finding(Delegated, nil, "covered by a delegation ("+l.Cut+") whose child zone is not loaded")
			f.Zone = l.Zone.Origin
			return append(out, f)
		}
		f := finding(Missing, nil, "in use in IPAM ("+row.Status.String()+"), no PTR published")
		f.Zone, f.File, f.owner = l.Zone.Origin, l.Zone.Path, l.Owner
		f.Expected = firstOf(expected, defName)
		f.want, f.Fixable = f.Expected, f.Expected != ""
		if f.Expected == "" {
			f.Reason += "; no host name in IPAM and no default template covers it"
		}
		return append(out, f)
	case inUse:
		p := &ptrs[0]
		got := p.data()
		isDef := opt.Defaults.IsDefault(a, got)
		if expected != "" && got != expected {
			why := "IPAM names " + expected
			if isDef {
				why = "still the default PTR; IPAM names " + expected
			}
			f := finding(Mismatch, p, why)
			f.Expected, f.want, f.Fixable = expected, expected, true
			return append(out, f)
		}
		if expected == "" && customer != "" && isDef {
			f := finding(DefaultOnAssigned, p, "assigned to "+customer+" but still the default PTR")
			return append(out, f)
		}
		return out
	}
	// not in use: free or deprecated in IPAM, or absent from it
	if len(ptrs) == 0 {
		return out
	}
	p := &ptrs[0]
	got := p.data()
	if row == nil && !managed.contains(a) {
		if managed.explicit {
			return append(out, finding(Orphan, p, "outside every prefix IPAM knows"))
		}
		return out
	}
	if opt.Defaults.IsDefault(a, got) {
		return out
	}
	why := "absent from IPAM inside a managed prefix, still a custom name"
	if row != nil {
		why = row.Status.String() + " in IPAM, still a custom name"
	}
	f := finding(Stale, p, why)
	f.Expected, f.want, f.Fixable = defName, defName, true
	return append(out, f)
}

// keepOf decides which PTR a duplicate keeps: the one IPAM names; with no
// name in IPAM, the custom one over the default (someone set it on purpose).
// More than one custom name and nothing in IPAM: not fixable.
func keepOf(a netip.Addr, ptrs []ptrRef, expected string, defs rdns.Defaults) (string, bool) {
	if expected != "" {
		return expected, true
	}
	var custom []string
	for _, n := range distinct(ptrs) {
		if !defs.IsDefault(a, n) {
			custom = append(custom, n)
		}
	}
	switch len(custom) {
	case 0:
		if d := defs.Render(a); d != "" {
			return d, true
		}
		return "", false
	case 1:
		return custom[0], true
	}
	return "", false
}

func distinct(ptrs []ptrRef) []string {
	var out []string
	for _, p := range ptrs {
		if d := p.data(); !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// invalidTarget says why a PTR target is invalid, or "".
func invalidTarget(z *zoneset.Zone, t string) string {
	if rdns.IsReverseName(t) {
		if strings.HasSuffix(t, "."+z.Origin) {
			return "target ends in the zone's origin: written without its final dot"
		}
		return "target is a reverse name, not a host name"
	}
	if err := rdns.CheckHostname(t); err != nil {
		return "not a valid host name: " + err.Error()
	}
	return ""
}
