// Package delegation holds the delegation points of the loaded reverse
// zones (NS sets below a zone's apex: an IPv6 customer prefix at its nibble
// owner, an IPv4 RFC 2317 child zone, a whole octet) and checks that their
// name servers answer for the child zones.
package delegation

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// Point is one delegation: the NS set at Owner in the parent zone.
type Point struct {
	// Owner is the cut, the child zone's name (lower case, absolute).
	Owner string
	// Parent is the origin of the zone that holds the NS set; File and
	// Line locate its first NS record.
	Parent string
	File   string
	Line   int
	// Prefix is the address block the child zone holds: the nibble prefix
	// of an ip6.arpa owner, the octet prefix of an in-addr.arpa one, or
	// the block a classless label names (RFC 2317 "0-25", "0/26", RFC 4183
	// "0-26"). It is invalid when the owner names no block.
	Prefix netip.Prefix
	// Classless marks an RFC 2317 / RFC 4183 child zone.
	Classless bool
	// NS lists the name servers, in zone order, each once.
	NS []string
	// Glue holds the A/AAAA records the parent zone has for name servers
	// inside it, by name.
	Glue map[string][]netip.Addr
}

// Points lists the delegation points of the set's reverse zones, sorted by
// prefix (those without one last, by owner). A child zone that is itself
// loaded is still listed: its NS set in the parent is what resolvers follow.
func Points(s *zoneset.Set, style rdns.Style) []Point {
	var out []Point
	for _, z := range s.Zones {
		if !z.Reverse {
			continue
		}
		byOwner := map[string]int{}
		addrs := map[string][]netip.Addr{}
		for i := range z.Records {
			r := &z.Records[i]
			switch r.Type {
			case zonefile.TypeA, zonefile.TypeAAAA:
				if a, err := netip.ParseAddr(r.Data); err == nil {
					addrs[r.Name] = append(addrs[r.Name], a.Unmap())
				}
			case zonefile.TypeNS:
				if r.Name == z.Origin {
					continue
				}
				k, ok := byOwner[r.Name]
				if !ok {
					p := Point{Owner: r.Name, Parent: z.Origin, File: z.FileOf(r), Line: int(r.Line)}
					if n, err := rdns.ParseZoneName(r.Name, style); err == nil {
						p.Prefix, p.Classless = n.Prefix, n.Classless
					}
					k = len(out)
					byOwner[r.Name] = k
					out = append(out, p)
				}
				ns := strings.ToLower(r.Data)
				if !slices.Contains(out[k].NS, ns) {
					out[k].NS = append(out[k].NS, ns)
				}
			}
		}
		for _, k := range byOwner {
			for _, ns := range out[k].NS {
				if a := addrs[ns]; len(a) > 0 {
					if out[k].Glue == nil {
						out[k].Glue = map[string][]netip.Addr{}
					}
					out[k].Glue[ns] = a
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Point) int {
		if a.Prefix.IsValid() != b.Prefix.IsValid() {
			if a.Prefix.IsValid() {
				return -1
			}
			return 1
		}
		if c := a.Prefix.Addr().Compare(b.Prefix.Addr()); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits()); c != 0 {
			return c
		}
		return cmp.Compare(a.Owner, b.Owner)
	})
	return out
}
