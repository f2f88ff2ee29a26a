package zonefile

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// groupEnd is the last entry of the owner group that starts at entry i: the
// entries after it that inherit its owner (directives between them do not
// stop the group).
func groupEnd(f *File, i int) int {
	end := i
	for j := i + 1; j < len(f.Entries); j++ {
		e := f.Entries[j]
		if e.Kind != EntryRecord {
			continue
		}
		if !e.Inherit {
			break
		}
		end = j
	}
	return end
}

// groupStart is the entry whose owner entry i inherits (i itself when it
// writes its owner).
func groupStart(f *File, i int) int {
	for j := i; j >= 0; j-- {
		if e := f.Entries[j]; e.Kind == EntryRecord && !e.Inherit {
			return j
		}
	}
	return i
}

type candidate struct {
	addr        netip.Addr
	name        string
	file, entry int32
}

func compareCand(a, b candidate) int {
	if a.addr.IsValid() && b.addr.IsValid() {
		if c := a.addr.Compare(b.addr); c != 0 {
			return c
		}
		return CompareNames(a.name, b.name)
	}
	if a.addr.IsValid() != b.addr.IsValid() {
		if a.addr.IsValid() {
			return -1
		}
		return 1
	}
	return CompareNames(a.name, b.name)
}

// insertion is a place where new lines go.
type insertion struct {
	file   int32
	pos    int32
	origin string
	lines  []pendingAdd
	block  bool // the marked block at the end of the zone's file
}

// placeAdds finds each new record's place and writes the insertions.
func (p *patcher) placeAdds() error {
	if len(p.adds) == 0 {
		return nil
	}
	z := p.z
	addrCands := make([]candidate, 0, len(z.Records))
	var nsCands []candidate
	prev := entryKey{-1, -1}
	for _, r := range z.Records {
		k := entryKey{r.File, r.Entry}
		if k == prev {
			continue
		}
		prev = k
		c := candidate{name: r.Name, file: r.File, entry: r.Entry}
		switch r.Type {
		case dns.TypePTR, dns.TypeCNAME:
			c.addr = p.addrOf(r.Name)
			addrCands = append(addrCands, c)
		case dns.TypeNS:
			if r.Iter < 0 {
				nsCands = append(nsCands, c)
			}
		}
	}
	if !slices.IsSortedFunc(addrCands, compareCand) {
		slices.SortStableFunc(addrCands, compareCand)
	}
	places := map[[2]int32]*insertion{}
	var order [][2]int32
	at := func(file int32, pos int32, origin string, block bool) *insertion {
		k := [2]int32{file, pos}
		if in := places[k]; in != nil {
			return in
		}
		in := &insertion{file: file, pos: pos, origin: origin, block: block}
		places[k] = in
		order = append(order, k)
		return in
	}
	after := func(c candidate) *insertion {
		f := z.Files[c.file]
		end := groupEnd(f, int(c.entry))
		e := f.Entries[end]
		return at(c.file, e.End, e.Origin, false)
	}
	if len(z.Records) == 0 && !hasTTLEntry(z) {
		return fmt.Errorf("zone %s holds no record and no $TTL: a new record would have no TTL (RFC 2308)", z.Origin)
	}
	block := func() *insertion {
		return at(0, int32(len(z.Files[0].Data)), z.Origin, true)
	}
	for _, a := range p.adds {
		var in *insertion
		switch {
		case a.typ == dns.TypeNS:
			var best *candidate
			for i := range nsCands {
				c := &nsCands[i]
				if c.name == a.name || best == nil || (best.name != a.name && c.file == 0) {
					best = c
				}
			}
			if best == nil {
				in = block()
			} else {
				in = after(*best)
			}
		case len(addrCands) == 0:
			in = block()
		default:
			k := candidate{addr: a.addr, name: a.name}
			n, _ := slices.BinarySearchFunc(addrCands, k, func(c, k candidate) int {
				if compareCand(c, k) <= 0 {
					return -1
				}
				return 1
			})
			if n > 0 {
				if p.intoSplit(addrCands[n-1], a) {
					continue
				}
				in = after(addrCands[n-1])
				break
			}
			first := addrCands[0]
			f := z.Files[first.file]
			s := groupStart(f, int(first.entry))
			if s == int(first.entry) || f.Entries[s].Kind == EntryGenerate {
				e := f.Entries[s]
				in = at(first.file, e.Start, e.Origin, false)
			} else {
				in = after(first)
			}
		}
		in.lines = append(in.lines, a)
	}
	for _, k := range order {
		in := places[k]
		slices.SortStableFunc(in.lines, func(a, b pendingAdd) int {
			// a delegation's NS set and its glue before the records
			if c := cmp.Compare(addRank(a.typ), addRank(b.typ)); c != 0 {
				return c
			}
			return compareCand(candidate{addr: a.addr, name: a.name}, candidate{addr: b.addr, name: b.name})
		})
		var text []byte
		data := z.Files[in.file].Data
		if in.pos == int32(len(data)) && len(data) > 0 && data[len(data)-1] != '\n' {
			text = append(text, '\n')
		}
		if in.block {
			text = append(text, "\n; records added by rdnsctl\n$ORIGIN "...)
			text = append(text, z.Origin...)
			text = append(text, '\n')
		}
		for _, a := range in.lines {
			text = appendAddLine(text, a, in.origin)
		}
		p.addEdit(in.file, in.pos, in.pos, text)
	}
	return nil
}

// appendAddLine writes one new record (or $GENERATE line), tab separated.
func appendAddLine(b []byte, a pendingAdd, origin string) []byte {
	if a.genRng != "" {
		b = append(b, "$GENERATE "...)
		b = append(b, a.genRng...)
		b = append(b, '\t')
	}
	if a.genRng != "" {
		b = append(b, relativeName(a.name, origin)...)
	} else {
		b = appendOwner(b, a.name, origin)
	}
	b = append(b, "\tIN\t"...)
	b = append(b, typeString(a.typ)...)
	b = append(b, '\t')
	b = append(b, a.data...)
	if a.genRng != "" && a.dataOrigin != "" && a.dataOrigin != origin && !strings.HasSuffix(a.data, ".") {
		b = append(b, '.')
		b = append(b, a.dataOrigin...)
	}
	return append(b, '\n')
}

func addRank(t uint16) int {
	switch t {
	case dns.TypeNS:
		return 0
	case dns.TypeA, dns.TypeAAAA:
		return 1
	}
	return 2
}

// intoSplit hands a new record to the $GENERATE line that c stands for when
// that line is split by this patch and the record's address lies inside
// its range, so that it is written between the pieces, in address order.
func (p *patcher) intoSplit(c candidate, a pendingAdd) bool {
	k := entryKey{c.file, c.entry}
	g := p.gens[k]
	if g == nil || g.deleted || len(g.drop) == 0 || !a.addr.IsValid() {
		return false
	}
	if g.iterAddr == nil {
		g.iterAddr = map[int64]netip.Addr{}
		for _, r := range p.z.Records {
			if r.File == k.file && r.Entry == k.entry && r.Iter >= 0 {
				g.iterAddr[int64(r.Iter)] = p.addrOf(r.Name)
			}
		}
	}
	var lo, hi netip.Addr
	for _, ad := range g.iterAddr {
		if !ad.IsValid() {
			return false
		}
		if !lo.IsValid() || ad.Less(lo) {
			lo = ad
		}
		if !hi.IsValid() || hi.Less(ad) {
			hi = ad
		}
	}
	if !lo.IsValid() || a.addr.Less(lo) || hi.Less(a.addr) {
		return false
	}
	g.inside = append(g.inside, a)
	return true
}

// hasTTLEntry says whether a file of the zone sets $TTL.
func hasTTLEntry(z *Zone) bool {
	for _, f := range z.Files {
		for _, e := range f.Entries {
			if e.Kind == EntryTTL {
				return true
			}
		}
	}
	return false
}
