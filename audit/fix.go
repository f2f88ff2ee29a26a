package audit

import (
	"net/netip"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// FixOptions tune Fix.
type FixOptions struct {
	// StaleDelete deletes stale PTRs instead of resetting them to the
	// default.
	StaleDelete bool
	// Validate, when set, is asked before a mismatch is fixed to IPAM's
	// name (FCrDNS: the name must resolve back to the address); a fix it
	// refuses is left out and reported in Skipped.
	Validate func(a netip.Addr, name string) error
}

// Skipped is a fixable finding that Fix left alone, and why.
type Skipped struct {
	Finding Finding
	Reason  string
}

// Fix turns the fixable findings into a change set: missing gets IPAM's name
// or the default; stale is reset to the default (or deleted); mismatch gets
// IPAM's name; duplicate keeps one PTR. Invalid PTRs are never guessed at.
func Fix(findings []Finding, opt FixOptions) (rdns.ChangeSet, []Skipped) {
	var cs rdns.ChangeSet
	var skipped []Skipped
	for _, f := range findings {
		if !f.Fixable {
			continue
		}
		switch f.Category {
		case Missing:
			cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Add, Zone: f.Zone, File: f.File, Name: f.owner, Addr: f.Addr,
				Type: "PTR", New: f.want, Reason: "audit: missing"})
		case Stale:
			c := change(f.recs[0], f.Addr)
			if opt.StaleDelete || f.want == "" {
				c.Action, c.Reason = rdns.Delete, "audit: stale"
			} else {
				c.Action, c.New, c.Reason = rdns.Replace, f.want, "audit: stale, reset to default"
			}
			cs.Changes = append(cs.Changes, c)
		case Mismatch:
			if opt.Validate != nil {
				if err := opt.Validate(f.Addr, f.want); err != nil {
					skipped = append(skipped, Skipped{f, err.Error()})
					continue
				}
			}
			c := change(f.recs[0], f.Addr)
			c.Action, c.New, c.Reason = rdns.Replace, f.want, "audit: mismatch, set to IPAM's name"
			cs.Changes = append(cs.Changes, c)
		case Duplicate:
			kept := false
			for _, p := range f.recs {
				if p.data() == f.want && !kept {
					kept = true
				}
			}
			replaced := false
			seenKeep := false
			for _, p := range f.recs {
				c := change(p, f.Addr)
				if p.data() == f.want && !seenKeep {
					seenKeep = true
					continue
				}
				if !kept && !replaced {
					c.Action, c.New, c.Reason = rdns.Replace, f.want, "audit: duplicate, keep IPAM's name"
					replaced = true
				} else {
					c.Action, c.Reason = rdns.Delete, "audit: duplicate"
				}
				cs.Changes = append(cs.Changes, c)
			}
		}
	}
	cs.Sort()
	return cs, skipped
}

func change(p ptrRef, a netip.Addr) rdns.Change {
	r := &p.zone.Records[p.rec]
	return rdns.Change{Zone: p.zone.Origin, File: p.zone.FileOf(r), Line: int(r.Line), Name: r.Name, Addr: a, Type: "PTR", Old: r.Data}
}
