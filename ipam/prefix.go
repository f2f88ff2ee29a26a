package ipam

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// Prefix rows: what the prefix layouts (NetBox prefixes, phpIPAM subnets,
// the generic CSV with a prefix column) share.

// vrfPrefix is a prefix in one VRF ("" for the global table).
type vrfPrefix struct {
	vrf string
	p   netip.Prefix
}

// prefixRow decodes one prefix row whose columns are in v and whose VRF
// is wanted. A non-nil error ends the read.
func (d *decoder) prefixRow(v *raw, vrf string, line int) error {
	p, skip, err := d.blocks.block(v)
	if err != nil {
		return d.malformed(line, err.Error())
	}
	if skip {
		return nil
	}
	st, err := d.imp.status(v.status)
	if err != nil {
		return d.malformed(line, err.Error())
	}
	rec := PrefixRecord{
		Prefix:   p,
		Customer: d.customer(v.customer),
		VRF:      vrf,
		Role:     d.role(v.role),
		File:     d.name,
		Line:     int32(line),
		Status:   st,
	}
	if v.desc != "" {
		rec.Description = strings.Clone(v.desc)
	}
	if v.parent != "" {
		d.parent(v.parent, vrf, line)
	}
	d.exp.PrefixRecords = append(d.exp.PrefixRecords, rec)
	return nil
}

// role returns a shared copy of a role name: a prefix export has a handful.
func (d *decoder) role(s string) string {
	if s == "" {
		return ""
	}
	r, ok := d.roles[s]
	if !ok {
		r = strings.Clone(s)
		if len(d.roles) < internLimit {
			d.roles[r] = r
		}
	}
	return r
}

// parent records the prefix a row names as its parent (phpIPAM's Master
// Subnet: "/" for none, "NAME [folder]" for a folder). A parent that is
// no prefix is a warning: the row itself is read.
func (d *decoder) parent(s, vrf string, line int) {
	if s == "/" || strings.HasSuffix(s, "[folder]") {
		return
	}
	p, err := rdns.ParsePrefix(s)
	if err != nil {
		d.warn(line, fmt.Sprintf("master subnet: %v; ignored", err))
		return
	}
	if d.parents == nil {
		d.parents = map[vrfPrefix]struct{}{}
	}
	d.parents[vrfPrefix{vrf, p}] = struct{}{}
}

// markParents makes the active rows that other rows name as their parent
// containers: phpIPAM has no prefix status, but a master subnet holds its
// customers' subnets and is not assigned itself.
func (d *decoder) markParents(recs []PrefixRecord) {
	if len(d.parents) == 0 {
		return
	}
	for i := range recs {
		r := &recs[i]
		if _, ok := d.parents[vrfPrefix{r.VRF, r.Prefix}]; ok && r.Status == StatusActive {
			r.Status = StatusContainer
		}
	}
}

// parseBlock parses a prefix column: a CIDR network, or with mask (a
// separate mask column: a length, or an IPv4 netmask) an address and its
// mask. Host bits are an error: a block is never guessed.
func parseBlock(s, mask string) (netip.Prefix, error) {
	if s == "" {
		return netip.Prefix{}, errors.New("empty prefix")
	}
	if strings.IndexByte(s, '/') < 0 {
		if _, err := netip.ParseAddr(s); err != nil {
			return netip.Prefix{}, fmt.Errorf("%s is not a CIDR network", rdns.Quote(s, 80))
		}
		if mask == "" {
			return netip.Prefix{}, fmt.Errorf("prefix %s has no length", rdns.Quote(s, 80))
		}
		bits, err := maskBits(s, mask)
		if err != nil {
			return netip.Prefix{}, err
		}
		s += "/" + strconv.Itoa(bits)
	}
	return rdns.ParsePrefix(s) // a zone is refused there
}

// maskBits reads a mask column for the address s: a prefix length, or for
// IPv4 a contiguous netmask (255.255.255.0).
func maskBits(s, mask string) (int, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return 0, fmt.Errorf("%s is not an address", rdns.Quote(s, 80))
	}
	a = a.Unmap()
	if n, err := strconv.Atoi(mask); err == nil {
		if n < 0 || n > a.BitLen() {
			return 0, fmt.Errorf("mask %s out of range for %s", rdns.Quote(mask, 40), a)
		}
		return n, nil
	}
	m, err := netip.ParseAddr(mask)
	if err != nil || !m.Is4() || !a.Is4() {
		return 0, fmt.Errorf("bad mask %s for %s (want a prefix length, or a netmask like 255.255.255.0 for IPv4)", rdns.Quote(mask, 40), a)
	}
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for v&(1<<31) != 0 {
		v <<= 1
		n++
	}
	if v != 0 {
		return 0, fmt.Errorf("netmask %s is not contiguous", rdns.Quote(mask, 40))
	}
	return n, nil
}

// pcols holds the column of each value a prefix layout maps, -1 when
// absent.
type pcols struct{ prefix, status, customer, vrf, role, desc, mask, parent int }

func (c *pcols) pick(f []string, v *raw) {
	v.prefix = field(f, c.prefix)
	v.status = field(f, c.status)
	v.customer = field(f, c.customer)
	v.vrf = field(f, c.vrf)
	v.role = field(f, c.role)
	v.desc = field(f, c.desc)
	v.mask = field(f, c.mask)
	v.parent = field(f, c.parent)
}

// Merge joins exports read from several files (an address export and a
// prefix export, say) into one: records, prefix records, problems (each
// naming its own file) and sources in the order given, Prefixes the sorted
// union, Skipped, Lines and Blank summed. Format is the exports' format
// when they share one, "" otherwise. The exports are not changed; nil
// ones are left out.
func Merge(exps ...*Export) *Export {
	m := &Export{}
	set := map[netip.Prefix]struct{}{}
	first := true
	for _, e := range exps {
		if e == nil {
			continue
		}
		if first {
			m.Format = e.Format
			first = false
		} else if m.Format != e.Format {
			m.Format = ""
		}
		m.Records = append(m.Records, e.Records...)
		m.PrefixRecords = append(m.PrefixRecords, e.PrefixRecords...)
		m.Problems = append(m.Problems, e.Problems...)
		m.Sources = append(m.Sources, e.Sources...)
		m.Skipped += e.Skipped
		m.Lines += e.Lines
		m.Blank += e.Blank
		for _, p := range e.Prefixes {
			set[p] = struct{}{}
		}
	}
	if len(set) > 0 {
		m.Prefixes = make([]netip.Prefix, 0, len(set))
		for p := range set {
			m.Prefixes = append(m.Prefixes, p)
		}
		slices.SortFunc(m.Prefixes, netip.Prefix.Compare)
	}
	return m
}
