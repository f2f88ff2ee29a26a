package ipam

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// NetBox (netbox/ipam/forms/bulk_import.py IPAddressImportForm; the UI
// export is netbox/ipam/tables/ip.py IPAddressTable through tablib).

// netboxImportNames are the import form's fields, plus bulk update's id.
var netboxImportNames = []string{
	"address", "vrf", "tenant", "status", "role", "device", "virtual_machine", "interface",
	"fhrp_group", "is_primary", "is_oob", "dns_name", "description", "owner", "comments", "tags",
	"id", "nat_inside", "assigned_object_type", "assigned_object_id",
}

// netboxExportNames are IPAddressTable's verbose column names.
var netboxExportNames = []string{
	"ip address", "id", "vrf", "status", "role", "tenant", "tenant group", "assigned", "dns name",
	"description", "nat (inside)", "nat (outside)", "interface", "parent", "comments", "contacts",
	"tags", "owner", "owner group", "created", "last updated",
}

// netboxPrefixNames are PrefixImportForm's fields (plus bulk update's id)
// and PrefixTable's verbose column names, lower-cased: the two shapes of a
// prefix export share their main names (prefix, vrf, tenant, status, role,
// description), and are read alike.
var netboxPrefixNames = []string{
	// netbox/ipam/forms/bulk_import.py PrefixImportForm.Meta.fields
	"prefix", "vrf", "tenant", "vlan_group", "vlan_site", "vlan", "status", "role", "scope_type", "scope_name",
	"scope_id", "is_pool", "mark_utilized", "description", "owner", "comments", "tags", "id",
	// netbox/ipam/tables/ip.py PrefixTable (Prefix, VRF, Tenant, Status,
	// Role, VLAN, Description, Owner, Comments, Tags and ID are above)
	"prefix (flat)", "depth", "children", "utilization", "tenant group", "scope", "scope type", "vlan group",
	"pool", "marked utilized", "contacts", "owner group", "created", "last updated",
}

// netboxPrefixStatus holds PrefixStatusChoices (slugs; labels differ only
// in case).
var netboxPrefixStatus = []word{
	{"container", StatusContainer},
	{"active", StatusActive},
	{"reserved", StatusReserved},
	{"deprecated", StatusDeprecated},
}

// netboxStatus holds IPAddressStatusChoices; slugs and labels differ only
// in case. SLAAC addresses are self-assigned, like a DHCP pool's.
var netboxStatus = []word{
	{"active", StatusActive},
	{"reserved", StatusReserved},
	{"deprecated", StatusDeprecated},
	{"dhcp", StatusDHCP},
	{"slaac", StatusDHCP},
}

type netboxImporter struct {
	cols
	export bool // the UI table export, not the import field format
}

// newNetBox returns the importer of a NetBox export: of IP addresses when
// the header has an address column, else of prefixes.
func newNetBox(h header) (importer, error) {
	if i := h.col("address"); i >= 0 {
		return &netboxImporter{cols: cols{
			addr:     i,
			host:     h.col("dns_name"),
			status:   h.col("status"),
			customer: h.col("tenant"),
			vrf:      h.col("vrf"),
			prefix:   -1,
		}}, nil
	}
	if i := h.col("ip address"); i >= 0 {
		return &netboxImporter{export: true, cols: cols{
			addr:     i,
			host:     h.col("dns name"),
			status:   h.col("status"),
			customer: h.col("tenant"),
			vrf:      h.col("vrf"),
			prefix:   -1,
		}}, nil
	}
	if i := h.col("prefix", "prefix (flat)"); i >= 0 {
		return &netboxPrefixImporter{pcols{
			prefix:   i,
			status:   h.col("status"),
			customer: h.col("tenant"),
			vrf:      h.col("vrf"),
			role:     h.col("role"),
			desc:     h.col("description"),
			mask:     -1,
			parent:   -1,
		}}, nil
	}
	return nil, errors.New(`NetBox header has no "address" (import format) or "IP Address" (UI export) column, nor the "prefix" column of a prefix export`)
}

func (*netboxImporter) format() Format { return FormatNetBox }

func (n *netboxImporter) pick(f []string, v *raw) {
	n.cols.pick(f, v)
	if strings.EqualFold(v.vrf, "global") {
		v.vrf = ""
	} else if n.export {
		v.vrf = netboxVRFName(v.vrf)
	}
}

// netboxVRFName strips the route distinguisher from the UI's VRF display
// value, "name (rd)" (VRF.__str__); an RD has a colon (RFC 4364).
func netboxVRFName(s string) string {
	if !strings.HasSuffix(s, ")") {
		return s
	}
	i := strings.LastIndex(s, " (")
	if i <= 0 {
		return s
	}
	rd := s[i+2 : len(s)-1]
	if !strings.Contains(rd, ":") || strings.ContainsAny(rd, " ()") {
		return s
	}
	return strings.TrimSpace(s[:i])
}

// addr accepts the address with its prefix length, as NetBox writes it, or
// without one (a hand-made file), which gives no prefix.
func (*netboxImporter) addr(s string) (netip.Addr, netip.Prefix, error) { return parseAddr(s, true) }

func (*netboxImporter) status(s string) (Status, error) {
	if s == "" {
		return StatusActive, nil // the model's default
	}
	if st, ok := lookup(netboxStatus, s); ok {
		return st, nil
	}
	return 0, fmt.Errorf("unknown NetBox status %s (want active, reserved, deprecated, dhcp or slaac)", rdns.Quote(s, 80))
}

// netboxPrefixImporter reads NetBox prefixes, in the import field format
// or the UI table export.
type netboxPrefixImporter struct{ pcols }

func (*netboxPrefixImporter) format() Format { return FormatNetBox }

// pick reads the VRF as in both shapes: "Global" or empty is the global
// table, and the UI's "name (rd)" is the name (an import names the VRF,
// and a name ending in an RD in parentheses is read as that name too).
func (n *netboxPrefixImporter) pick(f []string, v *raw) {
	n.pcols.pick(f, v)
	if strings.EqualFold(v.vrf, "global") {
		v.vrf = ""
	} else {
		v.vrf = netboxVRFName(v.vrf)
	}
}

func (*netboxPrefixImporter) block(v *raw) (netip.Prefix, bool, error) {
	p, err := parseBlock(v.prefix, "")
	return p, false, err
}

func (*netboxPrefixImporter) status(s string) (Status, error) {
	if s == "" {
		return StatusActive, nil // the model's default
	}
	if st, ok := lookup(netboxPrefixStatus, s); ok {
		return st, nil
	}
	return 0, fmt.Errorf("unknown NetBox prefix status %s (want container, active, reserved or deprecated)", rdns.Quote(s, 80))
}
