package bulk

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// DelegateOptions are transfer delegate's parameters.
type DelegateOptions struct {
	Block netip.Prefix
	Style rdns.Style
	// NS names the child's servers; empty means the parent's own.
	NS []string
	// NewFile names the file of the child zone when it does not exist.
	NewFile func(origin string) string
}

// Delegate plans the move of an IPv4 block smaller than a /24 into an RFC
// 2317 classless child zone: the PTRs move into the child (created when
// missing), and the parent gets an NS set for the child and one CNAME per
// address pointing into it. Run again, it plans nothing.
func Delegate(s *zoneset.Set, opt DelegateOptions) (rdns.ChangeSet, error) {
	var cs rdns.ChangeSet
	b := opt.Block.Masked()
	if !b.Addr().Is4() || b.Bits() <= 24 {
		return cs, fmt.Errorf("%s: only IPv4 blocks smaller than a /24 (a /25 to a /32) are delegated per RFC 2317", b)
	}
	childOrigin, err := rdns.ClasslessOrigin(b, opt.Style)
	if err != nil {
		return cs, err
	}
	parent := parentZoneOf(s, b)
	if parent == nil {
		return cs, fmt.Errorf("%s: no loaded zone covers the block's /24", b)
	}
	child := s.Zone(childOrigin)
	childFile := ""
	if child != nil {
		childFile = child.Path
	} else if opt.NewFile != nil {
		childFile = opt.NewFile(childOrigin)
	}
	childName, _ := rdns.ParseZoneName(childOrigin, opt.Style)
	ns := opt.NS
	if len(ns) == 0 {
		ns = apexNS(parent)
	}
	// NS set for the child in the parent
	have := map[string]bool{}
	for _, r := range parent.Records {
		if r.Type == zonefile.TypeNS && r.Name == childOrigin {
			have[r.Data] = true
		}
	}
	for _, n := range ns {
		n = rdns.CanonicalHostname(n)
		if !have[n] {
			cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Add, Zone: parent.Origin, File: parent.Path, Name: childOrigin,
				Addr: b.Addr(), Type: "NS", New: n, Reason: "delegation of " + b.String()})
		}
	}
	for a := b.Addr(); b.Contains(a); a = a.Next() {
		owner := rdns.ReverseName(a)
		target := childName.OwnerName(a)
		base := rdns.Change{Zone: parent.Origin, File: parent.Path, Name: owner, Addr: a}
		var childHas []string
		if child != nil {
			for _, i := range child.At(a) {
				if child.Records[i].Type == zonefile.TypePTR {
					childHas = append(childHas, child.Records[i].Data)
				}
			}
		}
		cnameOK := false
		for _, i := range parent.At(a) {
			r := &parent.Records[i]
			c := base
			c.File, c.Line = parent.FileOf(r), int(r.Line)
			switch r.Type {
			case zonefile.TypePTR:
				c.Action, c.Type, c.Old, c.Reason = rdns.Delete, "PTR", r.Data, "moved to "+childOrigin
				cs.Changes = append(cs.Changes, c)
				if !slices.Contains(childHas, r.Data) {
					childHas = append(childHas, r.Data)
					cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Add, Zone: childOrigin, File: childFile, Name: target,
						Addr: a, Type: "PTR", New: r.Data, Reason: "moved from " + parent.Origin})
				}
			case zonefile.TypeCNAME:
				if r.Data == target && !cnameOK {
					cnameOK = true
					continue
				}
				c.Action, c.Type, c.Old = rdns.Delete, "CNAME", r.Data
				cs.Changes = append(cs.Changes, c)
			}
		}
		if !cnameOK {
			c := base
			c.Action, c.Type, c.New, c.Reason = rdns.Add, "CNAME", target, "RFC 2317 delegation to "+childOrigin
			cs.Changes = append(cs.Changes, c)
		}
	}
	if child == nil && !hasAdds(cs, childOrigin) {
		// an empty child zone must still be made, or the CNAMEs point nowhere
		return cs, fmt.Errorf("%s holds no PTR to move and the child zone %s does not exist: create it first (block-init into it) or delegate a block in use", b, childOrigin)
	}
	cs.Sort()
	return cs, nil
}

func hasAdds(cs rdns.ChangeSet, zone string) bool {
	for _, c := range cs.Changes {
		if c.Zone == zone && c.Action == rdns.Add {
			return true
		}
	}
	return false
}

// Undelegate plans the reverse of Delegate: the child's PTRs back into the
// parent under their plain names, the CNAMEs and NS set removed, and the
// child zone retired. It returns the origin of the zone to retire ("" when
// there is none, as on a second run).
func Undelegate(s *zoneset.Set, block netip.Prefix) (rdns.ChangeSet, string, error) {
	var cs rdns.ChangeSet
	b := block.Masked()
	var child *zoneset.Zone
	for _, z := range s.Zones {
		if z.Reverse && z.Name.Classless && z.Name.Prefix == b {
			child = z
			break
		}
	}
	parent := parentZoneOf(s, b)
	if parent == nil {
		return cs, "", fmt.Errorf("%s: no loaded zone covers the block's /24", b)
	}
	childOrigin := ""
	if child != nil {
		childOrigin = child.Origin
	}
	for _, r := range parent.Records {
		if r.Type == zonefile.TypeNS && r.Name != parent.Origin && (r.Name == childOrigin || cutCovers(r.Name, b)) {
			cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Delete, Zone: parent.Origin, File: parent.FileOf(&r), Line: int(r.Line),
				Name: r.Name, Addr: b.Addr(), Type: "NS", Old: r.Data, Reason: "undelegation of " + b.String()})
		}
	}
	for a := b.Addr(); b.Contains(a); a = a.Next() {
		owner := rdns.ReverseName(a)
		var parentPTR []string
		for _, i := range parent.At(a) {
			r := &parent.Records[i]
			switch r.Type {
			case zonefile.TypeCNAME:
				cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Delete, Zone: parent.Origin, File: parent.FileOf(r), Line: int(r.Line),
					Name: owner, Addr: a, Type: "CNAME", Old: r.Data})
			case zonefile.TypePTR:
				parentPTR = append(parentPTR, r.Data)
			}
		}
		if child == nil {
			continue
		}
		for _, i := range child.At(a) {
			r := &child.Records[i]
			if r.Type != zonefile.TypePTR || slices.Contains(parentPTR, r.Data) {
				continue
			}
			parentPTR = append(parentPTR, r.Data)
			cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Add, Zone: parent.Origin, File: parent.Path, Name: owner, Addr: a,
				Type: "PTR", New: r.Data, Reason: "moved from " + child.Origin})
		}
	}
	cs.Sort()
	return cs, childOrigin, nil
}

// cutCovers says whether an NS owner in a parent names a classless child of
// the block (in any style).
func cutCovers(owner string, b netip.Prefix) bool {
	zn, err := rdns.ParseZoneName(owner, rdns.Slash)
	if err == nil && zn.Classless && zn.Prefix == b {
		return true
	}
	zn, err = rdns.ParseZoneName(owner, rdns.Range)
	return err == nil && zn.Classless && zn.Prefix == b
}

// parentZoneOf returns the plain (not classless) zone that covers b.
func parentZoneOf(s *zoneset.Set, b netip.Prefix) *zoneset.Zone {
	var best *zoneset.Zone
	for _, z := range s.Zones {
		if z.Reverse && !z.Name.Classless && z.Name.Prefix.Bits() <= b.Bits() && z.Name.Prefix.Contains(b.Addr()) {
			if best == nil || z.Name.Prefix.Bits() > best.Name.Prefix.Bits() {
				best = z
			}
		}
	}
	return best
}

func apexNS(z *zoneset.Zone) []string {
	var out []string
	for _, r := range z.Records {
		if r.Type == zonefile.TypeNS && r.Name == z.Origin {
			out = append(out, r.Data)
		}
	}
	return out
}
