// Package bulk plans the operations that touch whole blocks at once:
// block-init, mass-rename and transfer. Each is a pure function from the
// loaded zones and its parameters to a change set; applying it is the plan
// package's job, the same for every verb.
package bulk

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"slices"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// Overwrite says which existing PTRs block-init replaces.
type Overwrite string

const (
	// OverwriteNone leaves every existing PTR.
	OverwriteNone Overwrite = "none"
	// OverwriteDefaults replaces only PTRs that a configured default
	// template renders (re-templating a block without touching customers'
	// custom names).
	OverwriteDefaults Overwrite = "defaults"
	// OverwriteAll replaces everything.
	OverwriteAll Overwrite = "all"
)

// ParseOverwrite reads --overwrite.
func ParseOverwrite(s string) (Overwrite, error) {
	switch o := Overwrite(s); o {
	case OverwriteNone, OverwriteDefaults, OverwriteAll:
		return o, nil
	case "":
		return OverwriteNone, nil
	}
	return "", fmt.Errorf("--overwrite %q: want none, defaults or all", s)
}

// InitOptions are block-init's parameters.
type InitOptions struct {
	Blocks []netip.Prefix
	// Template, when set, is used for every address; otherwise each
	// address takes its default from Defaults.
	Template rdns.Template
	// PrefixName fills {prefix} when Template is set.
	PrefixName string
	Defaults   rdns.Defaults
	Overwrite  Overwrite
	// SkipNetworkBroadcast leaves out the first and last address of IPv4
	// blocks of /30 and larger.
	SkipNetworkBroadcast bool
	// MaxAddrs bounds how many addresses an IPv6 block may have.
	MaxAddrs int
	// Addrs, when not nil, replaces enumeration: only these addresses (the
	// assigned ones from IPAM) inside the blocks get a PTR.
	Addrs []netip.Addr
	// NewZone names the zone (origin) and file a PTR goes to when no
	// loaded zone covers its address.
	NewZone  func(a netip.Addr) (origin, file string)
	Progress rdns.Progress
}

// InitStats counts what block-init looked at.
type InitStats struct {
	Addresses int `json:"addresses"`
	Unchanged int `json:"unchanged"`
	Kept      int `json:"kept"`      // existing PTRs left alone by --overwrite
	Delegated int `json:"delegated"` // inside a delegation whose child zone is not loaded
}

// ErrTooLarge is returned for an IPv6 block too large to enumerate.
var ErrTooLarge = errors.New("block too large to enumerate")

// BlockInit plans a default PTR for every address of the blocks.
func BlockInit(s *zoneset.Set, opt InitOptions) (rdns.ChangeSet, InitStats, error) {
	var cs rdns.ChangeSet
	var st InitStats
	total := 0
	for _, b := range opt.Blocks {
		if err := checkBlockSize(b, opt); err != nil {
			return cs, st, err
		}
		if hb := b.Addr().BitLen() - b.Bits(); hb <= 24 {
			total += 1 << hb
		}
	}
	if opt.Addrs != nil {
		total = len(opt.Addrs)
	}
	cs.Changes = make([]rdns.Change, 0, min(total, 1<<24))
	visit := func(a netip.Addr) error {
		st.Addresses++
		rdns.Tick(opt.Progress, 1)
		name, err := initName(a, opt)
		if err != nil {
			return err
		}
		return planSet(s, a, name, opt.Overwrite, opt.Defaults, opt.NewZone, &cs, &st)
	}
	if opt.Addrs != nil {
		addrs := slices.Clone(opt.Addrs)
		slices.SortFunc(addrs, func(a, b netip.Addr) int { return a.Compare(b) })
		addrs = slices.Compact(addrs)
		for _, a := range addrs {
			if inAny(opt.Blocks, a) {
				if err := visit(a); err != nil {
					return cs, st, err
				}
			}
		}
	} else {
		for _, b := range opt.Blocks {
			b = b.Masked()
			first, last := b.Addr(), lastAddr(b)
			if opt.SkipNetworkBroadcast && first.Is4() && b.Bits() <= 30 {
				first, last = first.Next(), last.Prev()
			}
			for a := first; a.IsValid() && a.Compare(last) <= 0; a = a.Next() {
				if err := visit(a); err != nil {
					return cs, st, err
				}
			}
		}
	}
	markRetemplated(s, &cs, opt.GenerateRHS())
	cs.Sort()
	return cs, st, nil
}

// GenerateRHS is the $GENERATE target template of each address's new name:
// from Template, else from the default that covers the address.
func (opt InitOptions) GenerateRHS() GenerateRHS {
	return func(a netip.Addr) (string, bool) {
		if !opt.Template.IsZero() {
			return opt.Template.Generate(a, opt.PrefixName)
		}
		d, ok := opt.Defaults.For(a)
		if !ok {
			return "", false
		}
		return d.Template.Generate(a, d.Name)
	}
}

// markRetemplated gives each replace of a PTR that a $GENERATE line makes
// the template of its new name, so that a line re-templated as a whole
// (--overwrite) is rewritten as a line instead of being expanded; the zone
// writer checks that the template gives every new name.
func markRetemplated(s *zoneset.Set, cs *rdns.ChangeSet, rhs GenerateRHS) {
	for i := range cs.Changes {
		c := &cs.Changes[i]
		if c.Action != rdns.Replace || c.Type != "PTR" || !c.Addr.Is4() {
			continue
		}
		l := s.Lookup(c.Addr)
		if l.Zone == nil {
			continue
		}
		for _, j := range l.PTRs {
			if r := &l.Zone.Records[j]; r.Data == c.Old && r.Iter >= 0 {
				if t, ok := rhs(c.Addr); ok {
					c.Generate = t
				}
				break
			}
		}
	}
}

func checkBlockSize(b netip.Prefix, opt InitOptions) error {
	if b.Addr().Is4() || opt.Addrs != nil {
		return nil
	}
	hostBits := 128 - b.Bits()
	limit := opt.MaxAddrs
	if limit <= 0 {
		limit = 65536
	}
	if hostBits >= 63 || 1<<hostBits > limit {
		n := new(big.Int).Lsh(big.NewInt(1), uint(hostBits))
		return fmt.Errorf("%s has %s addresses, more than --max %d: %w. Pre-populating IPv6 PTRs does not scale (RFC 8501): "+
			"give --from-ipam to set PTRs only for the assigned addresses, delegate the customer's reverse zone to the customer, "+
			"or synthesise PTRs in the DNS server (--synthesize knot|powerdns prints the configuration)", b, n, limit, ErrTooLarge)
	}
	return nil
}

func initName(a netip.Addr, opt InitOptions) (string, error) {
	var name string
	if !opt.Template.IsZero() {
		name = opt.Template.Render(a, opt.PrefixName)
	} else if name = opt.Defaults.Render(a); name == "" {
		return "", fmt.Errorf("%s: no --template given and no default template in the config covers it", a)
	}
	if err := rdns.CheckHostname(name); err != nil {
		return "", fmt.Errorf("%s: rendered name %s is not a valid host name: %w", a, name, err)
	}
	return name, nil
}

// planSet plans a's PTR to become name, honouring the overwrite policy.
func planSet(s *zoneset.Set, a netip.Addr, name string, ow Overwrite, defs rdns.Defaults,
	newZone func(netip.Addr) (string, string), cs *rdns.ChangeSet, st *InitStats) error {
	l := s.Lookup(a)
	switch l.Status {
	case zoneset.Delegated:
		st.Delegated++
		return nil
	case zoneset.Unmanaged:
		if newZone == nil {
			return fmt.Errorf("%s: no loaded zone covers it", a)
		}
		origin, file := newZone(a)
		cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Add, Zone: origin, File: file, Name: rdns.ReverseName(a),
			Addr: a, Type: "PTR", New: name, Reason: "new zone"})
		return nil
	}
	z := l.Zone
	base := rdns.Change{Zone: z.Origin, File: z.Path, Name: l.Owner, Addr: a, Type: "PTR"}
	if len(l.PTRs) == 0 {
		c := base
		c.Action, c.New = rdns.Add, name
		cs.Changes = append(cs.Changes, c)
		return nil
	}
	old := z.Records[l.PTRs[0]].Data
	if len(l.PTRs) == 1 && old == name {
		st.Unchanged++
		return nil
	}
	replace := ow == OverwriteAll || (ow == OverwriteDefaults && allDefault(z, l.PTRs, a, defs))
	if !replace {
		st.Kept++
		return nil
	}
	kept := false
	for _, i := range l.PTRs {
		r := &z.Records[i]
		c := base
		c.File = z.FileOf(r)
		c.Line = int(r.Line)
		switch {
		case r.Data == name && !kept:
			kept = true
			continue
		default:
			c.Action, c.Old = rdns.Delete, r.Data
		}
		cs.Changes = append(cs.Changes, c)
	}
	if !kept {
		// the first PTR becomes the new name; any others were deleted above
		first := &cs.Changes[len(cs.Changes)-len(l.PTRs)]
		first.Action, first.New = rdns.Replace, name
	}
	return nil
}

func allDefault(z *zoneset.Zone, idx []int32, a netip.Addr, defs rdns.Defaults) bool {
	for _, i := range idx {
		if !defs.IsDefault(a, z.Records[i].Data) {
			return false
		}
	}
	return true
}

func inAny(blocks []netip.Prefix, a netip.Addr) bool {
	for _, b := range blocks {
		if b.Contains(a) {
			return true
		}
	}
	return false
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr()
	b := a.AsSlice()
	hostBits := len(b)*8 - p.Bits()
	for i := len(b) - 1; i >= 0 && hostBits > 0; i-- {
		n := min(hostBits, 8)
		b[i] |= byte(1<<n - 1)
		hostBits -= n
	}
	out, _ := netip.AddrFromSlice(b)
	return out
}
