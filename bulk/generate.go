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
	ch := out.Changes
	for i := 0; i < len(ch); {
		c := ch[i]
		tmpl, ok := generateOf(c, rhs)
		if !ok {
			i++
			continue
		}
		j := i + 1
		for j < len(ch) {
			n := ch[j]
			t2, ok := generateOf(n, rhs)
			prev := ch[j-1].Addr
			if !ok || t2 != tmpl || n.Zone != c.Zone || n.File != c.File || n.Addr != prev.Next() || n.Addr.As4()[3] == 0 {
				break
			}
			j++
		}
		if j-i < 2 {
			i++
			continue
		}
		first, last := c.Addr.As4()[3], ch[j-1].Addr.As4()[3]
		rng := fmt.Sprintf("%d-%d", first, last)
		reason := fmt.Sprintf("$GENERATE %s: %d PTRs %s-%s", rng, j-i, c.Addr, ch[j-1].Addr)
		for k := i; k < j; k++ {
			ch[k].Generate, ch[k].Range = tmpl, rng
			if ch[k].Reason == "" {
				ch[k].Reason = reason
			} else {
				ch[k].Reason += "; " + reason
			}
		}
		i = j
	}
	return out
}

func generateOf(c rdns.Change, rhs GenerateRHS) (string, bool) {
	if c.Action != rdns.Add || c.Type != "PTR" || !c.Addr.Is4() {
		return "", false
	}
	t, ok := rhs(c.Addr)
	if !ok {
		return "", false
	}
	return t, true
}
