package ipam

import (
	"fmt"
	"net/netip"
	"strings"
)

// header maps the lower-cased, trimmed names of a header row to their
// column; the first of two equal names wins.
type header map[string]int

func newHeader(fields []string) header {
	h := make(header, len(fields))
	for i, f := range fields {
		k := strings.ToLower(strings.TrimSpace(f))
		if _, dup := h[k]; !dup && k != "" {
			h[k] = i
		}
	}
	return h
}

// col returns the column of the first of names present, or -1.
func (h header) col(names ...string) int {
	for _, n := range names {
		if i, ok := h[n]; ok {
			return i
		}
	}
	return -1
}

// score counts the header names that are among known.
func (h header) score(known []string) int {
	n := 0
	for _, k := range known {
		if _, ok := h[k]; ok {
			n++
		}
	}
	return n
}

// choose returns the importer for a file whose first row is fields, and
// whether that row is data rather than a header.
func choose(opt Options, fields []string) (importer, bool, error) {
	h := newHeader(fields)
	f := opt.Format
	switch f {
	case "", FormatAuto:
		f = detect(h, fields, opt.Columns)
		if f == "" {
			return nil, false, fmt.Errorf("cannot tell the export format: the first line has no address column (%s), no prefix column (%s) and is no phpIPAM per-subnet row; set the format (and for CSV the columns)",
				strings.Join(addressNames(opt.Columns), ", "), strings.Join(prefixNames(opt.Columns), ", "))
		}
	case FormatCSV, FormatNetBox, FormatPhpIPAM:
	default:
		return nil, false, formatError(f)
	}
	switch f {
	case FormatCSV:
		imp, err := newCSV(h, opt.Columns)
		return imp, false, err
	case FormatNetBox:
		imp, err := newNetBox(h)
		return imp, false, err
	default:
		imp, data := newPhpIPAM(h, fields)
		return imp, data, nil
	}
}

// detect picks a format from the first row (see the package doc), or "".
func detect(h header, fields []string, cols Columns) Format {
	if phpipamPositional(h, fields) {
		return FormatPhpIPAM
	}
	cols = cols.withDefaults()
	best, bestScore := Format(""), 0
	try := func(f Format, addrCol string, known []string) {
		if _, ok := h[addrCol]; !ok {
			return
		}
		if s := h.score(known); s > bestScore {
			best, bestScore = f, s
		}
	}
	try(FormatCSV, strings.ToLower(cols.Address), cols.names())
	try(FormatNetBox, "address", netboxImportNames)
	try(FormatNetBox, "ip address", netboxExportNames)
	try(FormatPhpIPAM, "ip address", phpipamNames)
	try(FormatPhpIPAM, "ip_addr", phpipamNames)
	if best != "" {
		return best
	}
	// No address column: a prefix export, if it has a prefix column.
	try(FormatCSV, strings.ToLower(strings.TrimSpace(cols.Prefix)), cols.prefixNames())
	try(FormatNetBox, "prefix", netboxPrefixNames)
	try(FormatNetBox, "prefix (flat)", netboxPrefixNames)
	try(FormatPhpIPAM, "subnet", phpipamSubnetNames)
	return best
}

// prefixNames lists the prefix column names detection looks for.
func prefixNames(c Columns) []string {
	names := []string{strings.TrimSpace(c.withDefaults().Prefix)}
	for _, n := range []string{"prefix", "Subnet"} {
		if !strings.EqualFold(n, names[0]) {
			names = append(names, n)
		}
	}
	return names
}

// addressNames lists the address column names detection looks for.
func addressNames(c Columns) []string {
	names := []string{strings.TrimSpace(c.withDefaults().Address)}
	for _, n := range []string{"address", "IP Address", "ip_addr"} {
		if !strings.EqualFold(n, names[0]) {
			names = append(names, n)
		}
	}
	return names
}

// phpipamPositional reports whether the first row is that of phpIPAM's
// per-subnet import: data (its first field an address) or the header
// of phpIPAM's template.
func phpipamPositional(h header, fields []string) bool {
	if len(fields) > 0 {
		if _, err := netip.ParseAddr(strings.TrimSpace(fields[0])); err == nil {
			return true
		}
	}
	return h.col("ip state", "fw_object") >= 0
}

// field returns the trimmed field i of a row, or "" when i is -1 or past
// the end.
func field(fields []string, i int) string {
	if i < 0 || i >= len(fields) {
		return ""
	}
	return strings.TrimSpace(fields[i])
}

// cols holds the column of each value a layout maps, -1 when absent.
type cols struct{ addr, host, status, customer, vrf, prefix int }

func (c *cols) pick(f []string, v *raw) {
	v.addr = field(f, c.addr)
	v.host = field(f, c.host)
	v.status = field(f, c.status)
	v.customer = field(f, c.customer)
	v.vrf = field(f, c.vrf)
	v.prefix = field(f, c.prefix)
}

// word is one entry of a status vocabulary.
type word struct {
	text   string
	status Status
}

// lookup finds text in a vocabulary, case-insensitively, without
// allocating.
func lookup(vocab []word, text string) (Status, bool) {
	for _, w := range vocab {
		if len(w.text) == len(text) && strings.EqualFold(w.text, text) {
			return w.status, true
		}
	}
	return 0, false
}
