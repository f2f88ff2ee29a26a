package bulk

import (
	"fmt"
	"net/netip"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// GenerateRHS gives the $GENERATE target template for an IPv4 address, or
// false when its name cannot be written as one.
type GenerateRHS func(a netip.Addr) (string, bool)

// Generate folds runs of added IPv4 PTRs (consecutive addresses of one /24,
// one zone and file, names from one $GENERATE template) into one $GENERATE
// line each. Runs stop at every address that is not an add, so the lines
// split around existing custom PTRs. Single addresses stay records.
func Generate(cs rdns.ChangeSet, rhs GenerateRHS) rdns.ChangeSet {
	var out rdns.ChangeSet
	ch := cs.Changes
	for i := 0; i < len(ch); {
		c := ch[i]
		tmpl, ok := generateOf(c, rhs)
		if !ok {
			out.Changes = append(out.Changes, c)
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
			out.Changes = append(out.Changes, c)
			i++
			continue
		}
		first, last := c.Addr.As4()[3], ch[j-1].Addr.As4()[3]
		zn, _ := rdns.ParseZoneName(c.Zone, rdns.Slash)
		owner := "$." + c.Zone
		if !zn.Classless && zn.Prefix.Bits() != 24 {
			o := c.Addr.As4()
			owner = fmt.Sprintf("$.%d.%d.%d.in-addr.arpa.", o[2], o[1], o[0])
		}
		out.Changes = append(out.Changes, rdns.Change{Action: rdns.Add, Zone: c.Zone, File: c.File, Name: owner, Addr: c.Addr,
			Type: "GENERATE", New: tmpl, Range: fmt.Sprintf("%d-%d", first, last), Reason: fmt.Sprintf("%d PTRs %s-%s", j-i, c.Addr, ch[j-1].Addr)})
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
