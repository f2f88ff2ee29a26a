// Package ipam reads IP address exports from IPAM systems into one record
// model: an address (parsed once), the host name its PTR should carry, a
// status, the customer, the VRF, the containing prefix and the source line.
// It reads prefix exports too (NetBox prefixes, phpIPAM subnets, a generic
// CSV of prefixes): each row a [PrefixRecord], the block the IPAM assigns
// to a customer or holds (see Prefix exports below). One file holds address
// rows or prefix rows; [Merge] joins the exports of several files.
//
// # Formats
//
// All formats are CSV: RFC 4180 quoting, UTF-8 with or without a byte-order
// mark (UTF-16 is refused), LF, CRLF or classic Mac CR line ends. Quoted
// fields may hold delimiters and line breaks; a stray quote inside an
// unquoted field is kept as text. The delimiter is taken from the first
// line: the most frequent of ',', ';' and tab outside double quotes,
// preferring ',' then ';' on a tie (phpIPAM's own rule for its imports, for
// ',' against ';'). Every row must have as many fields as the first line.
// Rows whose fields are all empty are ignored.
//
//   - FormatCSV, a generic CSV with a header row. Columns are found by header
//     name, case-insensitively, through [Columns] (defaults address, hostname,
//     status, customer, prefix, vrf). Only the address column is required; a
//     column named explicitly in Columns must exist. The address may carry a
//     prefix length ("192.0.2.7/24"), which gives the containing prefix when
//     there is no prefix column. Status words: active, used, assigned,
//     allocated, online, in use -> active; reserved; dhcp, slaac, dynamic ->
//     dhcp; deprecated, offline, decommissioned -> deprecated; free,
//     available, unused, unassigned, unallocated -> free; empty -> active.
//     A VRF of "global" is the global table.
//
//   - FormatNetBox, both shapes NetBox writes. The import ("CSV") field format
//     has field names as its header (address, vrf, tenant, status, dns_name,
//     ... in any order and any subset); the UI table export has verbose names
//     (IP Address, VRF, Status, Role, Tenant, Assigned, DNS name, Description,
//     and more in "All data" exports). The address always carries the
//     interface's prefix length, which gives the containing prefix
//     ("198.51.100.44/24" -> 198.51.100.0/24). Status slugs or labels:
//     active, reserved, deprecated, dhcp, and slaac (read as dhcp); empty ->
//     active. VRF "Global" or empty is the global table; the UI export's
//     "name (rd)" form is read as the name. dns_name is checked as a host
//     name, which NetBox's own validator is not ("*" and "_" pass there).
//
//   - FormatPhpIPAM, both of phpIPAM's layouts. The admin IP address
//     import/export (Section, IP Address, Hostname, Description, VRF, Subnet,
//     MAC, Owner, Device, Note, Tag, Gateway/Is_Gateway, custom fields) is read
//     by header name; VRF "default" is the global table and Subnet gives the
//     containing prefix. The per-subnet import is positional (ip address, ip
//     state, description, hostname, fw_object, mac, owner, device, port, note,
//     location, custom fields) with an optional header line. Tags: Used and
//     Online -> active, Reserved -> reserved, DHCP -> dhcp, Offline ->
//     deprecated (the address is still recorded, its PTR should go), and
//     phpIPAM's numeric state ids 1-4 likewise; an empty tag is Used, because
//     phpIPAM's export leaves the tag of "Used" addresses empty. Addresses
//     must be written without a prefix length (phpIPAM drops such rows).
//     Owner is the customer. Host names are free text in phpIPAM: a name
//     without a domain ("printer-2f") cannot be made fully qualified, so it is
//     dropped with a warning like any other invalid name.
//
// # Prefix exports
//
// A header with no address column of any layout (see Detection) but a
// prefix column is a prefix export. Its rows become Export.PrefixRecords
// (Records and Prefixes stay empty: Prefixes is the space that address rows
// name). The prefix must be a network: a prefix with host bits
// (2001:db8::1/56) is a malformed row, reported at its line and skipped,
// never masked into a guess. IPv4-mapped prefixes of /96 or longer are read
// as the IPv4 prefix they map. The status, customer, VRF, role and
// description are as the layout says; every rule of rows (below) holds.
//
//   - FormatCSV: the column Columns.Prefix (default prefix), and status,
//     customer and vrf through Columns as for addresses, role and
//     description by those names. Status words: those of addresses, and
//     container; empty -> active.
//
//   - FormatNetBox, both shapes. The import field format
//     (netbox/ipam/forms/bulk_import.py PrefixImportForm: prefix, vrf,
//     tenant, vlan_group, vlan_site, vlan, status, role, scope_type,
//     scope_name, scope_id, is_pool, mark_utilized, description, owner,
//     comments, tags, and bulk update's id) and the UI table export
//     (netbox/ipam/tables/ip.py PrefixTable verbose names: Prefix, Prefix
//     (Flat), Depth, ID, Status, Children, VRF, Utilization, Tenant, Tenant
//     Group, Scope, Scope Type, VLAN Group, VLAN, Role, Pool, Marked
//     Utilized, Description, Contacts, Comments, Tags, Owner, Owner Group,
//     Created, Last updated) share the names rdnsctl reads, and are read
//     alike: tenant is the customer; status slugs or labels of
//     PrefixStatusChoices, any case: container, active, reserved,
//     deprecated; empty -> active. VRF "Global" or empty is the global
//     table, and "name (rd)" (the UI's display of a VRF) is read as the
//     name in both shapes.
//
//   - FormatPhpIPAM: the admin subnet export
//     (app/admin/import-export/export-subnets.php: Section, Subnet,
//     Description, VLAN, VLAN Domain, VRF, Master Subnet, Requests, Host
//     check, Discover, custom fields) and the subnet import template
//     (import-template.php: Section, Subnet, Mask, Description, VLAN,
//     Domain, VRF, custom fields; or its field keys). Subnet is CIDR
//     ("2001:db8::/48"), or an address with a Mask column holding a length
//     or an IPv4 netmask (255.255.255.0); a CIDR Subnet wins over Mask, as
//     in phpIPAM's import. A row whose Subnet is "NAME (folder)" is a
//     folder, not a block, and is ignored. VRF "default" or empty is the
//     global table. The customer is a custom field named Customer, Owner
//     or Tenant when there is one (phpIPAM's export has no customer
//     column). A phpIPAM subnet has no status: every subnet is active
//     (unless a custom field named Status says otherwise, in the generic
//     CSV's words), except that a
//     subnet other rows of its VRF name as their Master Subnet is a
//     container (it holds its customers' subnets and is not assigned
//     itself); a Master Subnet of "/" (none) or "NAME [folder]" marks
//     nothing, and one that is no prefix is a warning.
//
// # Detection
//
// With FormatAuto (or ""), the first line decides:
//
//  1. If its first field is an IP address, or it has the per-subnet
//     template's "ip state" or "fw_object" columns, the file is phpIPAM's
//     per-subnet import (a header line is skipped, as phpIPAM does).
//  2. Otherwise it is a header. Each layout whose address column is present
//     (generic: Columns.Address; NetBox import: address; NetBox UI export
//     and phpIPAM admin: IP Address) scores the number of header names it
//     knows; the highest score wins, ties going to the generic CSV, then
//     NetBox import, NetBox UI export and phpIPAM admin, in that order.
//  3. Only when no layout has its address column is it a prefix export:
//     the generic CSV (Columns.Prefix), NetBox (prefix or "Prefix (Flat)")
//     and phpIPAM subnets (Subnet) score the same way, ties going to the
//     generic CSV, then NetBox, then phpIPAM. So an address export is never
//     read as a prefix export, whatever prefix or subnet column it has.
//
// An explicit format still picks the shape (NetBox import or UI export,
// phpIPAM admin or per-subnet, address or prefix rows) from the first line:
// address rows when the layout's address column is there, else prefix rows
// when its prefix column is.
//
// # Rows
//
// A malformed row (bad address, wrong number of fields, unknown status) is
// reported as a [Problem] and skipped, or with Options.Strict ends the read
// with that problem as the error. This includes rows of phpIPAM's
// per-subnet import that phpIPAM itself drops silently (an address with a
// mask, say). Addresses are unmapped (::ffff:192.0.2.1 is 192.0.2.1); an
// address with a zone is malformed.
//
// A host name that fails rdns.CheckHostname, or that has a single label (no
// domain to make it fully qualified with), is a warning: the record is kept
// without a name. Kept names are in rdns.CanonicalHostname form.
//
// Rows in a VRF not listed in Options.VRFs are counted in Export.Skipped and
// not checked further (only their number of fields is).
package ipam
