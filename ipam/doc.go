// Package ipam reads IP address exports from IPAM systems into one record
// model: an address (parsed once), the host name its PTR should carry, a
// status, the customer, the VRF, the containing prefix and the source line.
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
//
// An explicit format still picks the shape (NetBox import or UI export,
// phpIPAM admin or per-subnet) from the first line.
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
