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

// phpipamSubnetNames are the column names of the admin subnet export
// (app/admin/import-export/export-subnets.php) and of the subnet import
// template (import-template.php, and the import's field keys).
var phpipamSubnetNames = []string{
	"section", "subnet", "mask", "description", "vlan", "vlan domain", "domain", "vrf", "master subnet",
	"requests", "host check", "discover",
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
// is its header, for the subnet export or import when the first row is
// theirs (a Subnet column and no IP address column), or else for the
// per-subnet layout, and whether the first row is data. Like phpIPAM, the
// per-subnet layout takes a first row that is no address for a header.
func newPhpIPAM(h header, fields []string) (importer, bool) {
	i := h.col("ip address", "ip_addr")
	if i < 0 && !phpipamPositional(h, fields) {
		if s := h.col("subnet"); s >= 0 {
			return &phpipamSubnetImporter{pcols{
				prefix:   s,
				status:   h.col("status"), // phpIPAM has none; a custom field may
				customer: h.col("customer", "owner", "tenant"),
				vrf:      h.col("vrf"),
				role:     -1,
				desc:     h.col("description"),
				mask:     h.col("mask"),
				parent:   h.col("master subnet"),
			}}, false
		}
	}
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

// phpipamSubnetImporter reads phpIPAM subnets: the admin subnet export
// (Subnet is "ip/mask", or "description (folder)" for a folder) and the
// subnet import (Subnet and Mask, or Subnet in CIDR form, which wins over
// Mask as in import-subnets-check.php).
type phpipamSubnetImporter struct{ pcols }

func (*phpipamSubnetImporter) format() Format { return FormatPhpIPAM }

func (p *phpipamSubnetImporter) pick(f []string, v *raw) {
	p.pcols.pick(f, v)
	if strings.EqualFold(v.vrf, "default") { // vrfId 0 in the import
		v.vrf = ""
	}
}

// block skips a folder: it holds subnets but is no block of its own.
func (*phpipamSubnetImporter) block(v *raw) (netip.Prefix, bool, error) {
	if strings.HasSuffix(v.prefix, "(folder)") {
		return netip.Prefix{}, true, nil
	}
	if v.mask == "" && v.prefix != "" && strings.IndexByte(v.prefix, '/') < 0 {
		return netip.Prefix{}, false, fmt.Errorf("subnet %s has no mask (give Mask, or the subnet in CIDR form)", rdns.Quote(v.prefix, 80))
	}
	p, err := parseBlock(v.prefix, v.mask)
	return p, false, err
}

// status: a phpIPAM subnet has no status; it is active (a master subnet is
// made a container after the read, see markParents). A Status custom field
// is read with the generic vocabulary: a status the file states is never
// dropped.
func (*phpipamSubnetImporter) status(s string) (Status, error) {
	if s == "" {
		return StatusActive, nil
	}
	if st, ok := lookup(csvPrefixStatus, s); ok {
		return st, nil
	}
	return 0, fmt.Errorf("unknown status %s", rdns.Quote(s, 80))
}
