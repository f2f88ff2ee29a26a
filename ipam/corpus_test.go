package ipam

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// corpusDir holds real NetBox and phpIPAM layouts with invented data,
// beside the repository (shared/corpus/ipam; see its README.md).
var corpusDir = filepath.Join("..", "..", "shared", "corpus", "ipam")

type fileCase struct {
	name     string
	file     string
	opt      Options
	format   Format
	records  int
	skipped  int
	problems []string // "line: substring", in order
	rows     []Record // records that must be present, found by line
	absent   []int    // lines that must not be records
}

func runFileCases(t *testing.T, dir string, tests []fileCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp, err := ReadFile(filepath.Join(dir, tt.file), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if exp.Format != tt.format {
				t.Errorf("Format = %q, want %q", exp.Format, tt.format)
			}
			if len(exp.Records) != tt.records || exp.Skipped != tt.skipped {
				t.Errorf("%d records, %d skipped; want %d, %d", len(exp.Records), exp.Skipped, tt.records, tt.skipped)
			}
			equalProblems(t, exp.Problems, tt.problems)
			byLine := map[int]Record{}
			for i, r := range exp.Records {
				byLine[int(r.Line)] = r
				if i > 0 && r.Line <= exp.Records[i-1].Line {
					t.Errorf("record lines out of order: %d after %d", r.Line, exp.Records[i-1].Line)
				}
			}
			for _, want := range tt.rows {
				got, ok := byLine[int(want.Line)]
				if !ok {
					t.Errorf("no record for line %d, want %+v", want.Line, want)
				} else if got != want {
					t.Errorf("line %d:\n got %+v\nwant %+v", want.Line, got, want)
				}
			}
			for _, l := range tt.absent {
				if r, ok := byLine[l]; ok {
					t.Errorf("line %d is a record, want none: %+v", l, r)
				}
			}
			for _, p := range exp.Problems {
				if !strings.HasPrefix(p.File, dir) {
					t.Errorf("problem names file %q", p.File)
				}
			}
		})
	}
}

// TestCorpus reads every file of the shared corpus; a file added there
// without a case here fails the test.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("IPAM corpus not found at %s (it lives in shared/corpus/ipam beside the repository): %v", corpusDir, err)
	}
	const (
		nbImport = "netbox_ip-addresses_import.csv"
		nbExport = "netbox_ip-addresses_export_current-view.csv"
		phpExp   = "phpipam_admin_ipaddr_export.csv"
		phpImp   = "phpipam_admin_ipaddr_import.csv"
		phpSub   = "phpipam_subnet_import_192.0.2.0_24.csv"
	)
	blue := Options{VRFs: []string{"Blue"}}
	both := Options{VRFs: []string{"blue", "RED"}}
	wildcard := `21: host name "*.wild.example.net" ignored: label "*": contains a wildcard`
	// The NetBox files hold the same 20 addresses in both shapes, on the same lines.
	netboxRows := []Record{
		rec(2, "192.0.2.1", "gw1.example.net.", StatusActive, "Acme Corp", "", "192.0.2.0/24"),
		rec(4, "192.0.2.11", "web-02.example.net.", StatusActive, "Acme Corp", "", "192.0.2.0/24"), // "Web frontend, second node"
		rec(5, "192.0.2.12", "", StatusReserved, "Acme Corp", "", "192.0.2.0/24"),
		rec(6, "192.0.2.53", "ns1.example.net.", StatusActive, "Acme Corp", "", "192.0.2.0/24"), // trailing dot in dns_name
		rec(7, "192.0.2.100", "", StatusDHCP, "", "", "192.0.2.0/24"),
		rec(11, "198.51.100.129", "old-mail.example.org.", StatusDeprecated, "Blue Tenant", "", "198.51.100.128/26"),
		rec(13, "203.0.113.0", "core-01-xe-0-0-1.example.net.", StatusActive, "", "", "203.0.113.0/31"), // /31 network address
		rec(15, "203.0.113.7", "lo0.core-01.example.net.", StatusActive, "", "", "203.0.113.7/32"),
		rec(16, "203.0.113.8", "", StatusActive, "", "", "203.0.113.8/32"),
		rec(19, "2001:db8::a:5", "", StatusDHCP, "Acme Corp", "", "2001:db8::/64"), // SLAAC
		rec(20, "2001:db8:0:53::53", "ns1.example.net.", StatusActive, "", "", "2001:db8:0:53::53/128"),
		rec(21, "2001:db8:ffff::dead:beef", "", StatusActive, "", "", "2001:db8:ffff::/64"), // wildcard dns_name dropped
	}
	blueRow := rec(9, "198.51.100.1", "fw-01.blue.example.org.", StatusActive, "Blue Tenant", "Blue", "198.51.100.0/25")
	redRow := rec(10, "198.51.100.1", "fw-02.red.example.org.", StatusActive, "Red Tenant", "Red", "198.51.100.0/25")

	tests := []fileCase{
		{
			name: "NetBox import", file: nbImport, format: FormatNetBox,
			records: 18, skipped: 2, problems: []string{wildcard},
			rows: netboxRows, absent: []int{1, 9, 10},
		},
		{
			name: "NetBox import, VRF Blue", file: nbImport, opt: blue, format: FormatNetBox,
			records: 1, skipped: 19, rows: []Record{blueRow},
		},
		{
			name: "NetBox import, VRFs Blue and Red (same address twice)", file: nbImport, opt: both, format: FormatNetBox,
			records: 2, skipped: 18, rows: []Record{blueRow, redRow},
		},
		{
			name: "NetBox import, forced format", file: nbImport, opt: Options{Format: FormatNetBox}, format: FormatNetBox,
			records: 18, skipped: 2, problems: []string{wildcard},
		},
		{
			name: "NetBox UI export (CRLF)", file: nbExport, format: FormatNetBox,
			records: 18, skipped: 2, problems: []string{wildcard},
			rows: netboxRows, absent: []int{1, 9, 10},
		},
		{
			name: "NetBox UI export, VRFs Blue and Red", file: nbExport, opt: both, format: FormatNetBox,
			records: 2, skipped: 18, rows: []Record{blueRow, redRow},
		},
		{
			name: "phpIPAM admin export", file: phpExp, format: FormatPhpIPAM,
			records: 7, skipped: 2,
			rows: []Record{
				rec(2, "192.0.2.1", "gw1.example.net.", StatusActive, "netops", "", "192.0.2.0/24"), // empty tag is Used
				rec(4, "192.0.2.12", "", StatusReserved, "", "", "192.0.2.0/24"),
				rec(5, "192.0.2.100", "", StatusDHCP, "", "", "192.0.2.0/24"),
				rec(8, "198.51.100.129", "old-mail.example.org.", StatusDeprecated, "", "", "198.51.100.128/26"), // Offline, VRF default
				rec(10, "2001:db8:0:53::53", "ns1.example.net.", StatusActive, "netops", "", "2001:db8:0:53::/64"),
			},
			absent: []int{1, 6, 7},
		},
		{
			name: "phpIPAM admin export, VRF Blue", file: phpExp, opt: blue, format: FormatPhpIPAM,
			records: 1, skipped: 8,
			rows: []Record{rec(6, "198.51.100.1", "fw-01.blue.example.org.", StatusActive, "secops", "Blue", "198.51.100.0/25")},
		},
		{
			name: "phpIPAM admin import", file: phpImp, format: FormatPhpIPAM,
			records: 14, skipped: 2,
			problems: []string{`8: host name "printer-2f" ignored: it has no domain`},
			rows: []Record{
				rec(4, "192.0.2.11", "web-02.example.net.", StatusActive, "webteam", "", "192.0.2.0/24"),
				rec(5, "192.0.2.12", "", StatusReserved, "", "", "192.0.2.0/24"),
				rec(6, "192.0.2.53", "ns1.example.net.", StatusActive, "netops", "", "192.0.2.0/24"), // NS1.Example.NET
				rec(8, "192.0.2.200", "", StatusActive, "facilities", "", "192.0.2.0/24"),
				rec(11, "198.51.100.129", "old-mail.example.org.", StatusDeprecated, "", "", "198.51.100.128/26"),
				rec(13, "203.0.113.0", "core-01-xe-0-0-1.example.net.", StatusActive, "", "", "203.0.113.0/31"),
				rec(17, "2001:db8:0:53::53", "ns1.example.net.", StatusActive, "netops", "", "2001:db8:0:53::/64"),
			},
			absent: []int{1, 9, 10},
		},
		{
			name: "phpIPAM admin import, VRFs Blue and Red", file: phpImp, opt: both, format: FormatPhpIPAM,
			records: 2, skipped: 14,
			rows: []Record{
				rec(9, "198.51.100.1", "fw-01.blue.example.org.", StatusActive, "secops", "Blue", "198.51.100.0/25"),
				rec(10, "198.51.100.1", "fw-02.red.example.org.", StatusActive, "secops", "Red", "198.51.100.0/25"),
			},
		},
		{
			name: "phpIPAM per-subnet import (';', template header)", file: phpSub, format: FormatPhpIPAM,
			records:  9,
			problems: []string{`9: host name "printer-2f" ignored: it has no domain`},
			rows: []Record{
				rec(2, "192.0.2.1", "gw1.example.net.", StatusActive, "netops", "", ""),
				rec(4, "192.0.2.11", "web-02.example.net.", StatusActive, "webteam", "", ""), // comma inside a ';' file
				rec(5, "192.0.2.12", "", StatusReserved, "", "", ""),
				rec(6, "192.0.2.53", "ns1.example.net.", StatusActive, "netops", "", ""), // empty state is Used
				rec(8, "192.0.2.101", "dhcp-101.example.net.", StatusDHCP, "", "", ""),
				rec(9, "192.0.2.200", "", StatusDeprecated, "facilities", "", ""), // Offline
				rec(10, "192.0.2.254", "vrrp-gw.example.net.", StatusActive, "netops", "", ""),
			},
			absent: []int{1},
		},
		{
			name: "phpIPAM per-subnet import, VRF Blue only", file: phpSub, opt: blue, format: FormatPhpIPAM,
			records: 0, skipped: 9,
		},
	}
	runFileCases(t, corpusDir, tests)

	t.Run("every corpus file has a case", func(t *testing.T) {
		files, err := filepath.Glob(filepath.Join(corpusDir, "*.csv"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if !slices.ContainsFunc(tests, func(c fileCase) bool { return c.file == filepath.Base(f) }) {
				t.Errorf("no test case reads %s", f)
			}
		}
	})

	t.Run("NetBox shapes agree", func(t *testing.T) {
		a, errA := ReadFile(filepath.Join(corpusDir, nbImport), both)
		b, errB := ReadFile(filepath.Join(corpusDir, nbExport), both)
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if !slices.Equal(a.Records, b.Records) || !slices.Equal(a.Prefixes, b.Prefixes) {
			t.Errorf("import and UI export differ:\n%+v\n%+v", a.Records, b.Records)
		}
	})

	t.Run("prefixes", func(t *testing.T) {
		exp, err := ReadFile(filepath.Join(corpusDir, phpExp), Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := []netip.Prefix{
			netip.MustParsePrefix("192.0.2.0/24"),
			netip.MustParsePrefix("198.51.100.128/26"),
			netip.MustParsePrefix("2001:db8::/64"),
			netip.MustParsePrefix("2001:db8:0:53::/64"),
		}
		if !slices.Equal(exp.Prefixes, want) {
			t.Errorf("Prefixes = %v, want %v", exp.Prefixes, want)
		}
	})

	t.Run("not in use", func(t *testing.T) {
		// reserved, dhcp, deprecated, Offline: the README's statuses that should not produce a PTR
		// are exactly those InUse or not as documented.
		exp, err := ReadFile(filepath.Join(corpusDir, phpSub), Options{})
		if err != nil {
			t.Fatal(err)
		}
		var notInUse []string
		for _, r := range exp.Records {
			if !r.Status.InUse() {
				notInUse = append(notInUse, r.Addr.String())
			}
		}
		if want := []string{"192.0.2.200"}; !slices.Equal(notInUse, want) {
			t.Errorf("not in use: %v, want %v", notInUse, want)
		}
	})
}

// TestTestdata reads the hand-made inputs under testdata/, row by row.
func TestTestdata(t *testing.T) {
	dir := "testdata"
	tests := []fileCase{
		{
			name: "generic: BOM, CRLF, synonyms, problems", file: "generic.csv", format: FormatCSV,
			records: 9, skipped: 1,
			problems: []string{
				`7: bad address "192.0.2.300"; row skipped`,
				`8: unknown status "sold"; row skipped`,
				`9: 3 fields where the first line has 7; row skipped`,
				`10: host name "under_score.example.net" ignored: label "under_score": contains an underscore`,
				`14: prefix 198.51.100.0/24 does not contain 203.0.113.5; prefix ignored`,
			},
			rows: []Record{
				rec(2, "192.0.2.1", "gw.example.net.", StatusActive, "Acme", "", "192.0.2.0/24"),
				rec(3, "192.0.2.2", "web.example.net.", StatusActive, "Acme", "", "192.0.2.0/24"),
				rec(4, "192.0.2.3", "", StatusReserved, "", "", "192.0.2.0/24"),
				rec(6, "192.0.2.4", "host-4.example.net.", StatusFree, "", "", "192.0.2.0/24"),
				rec(10, "192.0.2.8", "", StatusActive, "", "", "192.0.2.0/24"),
				rec(12, "198.51.100.10", "mapped.example.net.", StatusActive, "", "", "198.51.100.0/24"),
				rec(13, "2001:db8::1", "v6.example.net.", StatusDHCP, "", "", "2001:db8::/64"),
				rec(14, "203.0.113.5", "stray.example.net.", StatusActive, "", "", ""),
				rec(16, "203.0.113.6", "ptr.example.net.", StatusDeprecated, "Globex", "", "203.0.113.0/25"),
			},
			absent: []int{5, 7, 8, 9, 11, 15},
		},
		{
			name: "generic: VRF Blue", file: "generic.csv", opt: Options{VRFs: []string{"Blue"}}, format: FormatCSV,
			records: 1, skipped: 11,
			// The field count is checked before the VRF; the other bad rows are in the global table.
			problems: []string{`9: 3 fields where the first line has 7; row skipped`},
			rows:     []Record{rec(11, "198.51.100.9", "vpn.example.net.", StatusActive, "Blue Tenant", "Blue", "198.51.100.0/24")},
		},
		{
			name: "generic: own columns, ';'", file: "generic_columns.csv", format: FormatCSV,
			opt:     Options{Columns: Columns{Address: "IP", Hostname: "fqdn", Status: "State", Customer: "owner", Prefix: "net"}},
			records: 3,
			problems: []string{
				`3: host name "smtp;relay.example.net" ignored`,
			},
			rows: []Record{
				rec(2, "192.0.2.20", "mail.example.net.", StatusActive, "Acme", "", "192.0.2.0/24"),
				rec(3, "192.0.2.21", "", StatusActive, "Acme", "", "192.0.2.0/24"),
				rec(4, "192.0.2.22", "", StatusFree, "", "", "192.0.2.0/24"),
			},
		},
		{
			name: "NetBox import: upstream test columns", file: "netbox_import_vrf.csv", format: FormatNetBox,
			records: 3, skipped: 1,
			problems: []string{`5: unknown NetBox status "Offline"`},
			rows: []Record{
				rec(2, "192.0.2.10", "", StatusActive, "", "", "192.0.2.0/24"),
				rec(4, "2001:db8::5", "", StatusDHCP, "", "", "2001:db8::/64"),
				rec(6, "192.0.2.12", "", StatusDeprecated, "", "", "192.0.2.12/32"),
			},
		},
		{
			name: "NetBox UI export: all data, VRF with RD", file: "netbox_export_alldata.csv", format: FormatNetBox,
			records: 4, skipped: 1,
			problems: []string{`7: host name "_vip.example.net" ignored: label "_vip": contains an underscore`},
			rows: []Record{
				rec(2, "192.0.2.33", "app-33.example.net.", StatusActive, "Acme Corp", "", "192.0.2.0/24"),
				rec(4, "192.0.2.34", "", StatusReserved, "Acme Corp", "", "192.0.2.0/24"), // after a two-line cell
				rec(7, "192.0.2.35", "", StatusActive, "", "", "192.0.2.0/24"),
				rec(8, "2001:db8::35", "dhcp-35.example.net.", StatusDHCP, "", "", "2001:db8::/64"),
			},
		},
		{
			name: "NetBox UI export: VRF named without its RD", file: "netbox_export_alldata.csv", format: FormatNetBox,
			opt: Options{VRFs: []string{"blue"}}, records: 1, skipped: 4,
			rows: []Record{rec(3, "198.51.100.33", "app-33.blue.example.org.", StatusActive, "Blue Tenant", "Blue", "198.51.100.0/25")},
		},
		{
			name: "phpIPAM per-subnet: no header, ','", file: "phpipam_subnet_comma.csv", format: FormatPhpIPAM,
			records: 4,
			problems: []string{
				`3: address "203.0.113.3/25" has a prefix length; row skipped`,
				`5: unknown phpIPAM tag "Quarantine"`,
			},
			rows: []Record{
				rec(1, "203.0.113.1", "rtr-1.example.net.", StatusActive, "netops", "", ""),
				rec(2, "203.0.113.2", "srv-2.example.net.", StatusActive, "", "", ""),
				rec(4, "203.0.113.4", "", StatusReserved, "", "", ""),
				rec(6, "203.0.113.6", "srv-6.example.net.", StatusDeprecated, "", "", ""),
			},
		},
		{
			name: "phpIPAM admin: ';', BOM, CRLF", file: "phpipam_admin_semicolon.csv", format: FormatPhpIPAM,
			records: 3, skipped: 1,
			problems: []string{
				`3: 13 fields where the first line has 12; row skipped`,
				`4: host name "192.0.2.41" ignored: "192.0.2.41" is an IP address`,
				`6: prefix 198.51.100.0/24 does not contain 192.0.2.42; prefix ignored`,
			},
			rows: []Record{
				rec(2, "192.0.2.40", "host-40.example.net.", StatusActive, "acme", "", "192.0.2.0/24"),
				rec(4, "192.0.2.41", "", StatusDHCP, "acme", "", "192.0.2.0/24"),
				rec(6, "192.0.2.42", "host-42.example.net.", StatusActive, "acme", "", ""),
			},
		},
	}
	runFileCases(t, dir, tests)

	t.Run("every testdata file has a case", func(t *testing.T) {
		files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if !slices.ContainsFunc(tests, func(c fileCase) bool { return c.file == filepath.Base(f) }) {
				t.Errorf("no test case reads %s", f)
			}
		}
	})
}
