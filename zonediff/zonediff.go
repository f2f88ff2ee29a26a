// Package zonediff compares two zone sets at the level that matters for
// reverse DNS: the PTRs each address publishes, not the text of the files.
package zonediff

import (
	"net/netip"
	"slices"

	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// Kind of change of one address.
type Kind string

const (
	Added   Kind = "added"
	Removed Kind = "removed"
	Changed Kind = "changed"
)

// Change is how one address's PTRs differ between the two sets.
type Change struct {
	Addr netip.Addr `json:"ip"`
	Kind Kind       `json:"change"`
	Old  []string   `json:"old"`
	New  []string   `json:"new"`
	Zone string     `json:"zone"`
	File string     `json:"file"`
	Line int        `json:"line,omitempty"`
}

type ptrs struct {
	names      []string
	zone, file string
	line       int
}

// published maps every address with a PTR to its sorted, distinct targets.
func published(s *zoneset.Set) map[netip.Addr]*ptrs {
	m := map[netip.Addr]*ptrs{}
	for _, z := range s.Zones {
		if !z.Reverse {
			continue
		}
		z.Each(func(a netip.Addr, _ int32, r *zonefile.Record) {
			if r.Type != zonefile.TypePTR {
				return
			}
			p := m[a]
			if p == nil {
				p = &ptrs{zone: z.Origin, file: z.FileOf(r), line: int(r.Line)}
				m[a] = p
			}
			if !slices.Contains(p.names, r.Data) {
				p.names = append(p.names, r.Data)
			}
		})
	}
	for _, p := range m {
		slices.Sort(p.names)
	}
	return m
}

// Diff returns the addresses whose PTRs differ, in address order.
func Diff(old, new *zoneset.Set) []Change {
	o, n := published(old), published(new)
	var out []Change
	for a, np := range n {
		op, ok := o[a]
		switch {
		case !ok:
			out = append(out, Change{Addr: a, Kind: Added, Old: []string{}, New: np.names, Zone: np.zone, File: np.file, Line: np.line})
		case !slices.Equal(op.names, np.names):
			out = append(out, Change{Addr: a, Kind: Changed, Old: op.names, New: np.names, Zone: np.zone, File: np.file, Line: np.line})
		}
	}
	for a, op := range o {
		if _, ok := n[a]; !ok {
			out = append(out, Change{Addr: a, Kind: Removed, Old: op.names, New: []string{}, Zone: op.zone, File: op.file})
		}
	}
	slices.SortFunc(out, func(x, y Change) int { return x.Addr.Compare(y.Addr) })
	return out
}
