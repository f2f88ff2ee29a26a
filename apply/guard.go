package apply

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// Guard returns a GuardError when the change set deletes or replaces more
// than maxShare of the PTRs of any zone holding minPTRs or more (one
// upgrade of another tool once deleted every IPv6 PTR of its users), else
// nil. A PTR moved to another zone (deleted here, the same name added
// there for the same address) is not lost and does not count.
func Guard(s *zoneset.Set, cs rdns.ChangeSet, maxShare float64, minPTRs int) *GuardError {
	type key struct {
		a    netip.Addr
		name string
	}
	removed := map[key]bool{}
	for i := range cs.Changes {
		c := &cs.Changes[i]
		if c.Type == "PTR" && (c.Action == rdns.Delete || c.Action == rdns.Replace) {
			removed[key{c.Addr, c.Old}] = true
		}
	}
	if len(removed) == 0 {
		return nil
	}
	for i := range cs.Changes {
		c := &cs.Changes[i]
		if c.Type == "PTR" && c.Action == rdns.Add && removed[key{c.Addr, c.New}] {
			delete(removed, key{c.Addr, c.New})
		}
	}
	hits := map[string]int{}
	for i := range cs.Changes {
		c := &cs.Changes[i]
		if c.Type == "PTR" && (c.Action == rdns.Delete || c.Action == rdns.Replace) && removed[key{c.Addr, c.Old}] {
			hits[c.Zone]++
		}
	}
	var bad []GuardZone
	for origin, n := range hits {
		z := s.Zone(origin)
		if z == nil {
			continue
		}
		total := z.Count()
		if total < minPTRs || total == 0 {
			continue
		}
		if float64(n)/float64(total) > maxShare {
			bad = append(bad, GuardZone{Origin: origin, Changed: n, Total: total})
		}
	}
	if len(bad) == 0 {
		return nil
	}
	slices.SortFunc(bad, func(a, b GuardZone) int { return cmp.Compare(a.Origin, b.Origin) })
	return &GuardError{MaxShare: maxShare, Zones: bad}
}
