package bulk

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// GenerateRHS gives the $GENERATE target template for an IPv4 address, or
// false when its name cannot be written as one.
type GenerateRHS func(a netip.Addr) (string, bool)

// Generate marks runs of added IPv4 PTRs (consecutive addresses of one /24,
// one zone and file, names from one $GENERATE template) as one $GENERATE
// line each: every change of a run keeps its address and name and gets the
// line's template and range (Change.Generate, Change.Range), so that counts,
// the guard and the journal stay per address while the zone writer writes
// one line. Runs stop at every address that is not an add, so the lines
// split around existing custom PTRs. Single addresses stay records.
func Generate(cs rdns.ChangeSet, rhs GenerateRHS) rdns.ChangeSet {
	out := rdns.ChangeSet{Changes: slices.Clone(cs.Changes)}
	markRuns(out.Changes, func(c *rdns.Change) (string, bool) {
		if c.Action != rdns.Add || c.Type != "PTR" || !c.Addr.Is4() {
			return "", false
		}
		return rhs(c.Addr)
	})
	return out
}

// markRuns marks the runs of changes that tmpl accepts (consecutive IPv4
// addresses of one /24, one zone, file, type and template, at least two)
// with their template and range. Changes tmpl refuses do not break a run of
// other changes, but a missing address does.
func markRuns(ch []rdns.Change, tmpl func(c *rdns.Change) (string, bool)) {
	type run struct {
		idx  []int
		last netip.Addr
	}
	runs := map[string]*run{}
	var order []string
	flush := func(r *run) {
		if len(r.idx) < 2 {
			return
		}
		first, last := ch[r.idx[0]].Addr, ch[r.idx[len(r.idx)-1]].Addr
		rng := fmt.Sprintf("%d-%d", first.As4()[3], last.As4()[3])
		reason := fmt.Sprintf("$GENERATE %s: %d %ss %s-%s", rng, len(r.idx), ch[r.idx[0]].Type, first, last)
		for _, k := range r.idx {
			t, _ := tmpl(&ch[k])
			ch[k].Generate, ch[k].Range = t, rng
			if ch[k].Reason == "" {
				ch[k].Reason = reason
			} else {
				ch[k].Reason += "; " + reason
			}
		}
	}
	for i := range ch {
		c := &ch[i]
		if !c.Addr.Is4() {
			continue
		}
		t, ok := tmpl(c)
		if !ok {
			continue
		}
		key := c.Zone + " " + c.File + " " + c.Type + " " + t
		r := runs[key]
		if r != nil && c.Addr == r.last.Next() && c.Addr.As4()[3] != 0 {
			r.idx, r.last = append(r.idx, i), c.Addr
			continue
		}
		if r != nil {
			flush(r)
		} else {
			order = append(order, key)
		}
		runs[key] = &run{idx: []int{i}, last: c.Addr}
	}
	for _, k := range order {
		flush(runs[k])
	}
}
