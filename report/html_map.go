package report

import (
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"slices"
	"strconv"

	"github.com/rdnsctl/rdnsctl/audit"
	"github.com/rdnsctl/rdnsctl/fcrdns"
	"github.com/rdnsctl/rdnsctl/ipam"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// CellState is what the map says of one IPv4 address (or one IPv6 /64): the
// low 4 bits of its byte. The next 2 bits are the FCrDNS marker.
type CellState uint8

// The cell states, worst last among the findings (a cell takes the worst
// state of what is found inside it).
const (
	CellOutside   CellState = iota // in the /24 but outside every managed prefix
	CellFree                       // managed, no PTR, nothing wrong
	CellUnaudited                  // checked by fcrdns only (no audit ran)
	CellDefault                    // the default template's PTR
	CellCustom                     // a custom PTR, which matches IPAM where IPAM names one
	CellDelegated                  // inside an RFC 2317 delegation whose child zone is not loaded
	CellOrphan                     // a PTR outside every prefix IPAM knows
	CellUnmanaged                  // in use in IPAM, no loaded zone covers it
	CellMissing                    // in use in IPAM, no PTR
	CellStale                      // free or absent in IPAM, still a custom PTR
	CellMismatch                   // the PTR names another host than IPAM
	CellDuplicate                  // more than one PTR
	CellInvalid                    // the PTR target is not a host name
	numCellStates
)

// FCrDNS markers, bits 4-5 of a cell's byte.
const (
	MarkNone  = 0
	MarkPass  = 1
	MarkFail  = 2
	MarkError = 3
)

var cellNames = [numCellStates]string{
	CellOutside:   "outside",
	CellFree:      "free",
	CellUnaudited: "checked",
	CellDefault:   "default",
	CellCustom:    "custom-match",
	CellDelegated: "delegated",
	CellOrphan:    "orphan",
	CellUnmanaged: "unmanaged",
	CellMissing:   "missing",
	CellStale:     "stale",
	CellMismatch:  "mismatch",
	CellDuplicate: "duplicate",
	CellInvalid:   "invalid",
}

func (c CellState) String() string {
	if c < numCellStates {
		return cellNames[c]
	}
	return "CellState(" + strconv.Itoa(int(c)) + ")"
}

// cellOf maps a finding's category to the state it paints; ok is false for
// categories that do not change the cell (default-on-assigned keeps its
// default colour; the finding still shows in the tooltip).
func cellOf(c audit.Category) (CellState, bool) {
	switch c {
	case audit.Missing:
		return CellMissing, true
	case audit.Mismatch:
		return CellMismatch, true
	case audit.Stale:
		return CellStale, true
	case audit.Duplicate:
		return CellDuplicate, true
	case audit.Invalid:
		return CellInvalid, true
	case audit.Unmanaged:
		return CellUnmanaged, true
	case audit.Delegated:
		return CellDelegated, true
	case audit.Orphan:
		return CellOrphan, true
	}
	return 0, false
}

// MapInput is what the map is drawn from. Set and Export may be nil (fcrdns
// without zones or IPAM); FCrDNS may be nil (an audit without verdicts).
type MapInput struct {
	Set      *zoneset.Set
	Export   *ipam.Export
	Defaults rdns.Defaults
	Findings []audit.Finding
	FCrDNS   []fcrdns.Result
	// FCrDNSOnly paints cells by verdict (fcrdns -o html): there was no audit.
	FCrDNSOnly bool
	// MaxTiles bounds the /24s drawn (0: DefaultMaxTiles); beyond it the
	// /24s where nothing is recorded are left out and counted.
	MaxTiles int
	// DetailBytes bounds the tooltip details of addresses without findings
	// (0: DefaultDetailBytes).
	DetailBytes int
}

const (
	// DefaultMaxTiles is 2,097,152 IPv4 addresses: about 2.8 MiB of cells.
	DefaultMaxTiles = 8192
	// DefaultDetailBytes bounds the details of addresses with a custom PTR
	// and no finding.
	DefaultDetailBytes = 1 << 20
	// maxV6Blocks bounds the IPv6 /48s drawn.
	maxV6Blocks = 256
)

// AddrMap is the map's data as the page's script reads it (embedded as
// JSON beside, not inside, the -o json document).
type AddrMap struct {
	Mode string `json:"mode"` // "audit" or "fcrdns"
	// Groups are the managed IPv4 prefixes, in address order, each with
	// its /24 tiles.
	Groups []MapGroup `json:"groups"`
	// Cells is base64 of one byte per address of every tile, tile after
	// tile (256 bytes per tile, in the order of Groups and their Tiles).
	Cells string `json:"cells"`
	// Details describe addresses without findings whose PTR is worth a
	// tooltip: [tile*256+offset, ptr, IPAM name, customer, file index, line].
	Details []any    `json:"details"`
	Files   []string `json:"files"`
	// DetailsOmitted counts addresses whose details did not fit.
	DetailsOmitted int `json:"details_omitted"`
	// TilesOmitted counts /24s with nothing recorded left out (MaxTiles).
	TilesOmitted int `json:"tiles_omitted"`
	// Managed counts the managed IPv4 addresses (cells not outside).
	Managed int `json:"managed"`
	// Counts are the IPv4 cells per state name, as the legend shows them.
	Counts map[string]int `json:"counts"`
	// Marks count the IPv4 cells per FCrDNS marker (pass, fail, error).
	Marks map[string]int `json:"marks"`
	V6    []MapBlock6    `json:"v6"`
	// V6Counts are the IPv6 /64 cells per state name.
	V6Counts map[string]int `json:"v6_counts"`
	States   []string       `json:"states"` // state names by number
	// Defaults are the IPv4 default templates, so that the tooltip of a
	// default cell names its PTR without one string per address.
	Defaults []MapDefault `json:"defaults"`

	tiles []netip.Prefix
	bytes []byte
}

// MapDefault is one default PTR template (rdns.Default).
type MapDefault struct {
	Prefix   string `json:"prefix"`
	Template string `json:"template"`
	Name     string `json:"name"`
}

// MapGroup is one managed IPv4 prefix (at least a /24) and its /24s.
type MapGroup struct {
	Prefix string   `json:"prefix"`
	Tiles  []string `json:"tiles"` // the /24s, e.g. "198.51.100.0/24"
	First  int      `json:"first"` // index of its first tile in Cells
}

// MapBlock6 is one IPv6 /48: 65,536 /64 cells, sent sparsely.
type MapBlock6 struct {
	Prefix string `json:"prefix"`
	// Cells is base64 of (uint16 little-endian /64 index, state byte)
	// triples for every cell that is not free or outside.
	Cells string `json:"cells"`
	// In lists the managed ranges of /64 indexes [first, last]; the rest of
	// the /48 is outside.
	In [][2]int `json:"in"`
}

// BuildMap computes the state of every managed address.
func BuildMap(in MapInput) *AddrMap {
	m := &AddrMap{
		Mode:     "audit",
		Details:  []any{},
		Files:    []string{},
		Groups:   []MapGroup{},
		V6:       []MapBlock6{},
		Counts:   map[string]int{},
		Marks:    map[string]int{},
		V6Counts: map[string]int{},
	}
	if in.FCrDNSOnly {
		m.Mode = "fcrdns"
	}
	for _, n := range cellNames {
		m.States = append(m.States, n)
	}
	m.Defaults = []MapDefault{}
	for _, d := range in.Defaults {
		if d.Prefix.Addr().Is4() && !d.Template.IsZero() {
			m.Defaults = append(m.Defaults, MapDefault{d.Prefix.String(), d.Template.String(), d.Name})
		}
	}
	maxTiles := in.MaxTiles
	if maxTiles <= 0 {
		maxTiles = DefaultMaxTiles
	}
	budget := in.DetailBytes
	if budget <= 0 {
		budget = DefaultDetailBytes
	}

	v4, v6 := managedSpace(in)
	m.layout4(v4, in, maxTiles)
	tileOf := make(map[netip.Prefix]int, len(m.tiles))
	for i, t := range m.tiles {
		tileOf[t] = i
	}
	idx := func(a netip.Addr) int {
		if !a.Is4() {
			return -1
		}
		p, _ := a.Prefix(24)
		t, ok := tileOf[p]
		if !ok {
			return -1
		}
		i := t*256 + int(a.As4()[3])
		if CellState(m.bytes[i]&15) == CellOutside {
			return -1
		}
		return i
	}
	v6cells := map[netip.Prefix]map[uint16]CellState{}
	v6put := func(a netip.Addr, st CellState) {
		p48, _ := a.Prefix(48)
		c := v6cells[p48]
		if c == nil {
			if len(v6cells) >= maxV6Blocks || !containsAny(v6, a) {
				return
			}
			c = map[uint16]CellState{}
			v6cells[p48] = c
		}
		b := a.As16()
		k := binary.BigEndian.Uint16(b[6:8])
		if st > c[k] {
			c[k] = st
		}
	}

	// PTRs: default or custom
	type detail struct {
		i    int
		file string
		line int
		ptr  string
	}
	var custom []detail
	if in.Set != nil && !in.FCrDNSOnly {
		for _, z := range in.Set.Zones {
			if !z.Reverse {
				continue
			}
			for k := 0; k < z.NumRefs(); k++ {
				a, ri := z.Ref(k)
				r := &z.Records[ri]
				if r.Type != zonefile.TypePTR {
					continue
				}
				st := CellCustom
				if in.Defaults.IsDefault(a, r.Data) {
					st = CellDefault
				}
				if !a.Is4() {
					v6put(a, st)
					continue
				}
				i := idx(a)
				if i < 0 {
					continue
				}
				if CellState(m.bytes[i]&15) < st {
					m.bytes[i] = m.bytes[i]&^15 | byte(st)
				}
				if st == CellCustom {
					custom = append(custom, detail{i, z.FileOf(r), int(r.Line), r.Data})
				}
			}
		}
	}
	// findings: the worst one paints the cell
	hasFinding := map[int]bool{}
	for _, f := range in.Findings {
		st, ok := cellOf(f.Category)
		a := f.Addr
		if !a.Is4() {
			if ok {
				v6put(a, st)
			}
			continue
		}
		i := idx(a)
		if i < 0 {
			continue
		}
		hasFinding[i] = true
		if ok && CellState(m.bytes[i]&15) < st {
			m.bytes[i] = m.bytes[i]&^15 | byte(st)
		}
	}
	// FCrDNS verdicts: markers (or, alone, the cell itself)
	for _, r := range in.FCrDNS {
		mk := MarkFail
		switch r.Verdict {
		case fcrdns.Pass:
			mk = MarkPass
		case fcrdns.Error:
			mk = MarkError
		}
		if !r.IP.Is4() {
			if in.FCrDNSOnly {
				v6put(r.IP, CellUnaudited)
			}
			continue
		}
		i := idx(r.IP)
		if i < 0 {
			continue
		}
		if in.FCrDNSOnly && CellState(m.bytes[i]&15) < CellUnaudited {
			m.bytes[i] = m.bytes[i]&^15 | byte(CellUnaudited)
		}
		m.bytes[i] = m.bytes[i]&^(3<<4) | byte(mk<<4)
	}

	// tooltip details for custom PTRs without findings, within budget
	var rows map[netip.Addr]*ipam.Record
	if in.Export != nil && len(custom) > 0 {
		rows = make(map[netip.Addr]*ipam.Record, len(custom))
		want := make(map[netip.Addr]bool, len(custom))
		for _, d := range custom {
			want[m.addrAt(d.i)] = true
		}
		for k := range in.Export.Records {
			r := &in.Export.Records[k]
			if want[r.Addr] && rows[r.Addr] == nil {
				rows[r.Addr] = r
			}
		}
	}
	fileIdx := map[string]int{}
	used := 0
	for _, d := range custom {
		if hasFinding[d.i] {
			continue
		}
		name, cust := "", ""
		if r := rows[m.addrAt(d.i)]; r != nil {
			name, cust = r.Hostname, r.Customer
		}
		cost := len(d.ptr) + len(name) + len(cust) + 24
		if used+cost > budget {
			m.DetailsOmitted++
			continue
		}
		used += cost
		fi, ok := fileIdx[d.file]
		if !ok {
			fi = len(m.Files)
			fileIdx[d.file] = fi
			m.Files = append(m.Files, d.file)
			used += len(d.file) + 3
		}
		m.Details = append(m.Details, []any{d.i, d.ptr, name, cust, fi, d.line})
	}

	// counts
	for _, b := range m.bytes {
		st := CellState(b & 15)
		if st == CellOutside {
			continue
		}
		m.Managed++
		m.Counts[st.String()]++
		switch b >> 4 & 3 {
		case MarkPass:
			m.Marks["pass"]++
		case MarkFail:
			m.Marks["fail"]++
		case MarkError:
			m.Marks["error"]++
		}
	}
	m.Cells = base64.StdEncoding.EncodeToString(m.bytes)
	m.layout6(v6, v6cells)
	return m
}

// addrAt is the address of cell i.
func (m *AddrMap) addrAt(i int) netip.Addr {
	b := m.tiles[i/256].Addr().As4()
	b[3] = byte(i % 256)
	return netip.AddrFrom4(b)
}

func containsAny(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// managedSpace is the managed address space: the export's prefixes, else
// the zones' (plus the /24 or /48 of IPAM addresses no zone covers, so that
// unmanaged findings have a cell), else for fcrdns the /24s of the checked
// addresses. Nested prefixes are kept once (the outer one).
func managedSpace(in MapInput) (v4, v6 []netip.Prefix) {
	var ps []netip.Prefix
	if in.Export != nil {
		ps = append(ps, in.Export.Prefixes...)
	}
	if len(ps) == 0 && in.Set != nil {
		for _, z := range in.Set.Zones {
			if z.Reverse && z.Name.Prefix.IsValid() {
				ps = append(ps, z.Name.Prefix)
			}
		}
		if in.Export != nil {
			for k := range in.Export.Records {
				a := in.Export.Records[k].Addr
				if containsAny(ps, a) {
					continue
				}
				bits := 24
				if !a.Is4() {
					bits = 48
				}
				p, _ := a.Prefix(bits)
				ps = append(ps, p)
			}
		}
	}
	if len(ps) == 0 {
		seen := map[netip.Prefix]bool{}
		for _, r := range in.FCrDNS {
			bits := 24
			if !r.IP.Is4() {
				bits = 48
			}
			p, _ := r.IP.Prefix(bits)
			if !seen[p] {
				seen[p] = true
				ps = append(ps, p)
			}
		}
	}
	for _, p := range ps {
		if !p.IsValid() {
			continue
		}
		p = p.Masked()
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	return outermost(v4), outermost(v6)
}

// outermost sorts ps and drops every prefix inside another.
func outermost(ps []netip.Prefix) []netip.Prefix {
	slices.SortFunc(ps, func(x, y netip.Prefix) int {
		if c := x.Addr().Compare(y.Addr()); c != 0 {
			return c
		}
		return x.Bits() - y.Bits()
	})
	var out []netip.Prefix
	for _, p := range ps {
		if n := len(out); n > 0 && out[n-1].Overlaps(p) {
			continue // sorted by address then length: the earlier one holds p
		}
		out = append(out, p)
	}
	return out
}

// layout4 places the /24 tiles: every managed prefix of a /24 or shorter
// is a group of its /24s; prefixes longer than a /24 are grouped under
// their /24, with the addresses outside them marked outside.
func (m *AddrMap) layout4(v4 []netip.Prefix, in MapInput, maxTiles int) {
	type group struct {
		p     netip.Prefix
		parts []netip.Prefix // the managed prefixes inside (longer than /24)
	}
	var gs []group
	for _, p := range v4 {
		g := p
		if p.Bits() > 24 {
			g, _ = p.Addr().Prefix(24)
		}
		if n := len(gs); n > 0 && gs[n-1].p == g {
			gs[n-1].parts = append(gs[n-1].parts, p)
			continue
		}
		gs = append(gs, group{p: g, parts: []netip.Prefix{p}})
	}
	total := 0
	for _, g := range gs {
		total += 1 << max(0, 24-g.p.Bits())
	}
	// too many /24s: keep only those where something is recorded
	var busy map[netip.Prefix]bool
	if total > maxTiles {
		busy = map[netip.Prefix]bool{}
		mark := func(a netip.Addr) {
			if a.Is4() {
				p, _ := a.Prefix(24)
				busy[p] = true
			}
		}
		if in.Set != nil {
			for _, z := range in.Set.Zones {
				if z.Reverse {
					for k := 0; k < z.NumRefs(); k++ {
						a, _ := z.Ref(k)
						mark(a)
					}
				}
			}
		}
		if in.Export != nil {
			for k := range in.Export.Records {
				mark(in.Export.Records[k].Addr)
			}
		}
		for _, f := range in.Findings {
			mark(f.Addr)
		}
		for _, r := range in.FCrDNS {
			mark(r.IP)
		}
	}
	for _, g := range gs {
		mg := MapGroup{Prefix: g.p.String(), First: len(m.tiles)}
		n := 1 << max(0, 24-g.p.Bits())
		a := g.p.Addr()
		for k := 0; k < n; k++ {
			t := netip.PrefixFrom(a, 24)
			a = nextTile(a)
			if busy != nil && !busy[t] || len(m.tiles) >= maxTiles {
				m.TilesOmitted++
				continue
			}
			m.tiles = append(m.tiles, t)
			mg.Tiles = append(mg.Tiles, t.String())
			for o := 0; o < 256; o++ {
				st := CellFree
				if g.parts[0].Bits() > 24 {
					b := t.Addr().As4()
					b[3] = byte(o)
					if !containsAny(g.parts, netip.AddrFrom4(b)) {
						st = CellOutside
					}
				}
				m.bytes = append(m.bytes, byte(st))
			}
		}
		if len(mg.Tiles) > 0 {
			m.Groups = append(m.Groups, mg)
		}
	}
}

// nextTile is the first address of the next /24 (the zero address after
// 255.255.255.0, which ends the loop's prefix anyway).
func nextTile(a netip.Addr) netip.Addr {
	b := a.As4()
	v := binary.BigEndian.Uint32(b[:]) + 256
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// layout6 encodes the IPv6 /48s that hold something.
func (m *AddrMap) layout6(v6 []netip.Prefix, cells map[netip.Prefix]map[uint16]CellState) {
	keys := make([]netip.Prefix, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y netip.Prefix) int { return x.Addr().Compare(y.Addr()) })
	for _, p48 := range keys {
		b := MapBlock6{Prefix: p48.String()}
		// managed ranges of /64s inside the /48
		for _, p := range v6 {
			switch {
			case p.Bits() <= 48 && p.Overlaps(p48):
				b.In = [][2]int{{0, 65535}}
			case p.Bits() > 48 && p48.Contains(p.Addr()):
				a := p.Addr().As16()
				first := int(binary.BigEndian.Uint16(a[6:8]))
				n := 1
				if p.Bits() < 64 {
					n = 1 << (64 - p.Bits())
				}
				b.In = append(b.In, [2]int{first, first + n - 1})
			}
			if len(b.In) == 1 && b.In[0] == [2]int{0, 65535} {
				break
			}
		}
		c := cells[p48]
		idx := make([]int, 0, len(c))
		for k := range c {
			idx = append(idx, int(k))
		}
		slices.Sort(idx)
		buf := make([]byte, 0, 3*len(idx))
		for _, k := range idx {
			st := c[uint16(k)]
			m.V6Counts[st.String()]++
			buf = append(buf, byte(k), byte(k>>8), byte(st))
		}
		b.Cells = base64.StdEncoding.EncodeToString(buf)
		m.V6 = append(m.V6, b)
	}
}
