package ipam

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
)

// Status is the state of an address in the IPAM.
type Status uint8

// The statuses every format is mapped to. The zero value is StatusActive,
// which is also what an empty status means.
const (
	StatusActive     Status = iota // in use, should have a PTR
	StatusReserved                 // set aside, in use for the purpose of PTR checks
	StatusDHCP                     // dynamic pool address (NetBox dhcp and slaac, phpIPAM DHCP)
	StatusDeprecated               // recorded but going away (NetBox deprecated, phpIPAM Offline)
	StatusFree                     // recorded as available
	StatusContainer                // a prefix that holds other prefixes (NetBox container); prefixes only
)

var statusNames = [...]string{
	StatusActive:     "active",
	StatusReserved:   "reserved",
	StatusDHCP:       "dhcp",
	StatusDeprecated: "deprecated",
	StatusFree:       "free",
	StatusContainer:  "container",
}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// InUse reports whether the address is taken: active, reserved or dhcp.
func (s Status) InUse() bool {
	return s == StatusActive || s == StatusReserved || s == StatusDHCP
}

// Assigned reports whether a prefix with this status is given to someone
// and must be covered by reverse DNS: active or reserved.
func (s Status) Assigned() bool { return s == StatusActive || s == StatusReserved }

// PrefixRecord is one row of a prefix export (NetBox prefixes, phpIPAM
// subnets, a generic CSV with a prefix column and no address column): a
// block the IPAM assigns to a customer, or holds.
type PrefixRecord struct {
	Prefix      netip.Prefix // masked; a prefix with host bits is a bad row, never masked silently
	Customer    string       // tenant / customer / owner
	VRF         string       // "" means the global table
	Role        string       // NetBox role, as given
	Description string
	File        string // the export the row is in (the name given to Read)
	Line        int32  // 1-based physical line of the row in the source file
	Status      Status // active, reserved, deprecated, container (NetBox); what the IPAM says
}

// Where is the row's place, FILE:LINE, for findings and errors.
func (p *PrefixRecord) Where() string { return p.File + ":" + strconv.Itoa(int(p.Line)) }

// Record is one address row of an export. It is kept small (80 bytes plus
// its strings): an export can have millions of rows.
type Record struct {
	Addr     netip.Addr // parsed once, Unmap()ed
	Hostname string     // rdns.CanonicalHostname form (lower case, one trailing dot); "" when none
	Customer string     // tenant / customer / owner
	VRF      string     // "" means the global table
	Line     int32      // 1-based physical line of the row in the source file
	Status   Status     // what the IPAM says of the address
	// prefixBits+1 is the length of the containing prefix; 0 when unknown
	prefixBits uint8
}

// Prefix is the containing prefix when the export says it (masked); zero
// otherwise.
func (r *Record) Prefix() netip.Prefix {
	if r.prefixBits == 0 {
		return netip.Prefix{}
	}
	p, _ := r.Addr.Prefix(int(r.prefixBits) - 1)
	return p
}

// SetPrefix records the containing prefix (which must hold r.Addr).
func (r *Record) SetPrefix(p netip.Prefix) {
	if !p.IsValid() {
		r.prefixBits = 0
		return
	}
	r.prefixBits = uint8(p.Bits() + 1)
}

// Format names an export format.
type Format string

// The formats Read knows. The zero Format is FormatAuto.
const (
	FormatAuto    Format = "auto"
	FormatCSV     Format = "csv"
	FormatNetBox  Format = "netbox"
	FormatPhpIPAM Format = "phpipam"
)

// Columns maps the generic CSV format's fields to header names, compared
// case-insensitively. An empty name means the default (the field's own
// name: address, hostname, status, customer, prefix, vrf), which may be
// absent from the header; a name given here must be present. Only the
// address column is required.
type Columns struct{ Address, Hostname, Status, Customer, Prefix, VRF string }

// Options controls Read.
type Options struct {
	Format  Format  // "" or FormatAuto detects the format from the first line
	Columns Columns // for FormatCSV
	// VRFs lists the VRFs whose rows are kept: those that feed the public
	// reverse zones. Empty means only the global table. Names compare
	// case-insensitively; "global" (or "") names the global table.
	VRFs   []string
	Strict bool // the first malformed row is a fatal error
}

// Problem is a malformed row (skipped) or a warning, with its source line.
type Problem struct {
	File string
	Line int
	Msg  string
	// IsError marks a problem that makes the export incomplete: a row
	// skipped, a row that swallowed line breaks, a prefix that could not
	// be read, lines no row accounts for. A warning (a host name ignored)
	// leaves it false.
	IsError bool
}

func (p Problem) Error() string {
	if p.Line <= 0 {
		return p.File + ": " + p.Msg
	}
	return p.File + ":" + strconv.Itoa(p.Line) + ": " + p.Msg
}

// Export is what Read found in one export file.
type Export struct {
	Format   Format         // the format actually used
	Records  []Record       // in file order, only rows in the wanted VRFs
	Prefixes []netip.Prefix // distinct containing prefixes of those rows, sorted and masked
	// PrefixRecords are the rows of a prefix export, in file order, only
	// those in the wanted VRFs. One export file holds address rows
	// (Records) or prefix rows, not both; a Merge of several can hold both.
	// Prefixes does not list them: it is the space the address rows name.
	PrefixRecords []PrefixRecord
	// Sources are the files read, in order: Read gives one, Merge the
	// sources of every export merged. Records and PrefixRecords are in the
	// same order (see RecordFile).
	Sources  []Source
	Problems []Problem // malformed rows (skipped) and warnings, in file order
	Skipped  int       // rows dropped for being in another VRF
	// Lines is the number of physical lines of the input; Blank how many
	// of them are empty (encoding/csv skips those).
	Lines, Blank int
}

// Source is one export file of an Export and how many of its rows it holds.
type Source struct {
	File          string // the name given to Read ("stdin" for standard input, say)
	Format        Format
	Records       int  // address rows kept
	PrefixRecords int  // prefix rows kept
	PrefixExport  bool // the file is a prefix export (even one without rows)
}

// RecordFile returns the file Records[i] was read from, "" when i is out of
// range: a record's Line is a line of that file.
func (e *Export) RecordFile(i int) string {
	for _, s := range e.Sources {
		if i < s.Records {
			if i < 0 {
				return ""
			}
			return s.File
		}
		i -= s.Records
	}
	return ""
}

// HasErrors reports whether the read lost or misread something (see
// Problem.IsError): a fix that deletes or resets PTRs must not trust it.
func (e *Export) HasErrors() bool {
	for _, p := range e.Problems {
		if p.IsError {
			return true
		}
	}
	return false
}

// ReadFile reads the export at path; problems name the file by path.
func ReadFile(path string, opt Options) (*Export, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return read(f, path, opt, sizeOf(f))
}

// Read reads one export from r. name is the display name used in problems
// and errors. The error is a Problem (file:line: message) for a first line
// no format fits and for a malformed row with Options.Strict; otherwise it
// names the file and wraps the cause (empty or unreadable input).
func Read(r io.Reader, name string, opt Options) (*Export, error) {
	return read(r, name, opt, sizeOf(r))
}

// sizeOf returns the number of bytes r will yield when that is cheap to
// know, or 0. It only sizes the record slice.
func sizeOf(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }: // bytes.Reader, strings.Reader, bytes.Buffer
		return int64(v.Len())
	case *os.File:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return 0
}

func formatError(f Format) error {
	return fmt.Errorf("unknown IPAM format %q (want %s, %s, %s or %s)", f, FormatAuto, FormatCSV, FormatNetBox, FormatPhpIPAM)
}
