// Package zoneset loads every zone under the configured paths and answers
// the question the rest of rdnsctl asks: for this address, which zone owns
// it, and what PTRs does it publish? It follows RFC 2317 delegations from a
// parent's CNAME into the child zone when that zone is loaded, and reports
// the address as delegated when it is not.
package zoneset

import (
	"cmp"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
)

func newZone(z *zonefile.Zone, path, root string, style rdns.Style) *Zone {
	// the parser grows its slices by doubling; a zone set is held for the
	// whole run, so give the slack back (a /12 of /24 zones wastes ~100 MB)
	if n := len(z.Records); cap(z.Records)-n > n/8 {
		z.Records = slices.Clone(z.Records)
	}
	for _, f := range z.Files {
		if n := len(f.Entries); cap(f.Entries)-n > n/8 {
			f.Entries = slices.Clone(f.Entries)
		}
	}
	zz := &Zone{Zone: z, Path: path, Root: root}
	name, err := rdns.ParseZoneName(z.Origin, style)
	if err == nil {
		zz.Name, zz.Reverse = name, true
	}
	zz.reindex()
	return zz
}

func (z *Zone) reindex() {
	z.refs = z.refs[:0]
	clear(z.cuts)
	for i := range z.Records {
		r := &z.Records[i]
		switch r.Type {
		case zonefile.TypePTR, zonefile.TypeCNAME:
			if !z.Reverse {
				continue
			}
			a, err := z.Name.AddrOf(r.Name)
			if err != nil {
				continue
			}
			z.refs = append(z.refs, ref{a, int32(i)})
		case zonefile.TypeNS:
			if r.Name != z.Origin {
				if z.cuts == nil {
					z.cuts = map[string]bool{}
				}
				z.cuts[r.Name] = true
			}
		}
	}
	if n := len(z.refs); cap(z.refs)-n > n/8 {
		z.refs = slices.Clone(z.refs)
	}
	slices.SortFunc(z.refs, func(a, b ref) int {
		if c := a.addr.Compare(b.addr); c != 0 {
			return c
		}
		return cmp.Compare(a.rec, b.rec)
	})
}

// At returns the indexes (into z.Records) of the PTR and CNAME records whose
// owner is addr's name in this zone.
func (z *Zone) At(a netip.Addr) []int32 {
	i, _ := slices.BinarySearchFunc(z.refs, a, func(r ref, a netip.Addr) int { return r.addr.Compare(a) })
	var out []int32
	for ; i < len(z.refs) && z.refs[i].addr == a; i++ {
		out = append(out, z.refs[i].rec)
	}
	return out
}

// Each calls fn for every PTR or CNAME record of the zone that names an
// address, in address order, with the record's index in z.Records.
func (z *Zone) Each(fn func(a netip.Addr, i int32, r *zonefile.Record)) {
	for _, rf := range z.refs {
		fn(rf.addr, rf.rec, &z.Records[rf.rec])
	}
}

// NumRefs is the number of PTR and CNAME records indexed by address.
func (z *Zone) NumRefs() int { return len(z.refs) }

// Ref returns the i-th record of the address index (in address order): the
// address and the record's index in z.Records.
func (z *Zone) Ref(i int) (netip.Addr, int32) { return z.refs[i].addr, z.refs[i].rec }

// FileOf returns the path on disk of the file that holds r.
func (z *Zone) FileOf(r *zonefile.Record) string {
	return z.FilePath(int(r.File))
}

// FilePath is where z.Files[i] is on disk: the zone's path for its main
// file; an included file's path is relative to Root, or absolute when it
// lies outside Root (an absolute $INCLUDE into include_base).
func (z *Zone) FilePath(i int) string {
	if i == 0 {
		return z.Path
	}
	p := filepath.FromSlash(z.Files[i].Path)
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(z.Root, p)
}

// Count is the number of PTR records in the zone that name an address.
func (z *Zone) Count() int {
	n := 0
	for _, rf := range z.refs {
		if z.Records[rf.rec].Type == zonefile.TypePTR {
			n++
		}
	}
	return n
}

// DelegatedAt says whether owner lies at or below a delegation (an NS set
// below the apex) of this zone, and returns the cut: the outermost one,
// where the server refers the question. It looks up each of owner's
// suffixes, so it costs the same for a zone with one cut or 100,000.
func (z *Zone) DelegatedAt(owner string) (string, bool) {
	if len(z.cuts) == 0 {
		return "", false
	}
	cut := ""
	for n := owner; n != ""; {
		if z.cuts[n] {
			cut = n
		}
		i := strings.IndexByte(n, '.')
		if i < 0 {
			break
		}
		n = n[i+1:]
	}
	return cut, cut != ""
}

func (s *Set) add(z *Zone) {
	s.Zones = append(s.Zones, z)
	s.byOrigin[z.Origin] = z
	if z.Reverse {
		if _, dup := s.byPrefix[z.Name.Prefix]; !dup {
			s.byPrefix[z.Name.Prefix] = z
		}
	}
}

// Add puts a zone (a new one, made in memory) into the set.
func (s *Set) Add(z *Zone) {
	s.add(z)
	s.finish()
}

func (s *Set) finish() {
	slices.SortFunc(s.Zones, func(a, b *Zone) int {
		if a.Reverse != b.Reverse {
			if a.Reverse {
				return -1
			}
			return 1
		}
		if a.Reverse {
			if c := a.Name.Prefix.Addr().Compare(b.Name.Prefix.Addr()); c != 0 {
				return c
			}
			if c := cmp.Compare(a.Name.Prefix.Bits(), b.Name.Prefix.Bits()); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.Origin, b.Origin)
	})
	s.bits4, s.bits6 = s.bits4[:0], s.bits6[:0]
	for p := range s.byPrefix {
		if p.Addr().Is4() {
			if !slices.Contains(s.bits4, p.Bits()) {
				s.bits4 = append(s.bits4, p.Bits())
			}
		} else if !slices.Contains(s.bits6, p.Bits()) {
			s.bits6 = append(s.bits6, p.Bits())
		}
	}
	slices.Sort(s.bits4)
	slices.Reverse(s.bits4)
	slices.Sort(s.bits6)
	slices.Reverse(s.bits6)
}

// Zone returns the zone with this origin.
func (s *Set) Zone(origin string) *Zone { return s.byOrigin[strings.ToLower(zonefile.Fqdn(origin))] }

// ZoneFor returns the zone with the longest prefix that covers a, or nil.
func (s *Set) ZoneFor(a netip.Addr) *Zone {
	a = a.Unmap()
	lens := s.bits6
	if a.Is4() {
		lens = s.bits4
	}
	for _, b := range lens {
		p, _ := a.Prefix(b)
		if z, ok := s.byPrefix[p]; ok {
			return z
		}
	}
	return nil
}

// Parent returns the zone that covers z's block less specifically (the /24
// of an RFC 2317 child), or nil.
func (s *Set) Parent(z *Zone) *Zone {
	if !z.Reverse {
		return nil
	}
	a := z.Name.Prefix.Addr()
	lens := s.bits6
	if a.Is4() {
		lens = s.bits4
	}
	for _, b := range lens {
		if b >= z.Name.Prefix.Bits() {
			continue
		}
		p, _ := a.Prefix(b)
		if pz, ok := s.byPrefix[p]; ok {
			return pz
		}
	}
	return nil
}

// Status says how an address stands in the zone set.
type Status uint8

const (
	// Unmanaged: no loaded zone covers the address.
	Unmanaged Status = iota
	// Found: the zone that owns the address was looked at (it may hold no PTR).
	Found
	// Delegated: the address lies in a delegation whose child zone is not loaded.
	Delegated
)

// Lookup is the answer for one address.
type Lookup struct {
	Status Status
	// Zone holds the PTRs (the child zone when a CNAME was followed).
	Zone *Zone
	// Owner is the name the PTRs are (or would be) at.
	Owner string
	// PTRs indexes Zone.Records.
	PTRs []int32
	// Via is the parent zone whose CNAME was followed, and CNAME its record.
	Via   *Zone
	CNAME int32
	// Cut is the delegation point when Status is Delegated.
	Cut string
}

// Lookup finds the PTRs of a.
func (s *Set) Lookup(a netip.Addr) Lookup {
	a = a.Unmap()
	z := s.ZoneFor(a)
	if z == nil {
		return Lookup{Status: Unmanaged}
	}
	owner := z.Name.OwnerName(a)
	l := Lookup{Status: Found, Zone: z, Owner: owner, CNAME: -1}
	// at or below one of the zone's own delegation points the server
	// refers the question: records the zone still holds there are never
	// served (the audit's delegation-overlap)
	if c, ok := z.DelegatedAt(owner); ok {
		l.Status, l.Cut = Delegated, c
		return l
	}
	for _, i := range z.At(a) {
		r := &z.Records[i]
		switch r.Type {
		case zonefile.TypePTR:
			l.PTRs = append(l.PTRs, i)
		case zonefile.TypeCNAME:
			l.CNAME = i
		}
	}
	if l.CNAME >= 0 && len(l.PTRs) == 0 {
		target := z.Records[l.CNAME].Data
		child := s.zoneOfName(target)
		if child == nil || child == z {
			l.Status, l.Via, l.Cut = Delegated, z, target
			if c, ok := z.DelegatedAt(target); ok {
				l.Cut = c
			}
			return l
		}
		l.Via, l.Zone, l.Owner, l.PTRs = z, child, target, nil
		if ca, err := child.Name.AddrOf(target); err == nil {
			for _, i := range child.At(ca) {
				if child.Records[i].Type == zonefile.TypePTR && child.Records[i].Name == target {
					l.PTRs = append(l.PTRs, i)
				}
			}
		} else {
			for i := range child.Records {
				if child.Records[i].Type == zonefile.TypePTR && child.Records[i].Name == target {
					l.PTRs = append(l.PTRs, int32(i))
				}
			}
		}
		return l
	}
	return l
}

// zoneOfName returns the loaded zone whose origin is the longest suffix of
// name.
func (s *Set) zoneOfName(name string) *Zone {
	n := strings.ToLower(name)
	for {
		if z, ok := s.byOrigin[n]; ok {
			return z
		}
		i := strings.IndexByte(n, '.')
		if i < 0 || i == len(n)-1 {
			return nil
		}
		n = n[i+1:]
	}
}

// ZoneOfName returns the loaded zone that holds name (longest origin suffix).
func (s *Set) ZoneOfName(name string) *Zone { return s.zoneOfName(name) }
