package zonefile

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// Emit writes a new zone file in rdnsctl's one layout:
//
//	$ORIGIN origin
//	$TTL ttl
//	@	IN	SOA	mname rname (
//				serial	; serial
//				...
//	@	IN	NS	ns1.example.net.
//	1	IN	PTR	host.example.net.
//
// The SOA first, then the NS records of the apex and its other records, then
// every other record in address order (names that are not reverse names
// after them, in canonical order), owners relative to the origin. A record
// whose TTL is not ttl gets it written; exact duplicates are written once.
// records hold absolute names (Record.Name and the targets of single-name
// types) as the reader keeps them; Class is taken to be IN.
func Emit(origin string, ttl uint32, records []Record) []byte {
	return emit(origin, ttl, records, nil)
}

// EmitChanges is Emit for a new zone made of head (its SOA and NS records)
// and the records that adds (add changes, all of this zone) make: the
// groups of per-address adds that GenerateAdds finds are written as their
// $GENERATE line, in address order among the records. A change that is
// not an add, or of a type that cannot be written, is an error.
func EmitChanges(origin string, ttl uint32, head []Record, adds []rdns.Change) ([]byte, error) {
	if o, err := CanonicalName(origin, "."); err == nil {
		origin = o
	}
	gens := GenerateAdds(adds, origin)
	inGen := make([]bool, len(adds))
	for _, g := range gens {
		for _, i := range g.Members {
			inGen[i] = true
		}
	}
	recs := slices.Clone(head)
	for i, c := range adds {
		if c.Action != rdns.Add {
			return nil, fmt.Errorf("zone %s does not exist: cannot %s %s", origin, c.Action, c.Name)
		}
		if inGen[i] {
			continue
		}
		typ, ok := TypeFromString(c.Type)
		if !ok || !(singleName(typ) || addressType(typ)) {
			return nil, fmt.Errorf("zone %s: cannot write a record of type %q", origin, c.Type)
		}
		name, err := CanonicalName(c.Name, origin)
		if err != nil {
			return nil, fmt.Errorf("zone %s: %s: %w", origin, c.Name, err)
		}
		data, err := canonicalData(typ, c.New)
		if err != nil {
			return nil, fmt.Errorf("zone %s: %s: %w", origin, c.New, err)
		}
		recs = append(recs, Record{Name: name, TTL: ttl, Class: ClassINET, Type: typ, Data: data, Iter: -1})
	}
	return emit(origin, ttl, recs, gens), nil
}

func emit(origin string, ttl uint32, records []Record, gens []GenerateAdd) []byte {
	if o, err := CanonicalName(origin, "."); err == nil {
		origin = o
	}
	zn := classlessReadings(origin)
	addrOf := func(name string) netip.Addr {
		if a, err := rdns.ParseReverseName(name); err == nil {
			return a.Unmap()
		}
		return classlessAddr(zn, name)
	}
	type item struct {
		r    Record
		rank int // 0 SOA, 1 apex NS, 2 the rest of the apex, 3 the rest
		addr netip.Addr
		gen  *GenerateAdd
	}
	items := make([]item, 0, len(records)+len(gens))
	for i := range gens {
		g := &gens[i]
		addr := g.Addr
		if !addr.IsValid() {
			addr = addrOf(strings.Replace(g.Owner, "$", "0", 1))
		}
		items = append(items, item{r: Record{Name: g.Owner, TTL: ttl, Type: g.Type}, rank: 3, addr: addr, gen: g})
	}
	for _, r := range records {
		if c, err := CanonicalName(r.Name, origin); err == nil {
			r.Name = c
		}
		it := item{r: r, rank: 3, addr: addrOf(r.Name)}
		switch {
		case r.Name != origin:
		case r.Type == dns.TypeSOA:
			it.rank = 0
		case r.Type == dns.TypeNS:
			it.rank = 1
		default:
			it.rank = 2
		}
		items = append(items, it)
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		if a.addr.IsValid() != b.addr.IsValid() {
			if a.addr.IsValid() {
				return -1
			}
			return 1
		}
		if a.addr.IsValid() {
			if c := a.addr.Compare(b.addr); c != 0 {
				return c
			}
		}
		if c := CompareNames(a.r.Name, b.r.Name); c != 0 {
			return c
		}
		if c := cmp.Compare(a.r.Type, b.r.Type); c != 0 {
			return c
		}
		return cmp.Compare(a.r.Data, b.r.Data)
	})
	items = slices.CompactFunc(items, func(a, b item) bool {
		return a.gen == nil && b.gen == nil && a.r.Name == b.r.Name && a.r.Type == b.r.Type && a.r.Data == b.r.Data
	})
	var b []byte
	b = append(b, "$ORIGIN "...)
	b = append(b, origin...)
	b = append(b, "\n$TTL "...)
	b = strconv.AppendUint(b, uint64(ttl), 10)
	b = append(b, '\n')
	prevRank := 0
	for _, it := range items {
		r := it.r
		if it.rank == 3 && prevRank < 3 {
			b = append(b, '\n') // a blank line after the apex
		}
		prevRank = it.rank
		if it.gen != nil {
			b = append(b, "$GENERATE "...)
			b = append(b, it.gen.Range...)
			b = append(b, '\t')
		}
		b = append(b, relativeName(r.Name, origin)...)
		b = append(b, '\t')
		if r.TTL != ttl {
			b = strconv.AppendUint(b, uint64(r.TTL), 10)
			b = append(b, '\t')
		}
		b = append(b, "IN\t"...)
		b = append(b, typeString(r.Type)...)
		b = append(b, '\t')
		switch {
		case it.gen != nil:
			b = append(b, it.gen.RHS...)
		case r.Type == dns.TypeSOA:
			b = appendSOA(b, r.Data)
		default:
			b = append(b, r.Data...)
		}
		b = append(b, '\n')
	}
	return b
}

// appendSOA writes SOA RDATA on several lines with a comment on each timer,
// the way zone files are written by hand.
func appendSOA(b []byte, data string) []byte {
	f := strings.Fields(data)
	if len(f) != 7 {
		return append(b, data...)
	}
	b = append(b, f[0]...)
	b = append(b, ' ')
	b = append(b, f[1]...)
	b = append(b, " (\n"...)
	for i, c := range []string{"serial", "refresh", "retry", "expire", "minimum"} {
		b = append(b, "\t\t\t"...)
		b = append(b, f[2+i]...)
		if i == 4 {
			b = append(b, " )"...)
		}
		b = append(b, "\t; "...)
		b = append(b, c...)
		if i < 4 {
			b = append(b, '\n')
		}
	}
	return b
}
