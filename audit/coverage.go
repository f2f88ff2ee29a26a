package audit

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"go4.org/netipx"

	"github.com/rdnsctl/rdnsctl/delegation"
	"github.com/rdnsctl/rdnsctl/ipam"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// CoverageState says how the reverse DNS of an assigned IPv6 prefix is
// answered, or which coverage finding a row is.
type CoverageState string

const (
	// CoverDelegated: NS sets in a loaded zone hand the prefix over (at or
	// above it, or at the nibble owners that cover it exactly).
	CoverDelegated CoverageState = "delegated"
	// CoverSynthesized: inside a synthesize entry of the config.
	CoverSynthesized CoverageState = "synthesized"
	// CoverExplicit: PTRs in a loaded zone, one for every address IPAM
	// assigns inside the prefix.
	CoverExplicit CoverageState = "explicit"
	// CoverUncovered: none of these for the prefix or a part of it.
	CoverUncovered CoverageState = "uncovered"
	// CoverDelegationOverlap: records in a parent zone below one of its own
	// delegation points, which the server never serves (one row per
	// delegation point, IPAM prefix or not).
	CoverDelegationOverlap CoverageState = "delegation-overlap"
)

// CoverageStates lists the states in report order: the findings first.
var CoverageStates = []CoverageState{CoverUncovered, CoverDelegationOverlap, CoverDelegated, CoverSynthesized, CoverExplicit}

// Info says whether a state is informational (a covered prefix), not a
// finding.
func (s CoverageState) Info() bool {
	return s == CoverDelegated || s == CoverSynthesized || s == CoverExplicit
}

// ParseCoverageFinding reads the name of a coverage finding (uncovered,
// delegation-overlap), for --fail-on.
func ParseCoverageFinding(s string) (CoverageState, bool) {
	switch v := CoverageState(strings.ToLower(strings.TrimSpace(s))); v {
	case CoverUncovered, CoverDelegationOverlap:
		return v, true
	}
	return "", false
}

// CoverageRow is one row of the coverage audit: an assigned IPv6 prefix of
// the prefix export and how it is covered, or a delegation-overlap finding
// of a delegation point.
type CoverageRow struct {
	Prefix   netip.Prefix // invalid for a delegation point whose owner names no block
	State    CoverageState
	Customer string
	VRF      string
	// Zone is the loaded zone that covers the prefix (the parent zone of a
	// delegation-overlap), "" when none does.
	Zone string
	// Delegations are the owners of the NS sets that hand the prefix (or
	// parts of it) over, NS their name servers (each once, in order).
	Delegations []string
	NS          []string
	// Synthesize are the synthesize entries that cover the prefix or parts
	// of it.
	Synthesize []netip.Prefix
	// PTRCount counts the PTRs the loaded zones serve inside the prefix
	// (those below a delegation point are not served and not counted);
	// Assigned the addresses the address export has in use inside it;
	// WithoutPTR those of them without a PTR in the parts that rely on
	// explicit PTRs (neither delegated nor synthesized).
	PTRCount   int
	Assigned   int
	WithoutPTR int
	// Occluded counts the records below the delegation point of a
	// delegation-overlap row (0 in the other rows).
	Occluded int
	Reason   string
	// File and Line: the IPAM row of a prefix; the first occluded record
	// of a delegation-overlap.
	File string
	Line int
}

type coverageJSON struct {
	Prefix      string        `json:"prefix"`
	State       CoverageState `json:"state"`
	Customer    string        `json:"customer"`
	VRF         string        `json:"vrf"`
	Zone        string        `json:"zone"`
	Delegations []string      `json:"delegations"`
	NS          []string      `json:"ns"`
	Synthesize  []string      `json:"synthesize"`
	PTRCount    int           `json:"ptr_count"`
	Assigned    int           `json:"assigned_count"`
	WithoutPTR  int           `json:"without_ptr_count"`
	Occluded    int           `json:"occluded_count"`
	Reason      string        `json:"reason"`
	File        string        `json:"file"`
	Line        *int          `json:"line"`
}

// MarshalJSON writes the row's JSON form (snake_case keys, [] for empty
// lists, line null when unknown, prefix "" when the owner names no block).
func (r CoverageRow) MarshalJSON() ([]byte, error) {
	j := coverageJSON{State: r.State, Customer: r.Customer, VRF: r.VRF, Zone: r.Zone,
		Delegations: r.Delegations, NS: r.NS, Synthesize: r.SynthesizeStrings(), PTRCount: r.PTRCount,
		Assigned: r.Assigned, WithoutPTR: r.WithoutPTR, Occluded: r.Occluded, Reason: r.Reason, File: r.File}
	if r.Prefix.IsValid() {
		j.Prefix = r.Prefix.String()
	}
	if j.Delegations == nil {
		j.Delegations = []string{}
	}
	if j.NS == nil {
		j.NS = []string{}
	}
	if r.Line > 0 {
		j.Line = &r.Line
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (r *CoverageRow) UnmarshalJSON(b []byte) error {
	var j coverageJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = CoverageRow{State: j.State, Customer: j.Customer, VRF: j.VRF, Zone: j.Zone, Delegations: j.Delegations,
		NS: j.NS, PTRCount: j.PTRCount, Assigned: j.Assigned, WithoutPTR: j.WithoutPTR, Occluded: j.Occluded,
		Reason: j.Reason, File: j.File}
	if j.Prefix != "" {
		p, err := netip.ParsePrefix(j.Prefix)
		if err != nil {
			return err
		}
		r.Prefix = p
	}
	for _, s := range j.Synthesize {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return err
		}
		r.Synthesize = append(r.Synthesize, p)
	}
	if j.Line != nil {
		r.Line = *j.Line
	}
	return nil
}

// SynthesizeStrings is Synthesize as text, never nil.
func (r CoverageRow) SynthesizeStrings() []string {
	out := make([]string, len(r.Synthesize))
	for i, p := range r.Synthesize {
		out[i] = p.String()
	}
	return out
}

// Synthesized is a synthesize entry of the config (bulk.SynthEntry): a
// prefix whose PTRs the server synthesizes.
type Synthesized struct {
	Prefix netip.Prefix
	Server string
}

// synthFor returns the longest entry that holds p.
func synthFor(entries []Synthesized, p netip.Prefix) (Synthesized, bool) {
	var best Synthesized
	ok := false
	for _, e := range entries {
		if e.Prefix.Bits() <= p.Bits() && e.Prefix.Contains(p.Addr()) && (!ok || e.Prefix.Bits() > best.Prefix.Bits()) {
			best, ok = e, true
		}
	}
	return best, ok
}

// CoverageInput is what the coverage audit reads.
type CoverageInput struct {
	Zones *zoneset.Set
	// Prefixes are the rows of the prefix export (already limited to the
	// wanted VRFs); only the assigned IPv6 ones longer than a /48, down to
	// a /64, become rows (with the row's File and Line).
	Prefixes []ipam.PrefixRecord
	// Addresses are the rows of the address export.
	Addresses []ipam.Record
	// Synthesize is the config's synthesize list.
	Synthesize []Synthesized
	// Points are the delegation points of the loaded zones
	// (delegation.Points).
	Points []delegation.Point
	// Only limits the rows to the prefixes (and delegation points) that
	// overlap these blocks; empty means all.
	Only []netip.Prefix
	// ShowInfo lists the covered prefixes too; without it they are only
	// counted.
	ShowInfo bool
}

// CoverageResult is the coverage audit's answer.
type CoverageResult struct {
	// Rows in prefix order; covered prefixes only with ShowInfo.
	Rows []CoverageRow
	// Counts counts the rows of each state, listed or not.
	Counts map[CoverageState]int
	// Checked counts the prefixes looked at (assigned IPv6 /49-/64 rows
	// inside Only).
	Checked int
}

// Summary counts the rows by state, every state present.
func (r *CoverageResult) Summary() map[string]int {
	m := make(map[string]int, len(CoverageStates))
	for _, s := range CoverageStates {
		m[string(s)] = r.Counts[s]
	}
	return m
}

// Failing reports whether a row of a state for which fail is true was
// found (listed or only counted).
func (r *CoverageResult) Failing(fail map[CoverageState]bool) bool {
	for s, n := range r.Counts {
		if n > 0 && fail[s] {
			return true
		}
	}
	return false
}

// CoverageApplies says whether a prefix export row gets a coverage row: an
// assigned (active or reserved) IPv6 prefix longer than a /48, down to a
// /64.
func CoverageApplies(p *ipam.PrefixRecord) bool {
	a := p.Prefix.Addr()
	return p.Prefix.IsValid() && a.Is6() && !a.Is4In6() && p.Prefix.Bits() > 48 && p.Prefix.Bits() <= 64 && p.Status.Assigned()
}

// Coverage decides, for every assigned IPv6 prefix of the export, how its
// reverse DNS is answered, and reports the records the loaded zones hold
// below their own delegation points. It does no I/O.
//
// The rule, for a prefix P: the loaded zone Z with the longest prefix that
// holds P is where resolvers end up. An NS set of Z at or above P hands P
// over: delegated. Otherwise P is split: the blocks of Z's NS sets inside P
// (a /50's four /52 nibble owners) are delegated; the loaded zones inside P
// are decided on their own; what a synthesize entry covers is synthesized;
// the rest relies on Z's PTRs: explicit when it holds PTRs and every
// address IPAM has in use there has one, uncovered otherwise (and
// uncovered when no loaded zone holds it). P is covered when every part is;
// its state is that of the largest part (a mix is named part by part in
// the reason).
func Coverage(in CoverageInput) *CoverageResult {
	c := newCoverer(in)
	res := &CoverageResult{Counts: map[CoverageState]int{}}
	emit := func(r CoverageRow) {
		res.Counts[r.State]++
		if !r.State.Info() || in.ShowInfo {
			res.Rows = append(res.Rows, r)
		}
	}
	// A prefix is one row however many IPAM rows name it (twice in one
	// export, in two exports, in two wanted VRFs): it has one reverse
	// zone. The first row is reported, the others named in its reason.
	type pending struct {
		pr   *ipam.PrefixRecord
		also []string
	}
	var todo []pending
	at := map[netip.Prefix]int{}
	for i := range in.Prefixes {
		pr := &in.Prefixes[i]
		if !CoverageApplies(pr) || !c.inScope(pr.Prefix) {
			continue
		}
		if k, dup := at[pr.Prefix]; dup {
			todo[k].also = append(todo[k].also, rowName(pr))
			continue
		}
		at[pr.Prefix] = len(todo)
		todo = append(todo, pending{pr: pr})
	}
	for _, t := range todo {
		res.Checked++
		r := c.row(t.pr)
		if len(t.also) > 0 {
			r.Reason += "; IPAM names the prefix again at " + listCapped(t.also)
		}
		emit(r)
	}
	for _, r := range c.overlaps() {
		emit(r)
	}
	slices.SortStableFunc(res.Rows, compareRows)
	return res
}

// rowName is an IPAM prefix row as FILE:LINE, with its customer and VRF.
func rowName(pr *ipam.PrefixRecord) string {
	s := fmt.Sprintf("%s:%d", pr.File, pr.Line)
	var what []string
	if pr.Customer != "" {
		what = append(what, pr.Customer)
	}
	if pr.VRF != "" {
		what = append(what, "VRF "+pr.VRF)
	}
	if len(what) > 0 {
		s += " (" + strings.Join(what, ", ") + ")"
	}
	return s
}

func compareRows(x, y CoverageRow) int {
	if x.Prefix.IsValid() != y.Prefix.IsValid() {
		if x.Prefix.IsValid() {
			return -1
		}
		return 1
	}
	if c := x.Prefix.Addr().Compare(y.Prefix.Addr()); c != 0 {
		return c
	}
	if c := cmp.Compare(x.Prefix.Bits(), y.Prefix.Bits()); c != 0 {
		return c
	}
	if c := cmp.Compare(slices.Index(CoverageStates, x.State), slices.Index(CoverageStates, y.State)); c != 0 {
		return c
	}
	if c := cmp.Compare(x.File, y.File); c != 0 {
		return c
	}
	return cmp.Compare(x.Line, y.Line)
}

// coverer holds the indexes every prefix's decision uses.
type coverer struct {
	in       CoverageInput
	zoneAt   map[netip.Prefix]*zoneset.Zone // IPv6 reverse zones by block (first loaded wins)
	zones    []*zoneset.Zone                // the same, by address then length
	pointAt  map[netip.Prefix][]*delegation.Point
	points   []*delegation.Point // IPv6 points with a block, by address then length
	addrs    []*ipam.Record      // IPv6 addresses in use, by address
	customer map[netip.Prefix]*ipam.PrefixRecord
}

func newCoverer(in CoverageInput) *coverer {
	c := &coverer{in: in, zoneAt: map[netip.Prefix]*zoneset.Zone{}, pointAt: map[netip.Prefix][]*delegation.Point{},
		customer: map[netip.Prefix]*ipam.PrefixRecord{}}
	if in.Zones != nil {
		for _, z := range in.Zones.Zones {
			if !z.Reverse || !z.Name.Prefix.Addr().Is6() {
				continue
			}
			if _, dup := c.zoneAt[z.Name.Prefix]; !dup {
				c.zoneAt[z.Name.Prefix] = z
				c.zones = append(c.zones, z)
			}
		}
	}
	slices.SortFunc(c.zones, func(a, b *zoneset.Zone) int { return comparePrefix(a.Name.Prefix, b.Name.Prefix) })
	for i := range in.Points {
		p := &in.Points[i]
		if !p.Prefix.IsValid() || !p.Prefix.Addr().Is6() {
			continue
		}
		c.pointAt[p.Prefix] = append(c.pointAt[p.Prefix], p)
		c.points = append(c.points, p)
	}
	slices.SortStableFunc(c.points, func(a, b *delegation.Point) int { return comparePrefix(a.Prefix, b.Prefix) })
	for i := range in.Addresses {
		r := &in.Addresses[i]
		if r.Addr.Is6() && !r.Addr.Is4In6() && r.Status.InUse() {
			c.addrs = append(c.addrs, r)
		}
	}
	slices.SortStableFunc(c.addrs, func(a, b *ipam.Record) int { return a.Addr.Compare(b.Addr) })
	c.addrs = slices.CompactFunc(c.addrs, func(a, b *ipam.Record) bool { return a.Addr == b.Addr })
	for i := range in.Prefixes {
		p := &in.Prefixes[i]
		if p.Prefix.IsValid() && p.Customer != "" {
			if _, dup := c.customer[p.Prefix]; !dup {
				c.customer[p.Prefix] = p
			}
		}
	}
	return c
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return cmp.Compare(a.Bits(), b.Bits())
}

func (c *coverer) inScope(p netip.Prefix) bool {
	if len(c.in.Only) == 0 {
		return true
	}
	if !p.IsValid() {
		return false
	}
	for _, o := range c.in.Only {
		if o.Overlaps(p) {
			return true
		}
	}
	return false
}

// piece is a part of a prefix and how it is covered.
type piece struct {
	set   *netipx.IPSet
	share float64 // of the prefix the row is about
	how   CoverageState
	zone  *zoneset.Zone
	point *delegation.Point // delegated
	synth *Synthesized      // synthesized
	// counts, as in CoverageRow
	ptrs, assigned, without int
	why                     string // uncovered
}

// coveringZone is the loaded zone with the longest block that holds p.
func (c *coverer) coveringZone(p netip.Prefix) *zoneset.Zone {
	for b := p.Bits(); b >= 0; b-- {
		q, _ := p.Addr().Prefix(b)
		if z := c.zoneAt[q]; z != nil {
			return z
		}
	}
	return nil
}

// pointAbove is the outermost NS set of z at or above p.
func (c *coverer) pointAbove(z *zoneset.Zone, p netip.Prefix) *delegation.Point {
	for b := z.Name.Prefix.Bits() + 1; b <= p.Bits(); b++ {
		q, _ := p.Addr().Prefix(b)
		for _, d := range c.pointAt[q] {
			if d.Parent == z.Origin {
				return d
			}
		}
	}
	return nil
}

// pointsInside are the outermost NS sets of z strictly inside p.
func (c *coverer) pointsInside(z *zoneset.Zone, p netip.Prefix) []*delegation.Point {
	i := sort.Search(len(c.points), func(i int) bool { return !c.points[i].Prefix.Addr().Less(p.Addr()) })
	var out []*delegation.Point
	for ; i < len(c.points) && p.Contains(c.points[i].Prefix.Addr()); i++ {
		d := c.points[i]
		if d.Parent != z.Origin || d.Prefix.Bits() <= p.Bits() {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Prefix.Overlaps(d.Prefix) {
			continue // below another NS set of the zone: never reached
		}
		out = append(out, d)
	}
	return out
}

// zonesInside are the outermost loaded zones strictly inside p.
func (c *coverer) zonesInside(p netip.Prefix) []*zoneset.Zone {
	i := sort.Search(len(c.zones), func(i int) bool { return !c.zones[i].Name.Prefix.Addr().Less(p.Addr()) })
	var out []*zoneset.Zone
	for ; i < len(c.zones) && p.Contains(c.zones[i].Name.Prefix.Addr()); i++ {
		z := c.zones[i]
		if z.Name.Prefix.Bits() <= p.Bits() {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Name.Prefix.Overlaps(z.Name.Prefix) {
			continue
		}
		out = append(out, z)
	}
	return out
}

func share(part, whole netip.Prefix) float64 {
	return math.Ldexp(1, whole.Bits()-part.Bits())
}

func setShare(s *netipx.IPSet, whole netip.Prefix) float64 {
	t := 0.0
	for _, p := range s.Prefixes() {
		t += share(p, whole)
	}
	return t
}

// decide splits p into the pieces that cover it; whole is the prefix of
// the row (for the shares).
func (c *coverer) decide(p, whole netip.Prefix) []piece {
	z := c.coveringZone(p)
	if z != nil {
		if d := c.pointAbove(z, p); d != nil {
			pc := piece{set: prefixSet([]netip.Prefix{p}), share: share(p, whole), how: CoverDelegated, zone: z, point: d}
			pc.assigned = c.countAssigned(pc.set, p, nil)
			return []piece{pc}
		}
	}
	var out []piece
	var rest netipx.IPSetBuilder
	rest.AddPrefix(p)
	// the loaded zones inside p answer for themselves; an NS set of z whose
	// child zone is loaded is decided by that zone's content
	subs := c.zonesInside(p)
	for _, d := range c.pointsInsideOrNil(z, p) {
		if slices.ContainsFunc(subs, func(s *zoneset.Zone) bool {
			return s.Name.Prefix.Bits() <= d.Prefix.Bits() && s.Name.Prefix.Contains(d.Prefix.Addr())
		}) {
			continue // the loaded zone at or above the cut answers for it
		}
		// loaded zones below a delegation of z are never reached from it
		subs = slices.DeleteFunc(subs, func(s *zoneset.Zone) bool { return d.Prefix.Overlaps(s.Name.Prefix) })
		set := prefixSet([]netip.Prefix{d.Prefix})
		pc := piece{set: set, share: share(d.Prefix, whole), how: CoverDelegated, zone: z, point: d}
		pc.assigned = c.countAssigned(set, d.Prefix, nil)
		out = append(out, pc)
		rest.RemovePrefix(d.Prefix)
	}
	for _, s := range subs {
		out = append(out, c.decide(s.Name.Prefix, whole)...)
		rest.RemovePrefix(s.Name.Prefix)
	}
	remaining, _ := rest.IPSet()
	if len(remaining.Prefixes()) == 0 {
		return out
	}
	synth := func(e Synthesized, set *netipx.IPSet) {
		pc := piece{set: set, share: setShare(set, whole), how: CoverSynthesized, zone: z, synth: &e}
		pc.ptrs = c.countPTRs(z, set, p)
		pc.assigned = c.countAssigned(set, p, nil)
		out = append(out, pc)
	}
	if e, ok := synthFor(c.in.Synthesize, p); ok && e.Prefix.Addr().Is6() {
		synth(e, remaining)
		return out
	}
	var left netipx.IPSetBuilder
	left.AddSet(remaining)
	for _, e := range c.in.Synthesize {
		if !e.Prefix.Addr().Is6() || e.Prefix.Bits() <= p.Bits() || !p.Contains(e.Prefix.Addr()) {
			continue
		}
		var b netipx.IPSetBuilder
		b.AddSet(remaining)
		b.Intersect(prefixSet([]netip.Prefix{e.Prefix}))
		part, _ := b.IPSet()
		left.RemovePrefix(e.Prefix)
		if len(part.Prefixes()) > 0 {
			synth(e, part)
		}
	}
	rem, _ := left.IPSet()
	if len(rem.Prefixes()) == 0 {
		return out
	}
	pc := piece{set: rem, share: setShare(rem, whole), zone: z}
	pc.ptrs = c.countPTRs(z, rem, p)
	pc.assigned = c.countAssigned(rem, p, nil)
	pc.without = pc.assigned
	if z != nil {
		pc.without = c.countAssigned(rem, p, func(a netip.Addr) bool { return !hasPTR(z, a) })
	}
	switch {
	case z == nil:
		pc.how, pc.why = CoverUncovered, "no loaded zone covers it"
	case pc.ptrs == 0:
		pc.how, pc.why = CoverUncovered, "no delegation, no synthesis and no PTRs"
		if pc.assigned > 0 {
			pc.why += fmt.Sprintf(" (IPAM assigns %s inside it)", plural(pc.assigned, "address"))
		}
	case pc.without > 0:
		pc.how, pc.why = CoverUncovered, fmt.Sprintf("%d of %d addresses IPAM assigns have no PTR (they are missing findings)", pc.without, pc.assigned)
	default:
		pc.how = CoverExplicit
	}
	if pc.how == CoverUncovered {
		pc.why += c.notLoaded(rem)
	}
	return append(out, pc)
}

// notLoaded names the zones the set knows of but did not load (secondary
// zones of named.conf, zones that failed) that overlap set: what they hold
// is not seen, so an uncovered part may be served by them.
func (c *coverer) notLoaded(set *netipx.IPSet) string {
	if c.in.Zones == nil {
		return ""
	}
	var names []string
	for _, nl := range c.in.Zones.NotLoaded {
		if nl.Prefix.IsValid() && set.OverlapsPrefix(nl.Prefix) {
			why := nl.Type
			if nl.Err != nil {
				why = nl.Err.Error()
			}
			names = append(names, fmt.Sprintf("%s (%s)", nl.Origin, why))
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "; not loaded, so not checked: " + listCapped(names)
}

func (c *coverer) pointsInsideOrNil(z *zoneset.Zone, p netip.Prefix) []*delegation.Point {
	if z == nil {
		return nil
	}
	return c.pointsInside(z, p)
}

// hasPTR says whether z holds a PTR for a.
func hasPTR(z *zoneset.Zone, a netip.Addr) bool {
	for _, i := range z.At(a) {
		if z.Records[i].Type == zonefile.TypePTR {
			return true
		}
	}
	return false
}

// countPTRs counts the PTR records of z inside set (all of it inside p).
func (c *coverer) countPTRs(z *zoneset.Zone, set *netipx.IPSet, p netip.Prefix) int {
	if z == nil {
		return 0
	}
	n := z.NumRefs()
	i := sort.Search(n, func(i int) bool { a, _ := z.Ref(i); return !a.Less(p.Addr()) })
	count := 0
	for ; i < n; i++ {
		a, rec := z.Ref(i)
		if !p.Contains(a) {
			break
		}
		if z.Records[rec].Type == zonefile.TypePTR && set.Contains(a) {
			count++
		}
	}
	return count
}

// countAssigned counts the addresses in use inside set (all of it inside
// p) for which keep is true (nil: all).
func (c *coverer) countAssigned(set *netipx.IPSet, p netip.Prefix, keep func(netip.Addr) bool) int {
	i := sort.Search(len(c.addrs), func(i int) bool { return !c.addrs[i].Addr.Less(p.Addr()) })
	n := 0
	for ; i < len(c.addrs) && p.Contains(c.addrs[i].Addr); i++ {
		a := c.addrs[i].Addr
		if set.Contains(a) && (keep == nil || keep(a)) {
			n++
		}
	}
	return n
}

// row decides one prefix of the export.
func (c *coverer) row(pr *ipam.PrefixRecord) CoverageRow {
	p := pr.Prefix
	r := CoverageRow{Prefix: p, Customer: pr.Customer, VRF: pr.VRF, File: pr.File, Line: int(pr.Line)}
	if z := c.coveringZone(p); z != nil {
		r.Zone = z.Origin
	}
	pieces := c.decide(p, p)
	shares := map[CoverageState]float64{}
	var zones []string
	for i := range pieces {
		pc := &pieces[i]
		shares[pc.how] += pc.share
		r.PTRCount += pc.ptrs
		r.Assigned += pc.assigned
		r.WithoutPTR += pc.without
		if pc.point != nil {
			r.Delegations = append(r.Delegations, pc.point.Owner)
			for _, ns := range pc.point.NS {
				if !slices.Contains(r.NS, ns) {
					r.NS = append(r.NS, ns)
				}
			}
		}
		if pc.synth != nil && !slices.Contains(r.Synthesize, pc.synth.Prefix) {
			r.Synthesize = append(r.Synthesize, pc.synth.Prefix)
		}
		if pc.zone != nil && !slices.Contains(zones, pc.zone.Origin) {
			zones = append(zones, pc.zone.Origin)
		}
	}
	if r.Zone == "" {
		r.Zone = strings.Join(zones, " ")
	}
	if shares[CoverUncovered] > 0 {
		r.State = CoverUncovered
	} else {
		best := -1.0
		for _, s := range []CoverageState{CoverDelegated, CoverSynthesized, CoverExplicit} {
			if shares[s] > best {
				r.State, best = s, shares[s]
			}
		}
	}
	r.Reason = c.reason(p, pieces)
	return r
}

// reason says what covers which part of p.
func (c *coverer) reason(p netip.Prefix, pieces []piece) string {
	if len(pieces) == 1 && pieces[0].set.Equal(prefixSet([]netip.Prefix{p})) {
		pc := pieces[0]
		switch pc.how {
		case CoverDelegated:
			d := pc.point
			if d.Prefix == p {
				return fmt.Sprintf("NS set at %s (%s:%d) hands it over to %s", d.Owner, d.File, d.Line, strings.Join(d.NS, " "))
			}
			return fmt.Sprintf("inside %s, handed over by the NS set at %s (%s:%d) to %s", d.Prefix, d.Owner, d.File, d.Line, strings.Join(d.NS, " "))
		case CoverSynthesized:
			return fmt.Sprintf("inside the synthesize entry %s (%s)%s", pc.synth.Prefix, pc.synth.Server, explicitToo(pc.ptrs))
		case CoverExplicit:
			if pc.assigned == 0 {
				return fmt.Sprintf("%s in %s; IPAM assigns no address inside it", plural(pc.ptrs, "PTR"), pc.zone.Origin)
			}
			return fmt.Sprintf("%s in %s; every one of the %s IPAM assigns has one", plural(pc.ptrs, "PTR"), pc.zone.Origin, plural(pc.assigned, "address"))
		case CoverUncovered:
			return pc.why
		}
	}
	// all delegated, one NS set per nibble block: the nibble cover
	allPoints := true
	for _, pc := range pieces {
		allPoints = allPoints && pc.how == CoverDelegated && pc.point != nil && pc.point.Prefix.Bits()%4 == 0 && pc.set.Equal(prefixSet([]netip.Prefix{pc.point.Prefix}))
	}
	var parts []string
	if allPoints && len(pieces) > 1 && pieces[0].point.Prefix.Bits() == (p.Bits()+3)/4*4 && len(pieces) == 1<<(pieces[0].point.Prefix.Bits()-p.Bits()) {
		owners := make([]string, len(pieces))
		for i, pc := range pieces {
			owners[i] = pc.point.Owner
		}
		return fmt.Sprintf("the %d /%d nibble owners that cover it exactly have NS sets: %s", len(pieces), pieces[0].point.Prefix.Bits(), listCapped(owners))
	}
	for _, s := range []CoverageState{CoverUncovered, CoverDelegated, CoverSynthesized, CoverExplicit} {
		var descr []string
		for _, pc := range pieces {
			if pc.how != s {
				continue
			}
			blocks := setString(pc.set)
			switch s {
			case CoverUncovered:
				descr = append(descr, blocks+": "+pc.why)
			case CoverDelegated:
				descr = append(descr, fmt.Sprintf("%s at %s (%s:%d)", blocks, pc.point.Owner, pc.point.File, pc.point.Line))
			case CoverSynthesized:
				descr = append(descr, fmt.Sprintf("%s by the entry %s (%s)%s", blocks, pc.synth.Prefix, pc.synth.Server, explicitToo(pc.ptrs)))
			case CoverExplicit:
				descr = append(descr, fmt.Sprintf("%s by %s in %s", blocks, plural(pc.ptrs, "PTR"), pc.zone.Origin))
			}
		}
		if len(descr) > 0 {
			parts = append(parts, string(s)+": "+listCapped(descr))
		}
	}
	return strings.Join(parts, "; ")
}

func explicitToo(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %s win over synthesized ones", plural(n, "explicit PTR"))
}

// plural is "1 PTR", "2 PTRs", "2 addresses".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "s") {
		return fmt.Sprintf("%d %ses", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// setString names the blocks of a set, at most MaxListed of them.
func setString(s *netipx.IPSet) string {
	ps := s.Prefixes()
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return listCapped(out)
}

func listCapped(items []string) string {
	if len(items) > MaxListed {
		return strings.Join(items[:MaxListed], ", ") + fmt.Sprintf(" and %d more", len(items)-MaxListed)
	}
	return strings.Join(items, ", ")
}

// atCut are the types that belong at a delegation point in the parent.
var atCut = func() map[uint16]bool {
	m := map[uint16]bool{zonefile.TypeNS: true, zonefile.TypeRRSIG: true, zonefile.TypeNSEC: true}
	if t, ok := zonefile.TypeFromString("DS"); ok {
		m[t] = true
	}
	return m
}()

// overlaps finds the records each loaded zone holds below its own
// delegation points: one delegation-overlap row per point, with the first
// such record and their count. The NS set (and DS, RRSIG, NSEC) at the cut
// and the glue (address records of a delegation's name servers) belong
// there and are not counted; a record below nested cuts counts for the
// outermost.
func (c *coverer) overlaps() []CoverageRow {
	if c.in.Zones == nil {
		return nil
	}
	byParent := map[string][]*delegation.Point{}
	for i := range c.in.Points {
		p := &c.in.Points[i]
		byParent[p.Parent] = append(byParent[p.Parent], p)
	}
	var out []CoverageRow
	for _, z := range c.in.Zones.Zones {
		pts := byParent[z.Origin]
		if len(pts) == 0 {
			continue
		}
		cuts := map[string]*delegation.Point{}
		glue := map[string]bool{}
		var depths []int // label counts of the cuts, shortest first
		for _, p := range pts {
			cuts[p.Owner] = p
			for _, ns := range p.NS {
				glue[ns] = true
			}
			if d := labels(p.Owner); !slices.Contains(depths, d) {
				depths = append(depths, d)
			}
		}
		slices.Sort(depths)
		type hit struct {
			first       *zonefile.Record
			count, ptrs int
			types       []string
		}
		hits := map[*delegation.Point]*hit{}
		for i := range z.Records {
			r := &z.Records[i]
			d := cutOf(r.Name, cuts, depths)
			if d == nil {
				continue
			}
			if r.Name == d.Owner && atCut[r.Type] {
				continue
			}
			if (r.Type == zonefile.TypeA || r.Type == zonefile.TypeAAAA) && glue[strings.ToLower(r.Name)] {
				continue
			}
			h := hits[d]
			if h == nil {
				h = &hit{first: r}
				hits[d] = h
			}
			h.count++
			if r.Type == zonefile.TypePTR {
				h.ptrs++
			}
			if t := zonefile.TypeString(r.Type); !slices.Contains(h.types, t) {
				h.types = append(h.types, t)
			}
		}
		for _, p := range pts {
			h := hits[p]
			if h == nil || (p.Prefix.IsValid() && !c.inScope(p.Prefix)) || (!p.Prefix.IsValid() && len(c.in.Only) > 0) {
				continue
			}
			row := CoverageRow{Prefix: p.Prefix, State: CoverDelegationOverlap, Zone: z.Origin,
				Delegations: []string{p.Owner}, NS: slices.Clone(p.NS), PTRCount: h.ptrs, Occluded: h.count,
				File: z.FileOf(h.first), Line: int(h.first.Line)}
			row.Reason = fmt.Sprintf("%d record(s) (%s) below the delegation %s (NS set at %s:%d), which the server never serves: it refers queries below the cut to %s; the first is %s %s",
				h.count, strings.Join(h.types, " "), p.Owner, p.File, p.Line, strings.Join(p.NS, " "), h.first.Name, zonefile.TypeString(h.first.Type))
			if pr := c.customerOf(p.Prefix); pr != nil {
				row.Customer, row.VRF = pr.Customer, pr.VRF
			}
			out = append(out, row)
		}
	}
	return out
}

// customerOf is the prefix export row with the longest prefix that holds
// p and names a customer.
func (c *coverer) customerOf(p netip.Prefix) *ipam.PrefixRecord {
	if !p.IsValid() {
		return nil
	}
	for b := p.Bits(); b >= 0; b-- {
		q, _ := p.Addr().Prefix(b)
		if r := c.customer[q]; r != nil {
			return r
		}
	}
	return nil
}

// labels counts the labels of an absolute name.
func labels(name string) int { return strings.Count(name, ".") }

// cutOf is the outermost cut at or above name.
func cutOf(name string, cuts map[string]*delegation.Point, depths []int) *delegation.Point {
	n := labels(name)
	for _, d := range depths {
		if d > n {
			return nil
		}
		s := name
		if d < n {
			// the suffix with d labels starts after the (d+1)th dot from the end
			for k, dots := len(name)-1, 0; k >= 0; k-- {
				if name[k] == '.' {
					if dots++; dots == d+1 {
						s = name[k+1:]
						break
					}
				}
			}
		}
		if p := cuts[s]; p != nil {
			return p
		}
	}
	return nil
}
