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

type csvImporter struct{ cols }

func newCSV(h header, c Columns) (*csvImporter, error) {
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
	imp := &csvImporter{cols{
		addr:     find(c.Address, c.Address), // always required
		host:     find(c.Hostname, explicit.Hostname),
		status:   find(c.Status, explicit.Status),
		customer: find(c.Customer, explicit.Customer),
		vrf:      find(c.VRF, explicit.VRF),
		prefix:   find(c.Prefix, explicit.Prefix),
	}}
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
