// Package audit compares the IP-assignment truth (an IPAM export) with the
// published PTRs (the loaded zones) and reports what disagrees, one finding
// per address or record; Fix turns the fixable findings into a change set.
package audit

import (
	"cmp"
	"container/heap"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"go4.org/netipx"

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
	// Lame is a delegation point whose name servers do not all answer
	// for the child zone (audit --check-delegations; LameFindings).
	Lame Category = "lame"
)

// Categories lists every category in report order.
var Categories = []Category{Missing, Mismatch, Stale, Duplicate, Invalid, Unmanaged, Orphan, Lame, DefaultOnAssigned, Delegated}

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
	Category Category
	Addr     netip.Addr
	Zone     string
	File     string
	Line     int // of the PTR the finding is about; 0 when there is none (null in JSON)
	// PTR lists the PTR targets published at the address (each target once,
	// in zone order, at most MaxListed of them); PTRCount counts the PTR
	// records, all of them.
	PTR      []string
	PTRCount int
	Expected string
	Customer string
	Reason   string
	Fixable  bool

	// what Fix needs, not reported
	owner    string
	recs     []ptrRef
	want     string // the name the fix writes ("" = delete)
	fromIPAM bool   // want is IPAM's host name, not yet published: validate it
}

// MaxListed bounds the PTR targets a finding lists (and the lines a
// duplicate's reason names): 100k PTRs at one owner make one finding of
// reasonable size, with their count.
const MaxListed = 10

// findingJSON is the JSON row of a finding (snake_case keys; numbers that
// are absent are null).
type findingJSON struct {
	Category Category   `json:"category"`
	IP       netip.Addr `json:"ip"`
	PTR      []string   `json:"ptr"`
	PTRCount int        `json:"ptr_count"`
	Expected string     `json:"expected"`
	Customer string     `json:"customer"`
	Zone     string     `json:"zone"`
	File     string     `json:"file"`
	Line     *int       `json:"line"`
	Reason   string     `json:"reason"`
	Fixable  bool       `json:"fixable"`
}

// MarshalJSON writes the finding's JSON row.
func (f Finding) MarshalJSON() ([]byte, error) {
	j := findingJSON{Category: f.Category, IP: f.Addr, PTR: f.PTR, PTRCount: f.PTRCount, Expected: f.Expected,
		Customer: f.Customer, Zone: f.Zone, File: f.File, Reason: f.Reason, Fixable: f.Fixable}
	if j.PTR == nil {
		j.PTR = []string{}
	}
	if f.Line > 0 {
		j.Line = &f.Line
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a finding's JSON row (what MarshalJSON wrote).
func (f *Finding) UnmarshalJSON(b []byte) error {
	var j findingJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Finding{Category: j.Category, Addr: j.IP, PTR: j.PTR, PTRCount: j.PTRCount, Expected: j.Expected,
		Customer: j.Customer, Zone: j.Zone, File: j.File, Reason: j.Reason, Fixable: j.Fixable}
	if j.Line != nil {
		f.Line = *j.Line
	}
	return nil
}

// Options tune the audit.
type Options struct {
	Defaults rdns.Defaults
	// Managed are prefixes the IPAM manages in addition to those the
	// export names.
	Managed []netip.Prefix
	// Only limits the audit, hence its findings and fixes, to the
	// addresses inside these blocks; empty means every address.
	Only []netip.Prefix
	// ShowInfo lists the info findings (default-on-assigned, delegated);
	// without it they are only counted (a residential /12 on its default
	// PTRs would give a million rows).
	ShowInfo bool
	Progress rdns.Progress
	// Synthesized are the IPv6 prefixes of the config's synthesize
	// entries: the server answers every PTR inside them, so an address
	// there without an explicit PTR is not missing (the coverage audit
	// reports the prefix as synthesized).
	Synthesized []netip.Prefix
}

// synthesized says whether a is inside a synthesize entry.
func (o *Options) synthesized(a netip.Addr) bool {
	for _, p := range o.Synthesized {
		if p.Addr().Is6() && p.Contains(a) {
			return true
		}
	}
	return false
}

// Result is the audit's answer.
type Result struct {
	// Findings in address order; info findings only with ShowInfo.
	Findings []Finding
	// Counts counts the findings of each category, listed or not.
	Counts map[Category]int
	// Checked counts the addresses looked at.
	Checked int
}

// Summary counts findings by category, every category present, info ones
// included whether they are listed or not.
func (r *Result) Summary() map[string]int {
	m := make(map[string]int, len(Categories))
	for _, c := range Categories {
		m[string(c)] = r.Counts[c]
	}
	return m
}

// Failing reports whether a finding of a category for which fail is true
// was found (listed or only counted).
func (r *Result) Failing(fail map[Category]bool) bool {
	for c, n := range r.Counts {
		if n > 0 && fail[c] {
			return true
		}
	}
	return false
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
	only *netipx.IPSet // nil: every address
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

func newPTRWalk(s *zoneset.Set, only *netipx.IPSet) *ptrWalk {
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
		r := &c.z.Records[rec]
		if r.Type == zonefile.TypePTR && (w.only == nil || w.only.Contains(a)) && !occluded(c.z, r.Name) {
			c.a = a
			return true
		}
	}
	return false
}

// occluded says whether owner lies at or below one of z's own delegation
// points: the server refers the question and never serves a PTR there
// (the coverage audit's delegation-overlap names it), so it is no
// published PTR of its address.
func occluded(z *zoneset.Zone, owner string) bool {
	_, below := z.DelegatedAt(owner)
	return below
}

func (w *ptrWalk) more() bool       { return len(w.h) > 0 }
func (w *ptrWalk) addr() netip.Addr { return w.h[0].a }

// take appends every PTR at a to group and moves past them. With many
// records at one owner the heap's top stays put, so this is linear in them.
func (w *ptrWalk) take(a netip.Addr, group []ptrRef) []ptrRef {
	for len(w.h) > 0 && w.h[0].a == a {
		c := &w.h[0]
		_, rec := c.z.Ref(c.i)
		group = append(group, ptrRef{a, c.z, rec})
		if w.advance(c) {
			if c.a != a {
				heap.Fix(&w.h, 0)
			}
		} else {
			heap.Pop(&w.h)
		}
	}
	return group
}

// Run audits the zones against the export.
func Run(s *zoneset.Set, exp *ipam.Export, opt Options) *Result {
	var only *netipx.IPSet
	if len(opt.Only) > 0 {
		only = prefixSet(opt.Only)
	}
	// IPAM rows by address (first row wins; later duplicates are ignored)
	rows := make([]*ipam.Record, 0, len(exp.Records))
	for i := range exp.Records {
		if only == nil || only.Contains(exp.Records[i].Addr) {
			rows = append(rows, &exp.Records[i])
		}
	}
	slices.SortStableFunc(rows, func(x, y *ipam.Record) int { return x.Addr.Compare(y.Addr) })
	rows = slices.CompactFunc(rows, func(x, y *ipam.Record) bool { return x.Addr == y.Addr })

	a := &auditor{s: s, opt: opt, res: &Result{Counts: map[Category]int{}}}
	a.managed, a.explicit = managedSet(exp, opt.Managed)
	ptrs := newPTRWalk(s, only)
	var group []ptrRef
	j := 0
	for ptrs.more() || j < len(rows) {
		var addr netip.Addr
		switch {
		case !ptrs.more():
			addr = rows[j].Addr
		case j >= len(rows):
			addr = ptrs.addr()
		default:
			addr = ptrs.addr()
			if rows[j].Addr.Less(addr) {
				addr = rows[j].Addr
			}
		}
		group = ptrs.take(addr, group[:0])
		var row *ipam.Record
		if j < len(rows) && rows[j].Addr == addr {
			row = rows[j]
			j++
		}
		a.res.Checked++
		rdns.Tick(opt.Progress, 1)
		a.check(addr, group, row)
	}
	Sort(a.res.Findings)
	return a.res
}

// auditor holds what the checks of every address share.
type auditor struct {
	s        *zoneset.Set
	opt      Options
	managed  *netipx.IPSet
	explicit bool // managed came from the export or Options.Managed (else inferred)
	res      *Result
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

// prefixSet is the set of addresses inside any of ps.
func prefixSet(ps []netip.Prefix) *netipx.IPSet {
	var b netipx.IPSetBuilder
	for _, p := range ps {
		if p.IsValid() {
			b.AddPrefix(p.Masked())
		}
	}
	set, _ := b.IPSet() // the builder holds no error: every prefix is valid
	return set
}

// managedSet is the address space IPAM manages: the prefixes the export
// names and extra, explicit; without any, the /24 or /64 of every IPAM
// address, which is enough to call an absent address's custom PTR stale but
// not to call a PTR an orphan.
func managedSet(exp *ipam.Export, extra []netip.Prefix) (*netipx.IPSet, bool) {
	var b netipx.IPSetBuilder
	n := 0
	for _, list := range [][]netip.Prefix{exp.Prefixes, extra} {
		for _, p := range list {
			if p.IsValid() && !p.IsSingleIP() {
				b.AddPrefix(p.Masked())
				n++
			}
		}
	}
	explicit := n > 0
	if !explicit {
		var last netip.Prefix
		for i := range exp.Records {
			a := exp.Records[i].Addr
			bits := 24
			if !a.Is4() {
				bits = 64
			}
			if last.IsValid() && last.Contains(a) {
				continue // rows come in address order, mostly
			}
			last, _ = a.Prefix(bits)
			b.AddPrefix(last)
		}
	}
	set, _ := b.IPSet()
	return set, explicit
}

// list counts a finding of category c and reports whether it is listed
// (then the caller builds it and appends it): info findings are built only
// with ShowInfo.
func (au *auditor) list(c Category) bool {
	au.res.Counts[c]++
	return !c.Info() || au.opt.ShowInfo
}

func (au *auditor) emit(f Finding) { au.res.Findings = append(au.res.Findings, f) }

// addrCheck is what the findings of one address share.
type addrCheck struct {
	a        netip.Addr
	ptrs     []ptrRef
	customer string
	listed   []string // the address's PTR targets, built once for its findings
}

// finding starts a finding of category c about the record p (nil: none).
func (ac *addrCheck) finding(c Category, p *ptrRef, reason string) Finding {
	if ac.listed == nil {
		ac.listed = listTargets(ac.ptrs)
	}
	f := Finding{Category: c, Addr: ac.a, Customer: ac.customer, Reason: reason, PTR: ac.listed, PTRCount: len(ac.ptrs)}
	if p != nil {
		r := &p.zone.Records[p.rec]
		f.Zone, f.File, f.Line, f.owner = p.zone.Origin, p.zone.FileOf(r), int(r.Line), r.Name
		f.recs = []ptrRef{*p}
	}
	return f
}

// check decides the findings of one address.
func (au *auditor) check(a netip.Addr, ptrs []ptrRef, row *ipam.Record) {
	opt := au.opt
	customer, expected := "", ""
	if row != nil {
		customer, expected = row.Customer, row.Hostname
	}
	ac := addrCheck{a: a, ptrs: ptrs, customer: customer}
	// invalid targets first: never guessed at, and nothing else is said of
	// an address whose PTR is broken
	invalid := false
	for n := range ptrs {
		p := &ptrs[n]
		if why := invalidTarget(p.zone, p.data()); why != "" {
			invalid = true
			if au.list(Invalid) {
				au.emit(ac.finding(Invalid, p, why))
			}
		}
	}
	if invalid {
		return
	}
	inUse := row != nil && row.Status.InUse()
	if len(ptrs) > 1 {
		if names := distinct(ptrs); len(names) > 1 {
			if au.list(Duplicate) {
				f := ac.finding(Duplicate, &ptrs[0], duplicateReason(ptrs))
				f.recs = slices.Clone(ptrs) // the caller reuses ptrs
				f.Expected = expected
				f.want, f.Fixable = au.keep(a, names, row, inUse, expected)
				if f.Fixable && f.want != "" {
					f.Expected = f.want
				}
				f.fromIPAM = f.Fixable && f.want != "" && f.want == expected && !slices.Contains(names, expected)
				au.emit(f)
			}
			return
		}
	}
	switch {
	case inUse && len(ptrs) == 0:
		l := au.s.Lookup(a)
		switch l.Status {
		case zoneset.Unmanaged:
			if au.list(Unmanaged) {
				f := ac.finding(Unmanaged, nil, "in use in IPAM, but no loaded zone covers the address")
				f.Expected = firstOf(expected, opt.Defaults.Render(a))
				au.emit(f)
			}
			return
		case zoneset.Delegated:
			if au.list(Delegated) {
				f := ac.finding(Delegated, nil, "covered by a delegation ("+l.Cut+") whose child zone is not loaded")
				f.Zone = l.Zone.Origin
				au.emit(f)
			}
			return
		}
		if opt.synthesized(a) {
			return // the server synthesizes its PTR
		}
		if au.list(Missing) {
			f := ac.finding(Missing, nil, "in use in IPAM ("+row.Status.String()+"), no PTR published")
			f.Zone, f.File, f.owner = l.Zone.Origin, l.Zone.Path, l.Owner
			f.Expected = firstOf(expected, opt.Defaults.Render(a))
			f.want, f.Fixable = f.Expected, f.Expected != ""
			f.fromIPAM = expected != ""
			if f.Expected == "" {
				f.Reason += "; no host name in IPAM and no default template covers it"
			}
			au.emit(f)
		}
		return
	case inUse:
		p := &ptrs[0]
		got := p.data()
		if expected != "" && got != expected {
			if au.list(Mismatch) {
				why := "IPAM names " + expected
				if opt.Defaults.IsDefault(a, got) {
					why = "still the default PTR; IPAM names " + expected
				}
				f := ac.finding(Mismatch, p, why)
				f.Expected, f.want, f.Fixable, f.fromIPAM = expected, expected, true, true
				au.emit(f)
			}
			return
		}
		if expected == "" && customer != "" && opt.Defaults.IsDefault(a, got) {
			if au.list(DefaultOnAssigned) {
				au.emit(ac.finding(DefaultOnAssigned, p, "assigned to "+customer+" but still the default PTR"))
			}
		}
		return
	}
	// not in use: free or deprecated in IPAM, or absent from it
	if len(ptrs) == 0 {
		return
	}
	p := &ptrs[0]
	got := p.data()
	if row == nil && !au.managed.Contains(a) {
		if au.explicit {
			if au.list(Orphan) {
				au.emit(ac.finding(Orphan, p, "outside every prefix IPAM knows"))
			}
		}
		return
	}
	if opt.Defaults.IsDefault(a, got) {
		return
	}
	if au.list(Stale) {
		why := "absent from IPAM inside a managed prefix, still a custom name"
		if row != nil {
			why = row.Status.String() + " in IPAM, still a custom name"
		}
		f := ac.finding(Stale, p, why)
		def := opt.Defaults.Render(a)
		f.Expected, f.want, f.Fixable = def, def, true
		au.emit(f)
	}
}

// keep decides the one PTR a duplicate keeps: the PTR the address would have
// once every other finding is fixed too, so that one --fix reaches a state
// the audit accepts. In use: the name IPAM gives; without one, the custom
// name over the default (someone set it on purpose), the default when there
// is no custom name, nothing fixable with several custom names. Not in use
// inside the managed space: a default PTR (a custom one would be stale), or
// none when no template covers the address. Outside it: as in use without a
// name. It returns the name kept ("" = delete them all) and whether the
// duplicate is fixable.
func (au *auditor) keep(a netip.Addr, names []string, row *ipam.Record, inUse bool, expected string) (string, bool) {
	defs := au.opt.Defaults
	if !inUse && (row != nil || au.managed.Contains(a)) {
		for _, n := range names {
			if defs.IsDefault(a, n) {
				return n, true
			}
		}
		return defs.Render(a), true
	}
	if expected != "" {
		return expected, true
	}
	var custom, def []string
	for _, n := range names {
		if defs.IsDefault(a, n) {
			def = append(def, n)
		} else if custom = append(custom, n); len(custom) > 1 {
			return "", false
		}
	}
	switch {
	case len(custom) == 1:
		return custom[0], true
	case len(def) > 0:
		return def[0], true
	}
	if d := defs.Render(a); d != "" {
		return d, true
	}
	return "", false
}

// duplicateReason names the first MaxListed PTRs with their lines, and how
// many there are.
func duplicateReason(ptrs []ptrRef) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d PTRs: ", len(ptrs))
	for i, p := range ptrs {
		if i == MaxListed {
			fmt.Fprintf(&b, " and %d more", len(ptrs)-MaxListed)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		r := &p.zone.Records[p.rec]
		fmt.Fprintf(&b, "%s (%s:%d)", r.Data, p.zone.FileOf(r), r.Line)
	}
	b.WriteString("; mail receivers pick one at random")
	return b.String()
}

// distinct returns the PTR targets of ptrs, each once, in order; linear in
// len(ptrs).
func distinct(ptrs []ptrRef) []string {
	if len(ptrs) <= 8 {
		var out []string
		for _, p := range ptrs {
			if d := p.data(); !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
		return out
	}
	seen := make(map[string]bool, len(ptrs))
	var out []string
	for _, p := range ptrs {
		if d := p.data(); !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// listTargets is the PTR list of a finding: the distinct targets, at most
// MaxListed, never nil.
func listTargets(ptrs []ptrRef) []string {
	out := []string{}
	for _, p := range ptrs {
		if d := p.data(); !slices.Contains(out, d) {
			if out = append(out, d); len(out) == MaxListed {
				break
			}
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
