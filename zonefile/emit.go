package zonefile

import (
	"cmp"
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
	if o, err := CanonicalName(origin, "."); err == nil {
		origin = o
	}
	zn, _ := rdns.ParseZoneName(origin, rdns.Slash)
	addrOf := func(name string) netip.Addr {
		if a, ok := reverseAddr(name); ok {
			return a
		}
		if a, err := rdns.ParseReverseName(name); err == nil {
			return a.Unmap()
		}
		if zn.Prefix.IsValid() {
			if a, err := zn.AddrOf(name); err == nil {
				return a.Unmap()
			}
		}
		return netip.Addr{}
	}
	type item struct {
		r    Record
		rank int // 0 SOA, 1 apex NS, 2 the rest of the apex, 3 the rest
		addr netip.Addr
	}
	items := make([]item, 0, len(records))
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
		return a.r.Name == b.r.Name && a.r.Type == b.r.Type && a.r.Data == b.r.Data
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
		b = append(b, relativeName(r.Name, origin)...)
		b = append(b, '\t')
		if r.TTL != ttl {
			b = strconv.AppendUint(b, uint64(r.TTL), 10)
			b = append(b, '\t')
		}
		b = append(b, "IN\t"...)
		b = append(b, typeString(r.Type)...)
		b = append(b, '\t')
		if r.Type == dns.TypeSOA {
			b = appendSOA(b, r.Data)
		} else {
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
