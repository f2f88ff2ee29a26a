package audit

import (
	"net/netip"
	"sync"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// FixOptions tune Fix.
type FixOptions struct {
	// StaleDelete deletes stale PTRs instead of resetting them to the
	// default.
	StaleDelete bool
	// Validate, when set, is asked before a name taken from IPAM is
	// written (a missing PTR, a mismatch, the PTR a duplicate keeps):
	// FCrDNS, the name must resolve back to the address. A fix it refuses
	// is left out and reported in Skipped. Default names and names already
	// published are not asked about.
	Validate func(a netip.Addr, name string) error
	// Workers bounds the validations run at once (default 32).
	Workers int
}

// Skipped is a fixable finding that Fix left alone, and why.
type Skipped struct {
	Finding Finding
	Reason  string
}

// Validates reports whether Fix would ask FixOptions.Validate about f: it
// writes a name taken from IPAM.
func (f *Finding) Validates() bool { return f.Fixable && f.fromIPAM }

// Fix turns the fixable findings into a change set: missing gets IPAM's name
// or the default; stale is reset to the default (or deleted); mismatch gets
// IPAM's name; duplicate keeps one PTR, the one the address would have once
// its other findings are fixed. Invalid PTRs are never guessed at. After the
// change set is applied, Run finds nothing fixable (but what was skipped).
func Fix(findings []Finding, opt FixOptions) (rdns.ChangeSet, []Skipped) {
	refused := validate(findings, opt)
	var cs rdns.ChangeSet
	var skipped []Skipped
	for i := range findings {
		f := &findings[i]
		if !f.Fixable {
			continue
		}
		if why, ok := refused[i]; ok {
			skipped = append(skipped, Skipped{*f, why})
			continue
		}
		if f.want != "" {
			if err := rdns.CheckHostname(f.want); err != nil {
				skipped = append(skipped, Skipped{*f, f.want + ": " + err.Error()})
				continue
			}
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
			c := change(f.recs[0], f.Addr)
			c.Action, c.New, c.Reason = rdns.Replace, f.want, "audit: mismatch, set to IPAM's name"
			cs.Changes = append(cs.Changes, c)
		case Duplicate:
			cs.Changes = append(cs.Changes, fixDuplicate(f)...)
		}
	}
	cs.Sort()
	return cs, skipped
}

// fixDuplicate keeps the first PTR that names f.want and deletes the
// others; when none does, the first is replaced by f.want. An empty want
// deletes them all.
func fixDuplicate(f *Finding) []rdns.Change {
	present := false
	for _, p := range f.recs {
		if p.data() == f.want {
			present = true
			break
		}
	}
	out := make([]rdns.Change, 0, len(f.recs))
	kept := false
	for _, p := range f.recs {
		c := change(p, f.Addr)
		switch {
		case f.want == "":
			c.Action, c.Reason = rdns.Delete, "audit: duplicate, none kept"
		case !kept && present && p.data() == f.want:
			kept = true
			continue
		case !kept && !present:
			kept = true
			c.Action, c.New, c.Reason = rdns.Replace, f.want, "audit: duplicate, keep "+f.want
		default:
			c.Action, c.Reason = rdns.Delete, "audit: duplicate"
		}
		out = append(out, c)
	}
	return out
}

// validate asks opt.Validate about every fixable finding that writes a
// name from IPAM, a few at a time (each is DNS round trips), and returns
// the refusals by finding index.
func validate(findings []Finding, opt FixOptions) map[int]string {
	refused := map[int]string{}
	if opt.Validate == nil {
		return refused
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = 32
	}
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, workers)
	)
	for i := range findings {
		f := &findings[i]
		if !f.Validates() {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, a netip.Addr, name string) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := opt.Validate(a, name); err != nil {
				mu.Lock()
				refused[i] = err.Error()
				mu.Unlock()
			}
		}(i, f.Addr, f.want)
	}
	wg.Wait()
	return refused
}

func change(p ptrRef, a netip.Addr) rdns.Change {
	r := &p.zone.Records[p.rec]
	return rdns.Change{Zone: p.zone.Origin, File: p.zone.FileOf(r), Line: int(r.Line), Name: r.Name, Addr: a, Type: "PTR", Old: r.Data}
}
