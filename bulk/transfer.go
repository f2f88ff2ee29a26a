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

// DelegateOptions are transfer delegate's parameters.
type DelegateOptions struct {
	Block netip.Prefix
	// Style is the child zone's label style: the zone set's (Set.Style)
	// unless asked otherwise.
	Style rdns.Style
	// NS names the child's servers; empty means the parent's own.
	NS []string
	// NewFile names the file of the child zone when it does not exist.
	NewFile func(origin string) string
	// External delegates to servers we do not run (the customer's own):
	// the parent gets the NS set and the CNAMEs, no local child zone is
	// made or filled, and PTRs the parent held for the block are removed
	// (the customer's servers answer for them now). NS is required.
	External bool
	// Generate writes the parent's CNAMEs as $GENERATE lines; without it
	// they are when the parent already writes CNAMEs that way.
	Generate bool
	// Glue gives the addresses of NS names that lie inside the zones (the
	// child's or the parent's): the parent gets them as A/AAAA records, and
	// so does a local child zone. Only such names take glue, and they need it.
	Glue map[string][]netip.Addr
}

// Delegate plans the move of an IPv4 block smaller than a /24 into an RFC
// 2317 classless child zone: the PTRs move into the child (created when
// missing, also for a block without PTRs yet), and the parent gets an NS set
// for the child and one CNAME per address pointing into it. Run again, it
// plans nothing.
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
	if opt.External {
		if len(opt.NS) == 0 {
			return cs, fmt.Errorf("%s: an external delegation needs the customer's name servers (--ns NAME, repeatable)", b)
		}
		if child != nil {
			return cs, fmt.Errorf("%s: the child zone %s is loaded here (%s): delegate it without --external, or undelegate and retire it first", b, childOrigin, child.Path)
		}
	}
	childFile := ""
	if child != nil {
		childFile = child.Path
	} else if opt.NewFile != nil && !opt.External {
		childFile = opt.NewFile(childOrigin)
	}
	childName, _ := rdns.ParseZoneName(childOrigin, opt.Style)
	ns := slices.Clone(opt.NS)
	if len(ns) == 0 {
		ns = apexNS(parent)
	}
	glue := canonicalGlue(opt.Glue)
	if err := checkNameServers(ns, glue, parent.Origin, func(n string) bool { return inside(n, childOrigin) || inside(n, parent.Origin) }); err != nil {
		return cs, err
	}
	for _, n := range ns {
		if !inside(n, childOrigin) && !inside(n, parent.Origin) {
			continue
		}
		for _, a := range glue[n] {
			typ, zt := glueType(a)
			targets := []*zoneset.Zone{parent}
			if !opt.External && inside(n, childOrigin) {
				targets = append(targets, child) // nil: the new child zone
			}
			for _, z := range targets {
				origin, file := childOrigin, childFile
				if z != nil {
					origin, file = z.Origin, z.Path
					if hasRecord(z, n, zt, a.Unmap().String()) {
						continue
					}
				}
				cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Add, Zone: origin, File: file, Name: n, Addr: b.Addr(),
					Type: typ, New: a.Unmap().String(), Reason: "glue for the delegation of " + b.String()})
			}
		}
	}
	// NS set for the child in the parent
	have := map[string]bool{}
	for _, r := range parent.Records {
		if r.Type == zonefile.TypeNS && r.Name == childOrigin {
			have[r.Data] = true
		}
	}
	if len(opt.NS) > 0 {
		// the NS set named replaces one there
		for i := range parent.Records {
			r := &parent.Records[i]
			if r.Type == zonefile.TypeNS && r.Name == childOrigin && !slices.Contains(ns, r.Data) {
				cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Delete, Zone: parent.Origin, File: parent.FileOf(r), Line: int(r.Line),
					Name: childOrigin, Addr: b.Addr(), Type: "NS", Old: r.Data, Reason: "delegation of " + b.String() + " to " + strings.Join(ns, ", ")})
			}
		}
	}
	for _, n := range ns {
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
				if opt.External {
					c.Action, c.Type, c.Old, c.Reason = rdns.Delete, "PTR", r.Data, "delegated to "+strings.Join(ns, ", ")
					cs.Changes = append(cs.Changes, c)
					continue
				}
				c.Action, c.Type, c.Old, c.Reason = rdns.Delete, "PTR", r.Data, "moved to "+childOrigin
				cs.Changes = append(cs.Changes, c)
				if !slices.Contains(childHas, r.Data) {
					childHas = append(childHas, r.Data)
					add := rdns.Change{Action: rdns.Add, Zone: childOrigin, File: childFile, Name: target,
						Addr: a, Type: "PTR", New: r.Data, Reason: "moved from " + parent.Origin}
					if r.Iter >= 0 {
						if g, err := parent.Generate(r.File, r.Entry); err == nil {
							add.Generate = g.RHS // a candidate: kept only for a whole run the template gives
						}
					}
					cs.Changes = append(cs.Changes, add)
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
	if child == nil && !opt.External && !hasAdds(cs, childOrigin) {
		// an empty block: the child zone is still made (its SOA and the NS
		// set), or the CNAMEs point nowhere
		for _, n := range ns {
			cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Add, Zone: childOrigin, File: childFile, Name: childOrigin,
				Addr: b.Addr(), Type: "NS", New: n, Reason: "new child zone for " + b.String()})
		}
	}
	// $GENERATE: the child's PTRs where they came from one parent line, the
	// parent's CNAMEs with --generate or when it writes CNAMEs so already
	cnameTmpl := ""
	if opt.Generate || generatesCNAMEs(parent) {
		cnameTmpl = "$." + strings.TrimSuffix(childOrigin, "."+parent.Origin)
		if cnameTmpl == "$."+childOrigin || strings.ContainsAny(cnameTmpl, " \t;\"()") {
			cnameTmpl = "$." + childOrigin
		}
	}
	markRuns(cs.Changes, func(c *rdns.Change) (string, bool) {
		switch {
		case c.Action != rdns.Add:
		case c.Type == "PTR" && c.Zone == childOrigin && c.Generate != "":
			return c.Generate, true
		case c.Type == "CNAME" && c.Zone == parent.Origin && cnameTmpl != "":
			return cnameTmpl, true
		}
		return "", false
	})
	for i := range cs.Changes {
		if c := &cs.Changes[i]; c.Generate != "" && c.Range == "" {
			c.Generate = "" // a candidate template that no run took
		}
	}
	cs.Sort()
	return cs, nil
}

// hasRecord says whether z holds the record.
func hasRecord(z *zoneset.Zone, name string, typ uint16, data string) bool {
	for i := range z.Records {
		if r := &z.Records[i]; r.Name == name && r.Type == typ && r.Data == data {
			return true
		}
	}
	return false
}

// generatesCNAMEs says whether the zone writes CNAMEs with $GENERATE lines.
func generatesCNAMEs(z *zoneset.Zone) bool {
	for i := range z.Records {
		if r := &z.Records[i]; r.Type == zonefile.TypeCNAME && r.Iter >= 0 {
			return true
		}
	}
	return false
}

// inside says whether name lies at or below zone.
func inside(name, zone string) bool {
	return name == zone || strings.HasSuffix(name, "."+zone)
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
	cut := childOrigin // where the delegation is, also to servers not ours
	for i := range parent.Records {
		if r := &parent.Records[i]; cut == "" && r.Type == zonefile.TypeNS && r.Name != parent.Origin && cutCovers(r.Name, b) {
			cut = r.Name
		}
	}
	for _, r := range parent.Records {
		if r.Type == zonefile.TypeNS && r.Name != parent.Origin && (r.Name == childOrigin || cutCovers(r.Name, b)) {
			cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Delete, Zone: parent.Origin, File: parent.FileOf(&r), Line: int(r.Line),
				Name: r.Name, Addr: b.Addr(), Type: "NS", Old: r.Data, Reason: "undelegation of " + b.String()})
		}
	}
	for i := range parent.Records {
		r := &parent.Records[i]
		if (r.Type == zonefile.TypeA || r.Type == zonefile.TypeAAAA) && r.Iter < 0 && cut != "" && inside(r.Name, cut) {
			typ := "A"
			if r.Type == zonefile.TypeAAAA {
				typ = "AAAA"
			}
			cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Delete, Zone: parent.Origin, File: parent.FileOf(r), Line: int(r.Line),
				Name: r.Name, Addr: b.Addr(), Type: typ, Old: r.Data, Reason: "glue of the undelegation of " + b.String()})
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
			add := rdns.Change{Action: rdns.Add, Zone: parent.Origin, File: parent.Path, Name: owner, Addr: a,
				Type: "PTR", New: r.Data, Reason: "moved from " + child.Origin}
			if r.Iter >= 0 {
				if g, err := child.Generate(r.File, r.Entry); err == nil {
					add.Generate = g.RHS // a candidate: kept only for a whole run the template gives
				}
			}
			cs.Changes = append(cs.Changes, add)
		}
	}
	// PTRs a $GENERATE line of the child made go back as $GENERATE lines
	markRuns(cs.Changes, func(c *rdns.Change) (string, bool) {
		return c.Generate, c.Action == rdns.Add && c.Type == "PTR" && c.Generate != ""
	})
	for i := range cs.Changes {
		if c := &cs.Changes[i]; c.Generate != "" && c.Range == "" {
			c.Generate = ""
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

// canonicalGlue is the --ns NAME=ADDRESS glue keyed by canonical names.
func canonicalGlue(g map[string][]netip.Addr) map[string][]netip.Addr {
	out := make(map[string][]netip.Addr, len(g))
	for n, addrs := range g {
		out[rdns.CanonicalHostname(n)] = addrs
	}
	return out
}

// checkNameServers canonicalises and checks the name servers of a
// delegation, in place, and the glue given for them: glue only for one of
// them, and addresses only for a name inZone says lies inside the zones
// (parentOrigin names the zone in the message).
func checkNameServers(ns []string, glue map[string][]netip.Addr, parentOrigin string, inZone func(string) bool) error {
	for i, n := range ns {
		n = rdns.CanonicalHostname(n)
		if err := rdns.CheckHostname(n); err != nil {
			return fmt.Errorf("--ns %s: %w", n, err)
		}
		ns[i] = n
	}
	for n, addrs := range glue {
		if !slices.Contains(ns, n) {
			return fmt.Errorf("glue for %s, which is not one of the name servers", n)
		}
		if !inZone(n) && len(addrs) > 0 {
			return fmt.Errorf("--ns %s: glue is only for a name server inside the zone, and %s lies outside %s", n, n, parentOrigin)
		}
	}
	for _, n := range ns {
		if inZone(n) && len(glue[n]) == 0 {
			return fmt.Errorf("--ns %s lies inside %s and needs glue: give its address (--ns %s=ADDRESS)", n, parentOrigin, strings.TrimSuffix(n, "."))
		}
	}
	return nil
}

// glueType is the record type of a glue address, and its zonefile code.
func glueType(a netip.Addr) (string, uint16) {
	if a.Is6() && !a.Is4In6() {
		return "AAAA", zonefile.TypeAAAA
	}
	return "A", zonefile.TypeA
}
