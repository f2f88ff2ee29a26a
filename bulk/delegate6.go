package bulk

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// Delegate6Options are the parameters of an IPv6 prefix delegation.
type Delegate6Options struct {
	Prefix netip.Prefix
	// NS names the customer's servers; empty means the apex NS of a child
	// zone loaded here.
	NS []string
	// External: the child zones are on servers we do not run.
	External bool
	// Glue gives the addresses of NS names inside the parent zone (or the
	// child's): only those names take glue, and they need it.
	Glue map[string][]netip.Addr
	// Move sends explicit PTRs the parent holds under a delegation point to
	// the child zone (created with NewFile when not loaded); Force delegates
	// over them, leaving them in the parent where no server answers them.
	Move, Force bool
	// NewFile names the file of a child zone that does not exist yet.
	NewFile func(origin string) string
	// Host: the child zones are hosted here (a customer's dynamic key
	// updates them): one that is not loaded is made (SOA and NS set, the
	// parent's NS when NS is empty), even when no PTR moves into it.
	Host bool
}

// cut is one nibble delegation point of a prefix.
type cut struct {
	prefix netip.Prefix
	owner  string
	parent *zoneset.Zone
}

// cuts6 returns the nibble owners that cover p exactly, each with the
// deepest loaded ip6.arpa zone strictly above it.
func cuts6(s *zoneset.Set, p netip.Prefix) ([]cut, error) {
	cover, err := rdns.NibbleCover(p)
	if err != nil {
		return nil, err
	}
	out := make([]cut, 0, len(cover))
	for _, c := range cover {
		owner, err := rdns.ZoneOrigin(c)
		if err != nil {
			return nil, err
		}
		var best *zoneset.Zone
		for _, z := range s.Zones {
			if z.Reverse && !z.Name.Classless && z.Name.Prefix.Addr().Is6() && z.Name.Prefix.Bits() < c.Bits() && z.Name.Prefix.Contains(c.Addr()) {
				if best == nil || z.Name.Prefix.Bits() > best.Name.Prefix.Bits() {
					best = z
				}
			}
		}
		if best == nil {
			return nil, fmt.Errorf("%s: no loaded ip6.arpa zone above %s to hold its delegation", p, owner)
		}
		out = append(out, cut{prefix: c, owner: owner, parent: best})
	}
	return out, nil
}

// Delegate6 plans the delegation of an IPv6 prefix: one NS set at each
// nibble owner that covers it exactly (a /56 is one, a /50 four /52s), in
// the ip6.arpa zone above; glue for name servers inside the zone. Explicit
// PTRs of the parent under a delegation point refuse the delegation unless
// Move (they go into the child zone) or Force. Run again, it plans nothing.
func Delegate6(s *zoneset.Set, opt Delegate6Options) (rdns.ChangeSet, error) {
	var cs rdns.ChangeSet
	p := opt.Prefix
	if p.Bits() <= 0 || p.Bits() > 124 {
		return cs, fmt.Errorf("%s: an IPv6 delegation is of a prefix between a /1 and a /124", p)
	}
	cuts, err := cuts6(s, p)
	if err != nil {
		return cs, err
	}
	if opt.Move && opt.External {
		return cs, fmt.Errorf("%s: --move sends the PTRs to a child zone we host, which --external says we do not", p)
	}
	if opt.Host && opt.External {
		return cs, fmt.Errorf("%s: the child zones are hosted here or on the customer's servers (--external), not both", p)
	}
	glue := canonicalGlue(opt.Glue)
	for _, c := range cuts {
		child := s.Zone(c.owner)
		if opt.External && child != nil {
			return cs, fmt.Errorf("%s: the child zone %s is loaded here (%s): delegate it without --external, or retire it first", p, c.owner, child.Path)
		}
		ns := slices.Clone(opt.NS)
		if len(ns) == 0 && child != nil {
			ns = apexNS(child)
		}
		if len(ns) == 0 && opt.Host {
			ns = apexNS(c.parent)
		}
		if len(ns) == 0 {
			return cs, fmt.Errorf("%s: the delegation of %s needs the name servers (--ns NAME, repeatable)", p, c.owner)
		}
		if err := checkNameServers(ns, glue, c.parent.Origin, func(n string) bool { return inside(n, c.parent.Origin) }); err != nil {
			return cs, err
		}
		parent := c.parent
		childFile := ""
		if child != nil {
			childFile = child.Path
		} else if opt.NewFile != nil {
			childFile = opt.NewFile(c.owner)
		}
		// a delegation inside one the parent already has is never reached:
		// the servers of the outer one answer for it
		if r := outerNS(parent, c.owner); r != nil {
			return cs, fmt.Errorf("%s:%d: %s is inside the delegation %s of %s (NS %s): those servers answer for it, and an NS set below that cut is never served; undelegate it first, or delegate inside that zone",
				parent.FileOf(r), r.Line, p, r.Name, parent.Origin, r.Data)
		}
		// delegations of the parent below this one would be hidden by it
		var nested []*zonefile.Record
		for i := range parent.Records {
			if r := &parent.Records[i]; r.Type == zonefile.TypeNS && r.Name != c.owner && inside(r.Name, c.owner) {
				nested = append(nested, r)
			}
		}
		if len(nested) > 0 && !opt.Force {
			r := nested[0]
			return cs, fmt.Errorf("%s:%d: %s holds %d NS record(s) of delegation(s) under %s (first at %s), which this delegation hides: undelegate them first, or --force",
				parent.FileOf(r), r.Line, parent.Origin, len(nested), c.owner, r.Name)
		}
		// explicit PTRs under the delegation point
		var overlap []*zonefile.Record
		for i := range parent.Records {
			if r := &parent.Records[i]; r.Type == zonefile.TypePTR && inside(r.Name, c.owner) {
				overlap = append(overlap, r)
			}
		}
		if len(overlap) > 0 && !opt.Move && !opt.Force {
			r := overlap[0]
			return cs, fmt.Errorf("%s:%d: %s holds %d explicit PTR(s) under %s (first %s), which a delegation hides: --move them into the child zone, or --force",
				parent.FileOf(r), r.Line, parent.Origin, len(overlap), c.owner, r.Name)
		}
		if opt.Move {
			for _, r := range overlap {
				a, err := rdns.ParseReverseName(r.Name)
				if err != nil {
					return cs, fmt.Errorf("%s:%d: %w", parent.FileOf(r), r.Line, err)
				}
				cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Delete, Zone: parent.Origin, File: parent.FileOf(r), Line: int(r.Line),
					Name: r.Name, Addr: a, Type: "PTR", Old: r.Data, Reason: "moved to " + c.owner})
				if child != nil && hasRecord(child, r.Name, zonefile.TypePTR, r.Data) {
					continue
				}
				cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Add, Zone: c.owner, File: childFile, Name: r.Name,
					Addr: a, Type: "PTR", New: r.Data, Reason: "moved from " + parent.Origin})
			}
		}
		// glue
		for _, n := range ns {
			if !inside(n, parent.Origin) {
				continue
			}
			for _, a := range glue[n] {
				typ, zt := glueType(a)
				if hasRecord(parent, n, zt, a.Unmap().String()) || hasChange(cs, parent.Origin, n, typ, a.Unmap().String()) {
					continue
				}
				cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Add, Zone: parent.Origin, File: parent.Path, Name: n, Addr: c.prefix.Addr(),
					Type: typ, New: a.Unmap().String(), Reason: "glue for the delegation of " + p.String()})
			}
		}
		// a hosted child zone that does not exist yet is made, with its NS
		// set (and the address of a name server inside it)
		if opt.Host && child == nil {
			made := hasAdds(cs, c.owner)
			for _, n := range ns {
				if !made {
					cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Add, Zone: c.owner, File: childFile, Name: c.owner,
						Addr: c.prefix.Addr(), Type: "NS", New: n, Reason: "new child zone for " + p.String()})
				}
				if !inside(n, c.owner) {
					continue
				}
				for _, a := range glue[n] {
					typ, _ := glueType(a)
					cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Add, Zone: c.owner, File: childFile, Name: n,
						Addr: c.prefix.Addr(), Type: typ, New: a.Unmap().String(), Reason: "address of the name server of " + c.owner})
				}
			}
		}
		// the NS set
		have := map[string]bool{}
		for i := range parent.Records {
			r := &parent.Records[i]
			if r.Type != zonefile.TypeNS || r.Name != c.owner {
				continue
			}
			if slices.Contains(ns, r.Data) {
				have[r.Data] = true
				continue
			}
			cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Delete, Zone: parent.Origin, File: parent.FileOf(r), Line: int(r.Line),
				Name: c.owner, Addr: c.prefix.Addr(), Type: "NS", Old: r.Data, Reason: "delegation of " + p.String() + " to " + strings.Join(ns, ", ")})
		}
		for _, n := range ns {
			if !have[n] {
				cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Add, Zone: parent.Origin, File: parent.Path, Name: c.owner,
					Addr: c.prefix.Addr(), Type: "NS", New: n, Reason: "delegation of " + p.String()})
			}
		}
	}
	cs.Sort()
	return cs, nil
}

// outerNS is the first NS record of z at an owner strictly between z's
// apex and owner: a delegation of z that owner is inside.
func outerNS(z *zoneset.Zone, owner string) *zonefile.Record {
	for i := range z.Records {
		r := &z.Records[i]
		if r.Type == zonefile.TypeNS && r.Name != z.Origin && r.Name != owner && inside(owner, r.Name) {
			return r
		}
	}
	return nil
}

func hasChange(cs rdns.ChangeSet, zone, name, typ, data string) bool {
	for _, c := range cs.Changes {
		if c.Action == rdns.Add && c.Zone == zone && c.Name == name && c.Type == typ && c.New == data {
			return true
		}
	}
	return false
}

// Undelegate6 plans the reverse of Delegate6: the NS sets at the prefix's
// nibble owners and the glue that only they used are removed; the PTRs of a
// child zone loaded here go back into the parent and the child is retired
// (its origin is returned).
func Undelegate6(s *zoneset.Set, p netip.Prefix) (rdns.ChangeSet, []string, error) {
	var cs rdns.ChangeSet
	var retire []string
	cuts, err := cuts6(s, p)
	if err != nil {
		return cs, nil, err
	}
	for _, c := range cuts {
		parent := c.parent
		var gone []string
		for i := range parent.Records {
			r := &parent.Records[i]
			if r.Type == zonefile.TypeNS && r.Name == c.owner {
				gone = append(gone, r.Data)
				cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Delete, Zone: parent.Origin, File: parent.FileOf(r), Line: int(r.Line),
					Name: c.owner, Addr: c.prefix.Addr(), Type: "NS", Old: r.Data, Reason: "undelegation of " + p.String()})
			}
		}
		// glue: address records below the cut, or of a removed name server
		// no other NS record of the zone names
		for i := range parent.Records {
			r := &parent.Records[i]
			if (r.Type != zonefile.TypeA && r.Type != zonefile.TypeAAAA) || r.Iter >= 0 {
				continue
			}
			if !inside(r.Name, c.owner) && (!slices.Contains(gone, r.Name) || namedElsewhere(parent, r.Name, c.owner)) {
				continue
			}
			typ := "A"
			if r.Type == zonefile.TypeAAAA {
				typ = "AAAA"
			}
			cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Delete, Zone: parent.Origin, File: parent.FileOf(r), Line: int(r.Line),
				Name: r.Name, Addr: c.prefix.Addr(), Type: typ, Old: r.Data, Reason: "glue of the undelegation of " + p.String()})
		}
		child := s.Zone(c.owner)
		if child == nil {
			continue
		}
		retire = append(retire, child.Origin)
		for i := range child.Records {
			r := &child.Records[i]
			if r.Type != zonefile.TypePTR || hasRecord(parent, r.Name, zonefile.TypePTR, r.Data) {
				continue
			}
			a, err := rdns.ParseReverseName(r.Name)
			if err != nil {
				return cs, nil, fmt.Errorf("%s:%d: %w", child.FileOf(r), r.Line, err)
			}
			cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Add, Zone: parent.Origin, File: parent.Path, Name: r.Name, Addr: a,
				Type: "PTR", New: r.Data, Reason: "moved from " + child.Origin})
		}
	}
	cs.Sort()
	return cs, retire, nil
}

// namedElsewhere says whether an NS record of z other than those at owner
// names the host.
func namedElsewhere(z *zoneset.Zone, host, owner string) bool {
	for i := range z.Records {
		if r := &z.Records[i]; r.Type == zonefile.TypeNS && r.Name != owner && r.Data == host {
			return true
		}
	}
	return false
}
