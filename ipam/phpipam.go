package ipam

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// phpIPAM: the admin IP address export/import (app/admin/import-export,
// columns by header) and the per-subnet import (app/subnets/import-subnet,
// positional).

// phpipamNames are the admin export's and import template's column names
// and the import's field keys ($expfields).
var phpipamNames = []string{
	"section", "ip address", "ip_addr", "hostname", "description", "vrf", "subnet", "mac",
	"owner", "device", "note", "tag", "gateway", "is_gateway", "port", "location",
}

// phpipamStatus holds phpIPAM's default address tags (table ipTags) by name
// and by id, as address_type_type_to_index passes an id through. Online is
// not a default tag but a common custom one.
var phpipamStatus = []word{
	{"used", StatusActive},
	{"online", StatusActive},
	{"reserved", StatusReserved},
	{"dhcp", StatusDHCP},
	{"offline", StatusDeprecated},
	{"1", StatusDeprecated},
	{"2", StatusActive},
	{"3", StatusReserved},
	{"4", StatusDHCP},
}

// The per-subnet import's columns (import-template.php).
const (
	subnetAddr  = 0
	subnetState = 1
	subnetHost  = 3
	subnetOwner = 6
)

type phpipamImporter struct {
	cols
	subnet bool // the per-subnet import, not the admin layout
}

// newPhpIPAM returns the importer for the admin layout when the first row
// is its header, or else for the per-subnet layout, and whether the first
// row is data. Like phpIPAM, the per-subnet layout takes a first row that
// is no address for a header.
func newPhpIPAM(h header, fields []string) (*phpipamImporter, bool) {
	i := h.col("ip address", "ip_addr")
	if i < 0 || phpipamPositional(h, fields) {
		_, err := netip.ParseAddr(strings.TrimSpace(fields[0]))
		return &phpipamImporter{subnet: true, cols: cols{
			addr: subnetAddr, host: subnetHost, status: subnetState, customer: subnetOwner,
			vrf: -1, prefix: -1,
		}}, err == nil
	}
	return &phpipamImporter{cols: cols{
		addr:     i,
		host:     h.col("hostname"),
		status:   h.col("tag", "state"),
		customer: h.col("owner"),
		vrf:      h.col("vrf"),
		prefix:   h.col("subnet"),
	}}, false
}

func (*phpipamImporter) format() Format { return FormatPhpIPAM }

func (p *phpipamImporter) pick(f []string, v *raw) {
	p.cols.pick(f, v)
	if strings.EqualFold(v.vrf, "default") { // the export's name for vrfId 0
		v.vrf = ""
	}
}

// addr refuses a prefix length: phpIPAM's FILTER_VALIDATE_IP drops the row.
func (*phpipamImporter) addr(s string) (netip.Addr, netip.Prefix, error) { return parseAddr(s, false) }

func (*phpipamImporter) status(s string) (Status, error) {
	if s == "" {
		return StatusActive, nil // "Used" is exported as an empty tag
	}
	if st, ok := lookup(phpipamStatus, s); ok {
		return st, nil
	}
	return 0, fmt.Errorf("unknown phpIPAM tag %s (want Used, Reserved, DHCP or Offline)", rdns.Quote(s, 80))
}
