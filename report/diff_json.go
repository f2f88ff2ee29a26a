package report

import (
	"net/netip"

	"github.com/rdnsctl/rdnsctl/zonediff"
)

// DiffChange is one address whose PTRs differ, in the JSON of diff
// ("changes" in docs/json.md): old and new are [] when empty, line null
// when unknown.
type DiffChange struct {
	IP     netip.Addr    `json:"ip"`
	Change zonediff.Kind `json:"change"`
	Old    []string      `json:"old"`
	New    []string      `json:"new"`
	Zone   string        `json:"zone"`
	File   string        `json:"file"`
	Line   *int          `json:"line"`
}

// DiffChanges is changes in the JSON contract ([] when none).
func DiffChanges(changes []zonediff.Change) []DiffChange {
	out := make([]DiffChange, 0, len(changes))
	for _, c := range changes {
		d := DiffChange{IP: c.Addr, Change: c.Kind, Old: c.Old, New: c.New, Zone: c.Zone, File: c.File}
		if d.Old == nil {
			d.Old = []string{}
		}
		if d.New == nil {
			d.New = []string{}
		}
		if c.Line > 0 {
			l := c.Line
			d.Line = &l
		}
		out = append(out, d)
	}
	return out
}
