package ipam

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// Generic CSV: a header row and columns found by the names in Columns.

var defaultColumns = Columns{
	Address:  "address",
	Hostname: "hostname",
	Status:   "status",
	Customer: "customer",
	Prefix:   "prefix",
	VRF:      "vrf",
}

// withDefaults fills the empty names with the defaults.
func (c Columns) withDefaults() Columns {
	set := func(s *string, def string) {
		if strings.TrimSpace(*s) == "" {
			*s = def
		}
	}
	set(&c.Address, defaultColumns.Address)
	set(&c.Hostname, defaultColumns.Hostname)
	set(&c.Status, defaultColumns.Status)
	set(&c.Customer, defaultColumns.Customer)
	set(&c.Prefix, defaultColumns.Prefix)
	set(&c.VRF, defaultColumns.VRF)
	return c
}

// names returns the lower-cased column names, for detection.
func (c Columns) names() []string {
	return []string{
		strings.ToLower(strings.TrimSpace(c.Address)),
		strings.ToLower(strings.TrimSpace(c.Hostname)),
		strings.ToLower(strings.TrimSpace(c.Status)),
		strings.ToLower(strings.TrimSpace(c.Customer)),
		strings.ToLower(strings.TrimSpace(c.Prefix)),
		strings.ToLower(strings.TrimSpace(c.VRF)),
	}
}

// csvStatus is the generic vocabulary: NetBox's and phpIPAM's words and
// common synonyms.
var csvStatus = []word{
	{"active", StatusActive},
	{"used", StatusActive},
	{"assigned", StatusActive},
	{"allocated", StatusActive},
	{"online", StatusActive},
	{"in use", StatusActive},
	{"in-use", StatusActive},
	{"in_use", StatusActive},
	{"reserved", StatusReserved},
	{"dhcp", StatusDHCP},
	{"slaac", StatusDHCP},
	{"dynamic", StatusDHCP},
	{"deprecated", StatusDeprecated},
	{"offline", StatusDeprecated},
	{"decommissioned", StatusDeprecated},
	{"free", StatusFree},
	{"available", StatusFree},
	{"unused", StatusFree},
	{"unassigned", StatusFree},
	{"unallocated", StatusFree},
}

// prefixNames returns the lower-cased column names of a prefix export,
// for detection.
func (c Columns) prefixNames() []string {
	return []string{
		strings.ToLower(strings.TrimSpace(c.Prefix)),
		strings.ToLower(strings.TrimSpace(c.Status)),
		strings.ToLower(strings.TrimSpace(c.Customer)),
		strings.ToLower(strings.TrimSpace(c.VRF)),
		"role", "description",
	}
}

// csvPrefixStatus is the generic vocabulary of prefix rows: that of
// address rows, and container (NetBox's word for a prefix that holds
// others).
var csvPrefixStatus = append([]word{{"container", StatusContainer}}, csvStatus...)

type csvImporter struct{ cols }

// newCSV returns the importer of a generic CSV: of address rows when the
// header has the address column, else of prefix rows when it has the
// prefix column.
func newCSV(h header, c Columns) (importer, error) {
	explicit := c
	c = c.withDefaults()
	var missing []string
	find := func(name, given string) int {
		i := h.col(strings.ToLower(strings.TrimSpace(name)))
		if i < 0 && strings.TrimSpace(given) != "" {
			missing = append(missing, fmt.Sprintf("%q", name))
		}
		return i
	}
	if h.col(strings.ToLower(strings.TrimSpace(c.Address))) < 0 {
		if pi := h.col(strings.ToLower(strings.TrimSpace(c.Prefix))); pi >= 0 {
			imp := &csvPrefixImporter{pcols{
				prefix:   pi,
				status:   find(c.Status, explicit.Status),
				customer: find(c.Customer, explicit.Customer),
				vrf:      find(c.VRF, explicit.VRF),
				role:     h.col("role"),
				desc:     h.col("description"),
				mask:     -1,
				parent:   -1,
			}}
			if len(missing) > 0 {
				return nil, fmt.Errorf("CSV header has no column %s", strings.Join(missing, ", "))
			}
			return imp, nil
		}
	}
	imp := &csvImporter{cols{
		addr:     find(c.Address, c.Address), // always required
		host:     find(c.Hostname, explicit.Hostname),
		status:   find(c.Status, explicit.Status),
		customer: find(c.Customer, explicit.Customer),
		vrf:      find(c.VRF, explicit.VRF),
		prefix:   find(c.Prefix, explicit.Prefix),
	}}
	if imp.cols.addr < 0 {
		return nil, fmt.Errorf("CSV header has no column %q (an address export) nor %q (a prefix export)", c.Address, c.Prefix)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("CSV header has no column %s", strings.Join(missing, ", "))
	}
	return imp, nil
}

func (*csvImporter) format() Format { return FormatCSV }

func (c *csvImporter) pick(f []string, v *raw) {
	c.cols.pick(f, v)
	if strings.EqualFold(v.vrf, "global") {
		v.vrf = ""
	}
}

func (*csvImporter) addr(s string) (netip.Addr, netip.Prefix, error) { return parseAddr(s, true) }

func (*csvImporter) status(s string) (Status, error) {
	if s == "" {
		return StatusActive, nil
	}
	if st, ok := lookup(csvStatus, s); ok {
		return st, nil
	}
	return 0, fmt.Errorf("unknown status %s", rdns.Quote(s, 80))
}

// csvPrefixImporter reads a generic CSV of prefix rows: the prefix
// column, and status, customer, vrf, role and description.
type csvPrefixImporter struct{ pcols }

func (*csvPrefixImporter) format() Format { return FormatCSV }

func (c *csvPrefixImporter) pick(f []string, v *raw) {
	c.pcols.pick(f, v)
	if strings.EqualFold(v.vrf, "global") {
		v.vrf = ""
	}
}

func (*csvPrefixImporter) block(v *raw) (netip.Prefix, bool, error) {
	p, err := parseBlock(v.prefix, "")
	return p, false, err
}

func (*csvPrefixImporter) status(s string) (Status, error) {
	if s == "" {
		return StatusActive, nil
	}
	if st, ok := lookup(csvPrefixStatus, s); ok {
		return st, nil
	}
	return 0, fmt.Errorf("unknown status %s", rdns.Quote(s, 80))
}
