package ipam

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// prefixDir holds the prefix exports, apart from the address exports of
// testdata/ (TestTestdata reads every file there as one).
var prefixDir = filepath.Join("testdata", "prefix")

// prec builds an expected prefix row (File is filled in by the caller).
func prec(line int, prefix string, st Status, customer, vrf, role, desc string) PrefixRecord {
	return PrefixRecord{Prefix: netip.MustParsePrefix(prefix), Status: st, Customer: customer, VRF: vrf, Role: role, Description: desc, Line: int32(line)}
}

type prefixCase struct {
	name     string
	file     string
	in       string // when file is ""
	opt      Options
	format   Format
	want     []PrefixRecord // every row, in order
	skipped  int
	problems []string // "line: substring", in order
	errors   int      // how many of the problems are errors
}

func runPrefixCases(t *testing.T, tests []prefixCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				exp  *Export
				err  error
				name = "in.csv"
			)
			if tt.file != "" {
				name = filepath.Join(prefixDir, tt.file)
				exp, err = ReadFile(name, tt.opt)
			} else {
				exp, err = Read(strings.NewReader(tt.in), name, tt.opt)
			}
			if err != nil {
				t.Fatal(err)
			}
			if exp.Format != tt.format {
				t.Errorf("Format = %q, want %q", exp.Format, tt.format)
			}
			if len(exp.Records) != 0 || len(exp.Prefixes) != 0 {
				t.Errorf("a prefix export gave %d address records and prefixes %v", len(exp.Records), exp.Prefixes)
			}
			want := slices.Clone(tt.want)
			for i := range want {
				want[i].File = name
			}
			if len(exp.PrefixRecords) != len(want) {
				t.Errorf("got %d prefix records, want %d: %+v", len(exp.PrefixRecords), len(want), exp.PrefixRecords)
			}
			for i := range min(len(exp.PrefixRecords), len(want)) {
				if exp.PrefixRecords[i] != want[i] {
					t.Errorf("prefix record %d:\n got %+v\nwant %+v", i, exp.PrefixRecords[i], want[i])
				}
			}
			if exp.Skipped != tt.skipped {
				t.Errorf("Skipped = %d, want %d", exp.Skipped, tt.skipped)
			}
			equalProblems(t, exp.Problems, tt.problems)
			n := 0
			for _, p := range exp.Problems {
				if p.IsError {
					n++
				}
				if p.File != name {
					t.Errorf("problem names file %q, want %q", p.File, name)
				}
			}
			if n != tt.errors || exp.HasErrors() != (n > 0) {
				t.Errorf("%d error problems (HasErrors %v), want %d", n, exp.HasErrors(), tt.errors)
			}
			if want := []Source{{File: name, Format: tt.format, PrefixRecords: len(want), PrefixExport: true}}; !slices.Equal(exp.Sources, want) {
				t.Errorf("Sources = %+v, want %+v", exp.Sources, want)
			}
		})
	}
}

// The NetBox prefix files hold the same rows in both shapes, on the same
// lines.
var netboxPrefixRows = []PrefixRecord{
	prec(2, "2001:db8:100::/40", StatusContainer, "", "", "", "Business customers"),
	prec(3, "2001:db8:100::/48", StatusActive, "Acme Corp", "", "Customer", "Acme HQ, Berlin"),
	prec(4, "2001:db8:101:a00::/56", StatusActive, "Globex", "", "Customer", "Globex branch"),
	prec(5, "2001:db8:101:b00::/56", StatusReserved, "Initech", "", "Customer", "held for Initech"), // a comment of two lines
	prec(7, "2001:db8:102::/50", StatusActive, "Umbrella", "", "", ""),
	prec(9, "2001:db8:104::/56", StatusDeprecated, "Soylent", "", "", "leaving"),
	prec(10, "2001:db8:105::/64", StatusActive, "Vandelay", "", "", "status empty"),
	prec(14, "192.0.2.0/24", StatusActive, "Acme Corp", "", "Infrastructure", ""),
}

var netboxPrefixProblems = []string{
	`8: 2001:db8:103::1/56 is not a network: did you mean the address 2001:db8:103::1 or the network 2001:db8:103::/56?; row skipped`,
	`12: (want container, active, reserved or deprecated); row skipped`,
}

func TestPrefixTestdata(t *testing.T) {
	blueNetBox := []PrefixRecord{prec(11, "2001:db8:106::/56", StatusActive, "Blue Tenant", "Blue", "", "in VRF Blue")}
	tests := []prefixCase{
		{
			name: "NetBox import", file: "netbox_prefixes_import.csv", format: FormatNetBox,
			want: netboxPrefixRows, skipped: 1, problems: netboxPrefixProblems, errors: 2,
		},
		{
			name: "NetBox import, VRF Blue", file: "netbox_prefixes_import.csv", format: FormatNetBox,
			opt:  Options{VRFs: []string{"blue"}},
			want: blueNetBox, skipped: 10,
		},
		{
			name: "NetBox UI export (CRLF, labels, VRF with RD)", file: "netbox_prefixes_export.csv", format: FormatNetBox,
			want: netboxPrefixRows, skipped: 1, problems: netboxPrefixProblems, errors: 2,
		},
		{
			name: "NetBox UI export, VRF Blue", file: "netbox_prefixes_export.csv", format: FormatNetBox,
			opt:  Options{VRFs: []string{"Blue"}},
			want: blueNetBox, skipped: 10,
		},
		{
			name: "NetBox import, forced format", file: "netbox_prefixes_import.csv", format: FormatNetBox,
			opt:  Options{Format: FormatNetBox},
			want: netboxPrefixRows, skipped: 1, problems: netboxPrefixProblems, errors: 2,
		},
		{
			name: "phpIPAM subnet export: folders, master subnets", file: "phpipam_subnets_export.csv", format: FormatPhpIPAM,
			want: []PrefixRecord{
				// line 2 is a folder: no block
				prec(3, "2001:db8:200::/48", StatusContainer, "", "", "", "Business pool"), // master of lines 4 and 5
				prec(4, "2001:db8:200:100::/56", StatusActive, "Acme Corp", "", "", "Acme office"),
				prec(5, "2001:db8:200:200::/56", StatusActive, "Globex", "", "", "Globex office"),
				prec(6, "2001:db8:201::/52", StatusActive, "Initech", "", "", "Initech"),
				prec(7, "2001:db8:202::/64", StatusActive, "", "", "", "In a folder"),
				prec(10, "2001:db8:205::/56", StatusActive, "", "", "", "odd master"),
				prec(11, "198.51.100.0/24", StatusActive, "", "", "", "Servers"),
			},
			skipped: 1,
			problems: []string{
				`9: 2001:db8:204::1/56 is not a network`,
				`10: master subnet: "somewhere" is not a CIDR network; ignored`,
			},
			errors: 1,
		},
		{
			name: "phpIPAM subnet export, VRF Blue: its master is not read", file: "phpipam_subnets_export.csv", format: FormatPhpIPAM,
			opt:     Options{VRFs: []string{"Blue"}},
			want:    []PrefixRecord{prec(8, "2001:db8:203::/56", StatusActive, "Blue Tenant", "Blue", "", "Blue customer")},
			skipped: 9,
		},
		{
			name: "phpIPAM subnet import: ';', BOM, CRLF, masks", file: "phpipam_subnets_import.csv", format: FormatPhpIPAM,
			want: []PrefixRecord{
				prec(2, "2001:db8:300::/48", StatusActive, "", "", "", "Business pool"), // VRF default
				prec(3, "2001:db8:300:100::/56", StatusActive, "", "", "", "Acme"),
				prec(4, "2001:db8:300:200::/56", StatusActive, "", "", "", "CIDR in the subnet column"),
				prec(5, "2001:db8:300:300::/56", StatusActive, "", "", "", "CIDR wins over the mask"),
				prec(6, "192.0.2.0/25", StatusActive, "", "", "", "netmask"),
			},
			skipped: 1,
			problems: []string{
				`7: netmask "255.0.255.0" is not contiguous; row skipped`,
				`8: 192.0.2.200/25 is not a network`,
				`9: subnet "2001:db8:300:400::" has no mask`,
				`10: mask "129" out of range for 2001:db8:300:500::`,
			},
			errors: 4,
		},
		{
			name: "generic prefixes: synonyms, container, bad rows", file: "generic_prefixes.csv", format: FormatCSV,
			want: []PrefixRecord{
				prec(2, "2001:db8:400::/48", StatusContainer, "", "", "", "aggregate"),
				prec(3, "2001:db8:400:100::/56", StatusActive, "Acme", "", "business", ""), // VRF global
				prec(4, "2001:db8:400:200::/56", StatusReserved, "Globex", "", "business", "two\nlines"),
				prec(6, "2001:db8:400:300::/60", StatusFree, "", "", "", ""),
				prec(7, "2001:db8:400:400::/56", StatusDeprecated, "Initech", "", "", ""),
				prec(11, "192.0.2.0/24", StatusActive, "Mapped", "", "", ""), // ::ffff:192.0.2.0/120
			},
			skipped: 1,
			problems: []string{
				`8: unknown status "sold"; row skipped`,
				`10: prefix "2001:db8:400:700::" has no length; row skipped`,
				`12: 3 fields where the first line has 6; row skipped`,
			},
			errors: 3,
		},
	}
	runPrefixCases(t, tests)

	t.Run("every prefix testdata file has a case", func(t *testing.T) {
		files, err := filepath.Glob(filepath.Join(prefixDir, "*.csv"))
		if err != nil || len(files) == 0 {
			t.Fatal(files, err)
		}
		for _, f := range files {
			if !slices.ContainsFunc(tests, func(c prefixCase) bool { return c.file == filepath.Base(f) }) {
				t.Errorf("no test case reads %s", f)
			}
		}
	})

	t.Run("NetBox shapes agree", func(t *testing.T) {
		opt := Options{VRFs: []string{"global", "Blue"}}
		a, errA := ReadFile(filepath.Join(prefixDir, "netbox_prefixes_import.csv"), opt)
		b, errB := ReadFile(filepath.Join(prefixDir, "netbox_prefixes_export.csv"), opt)
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		strip := func(rs []PrefixRecord) []PrefixRecord {
			rs = slices.Clone(rs)
			for i := range rs {
				rs[i].File = ""
			}
			return rs
		}
		if len(a.PrefixRecords) != 9 || !slices.Equal(strip(a.PrefixRecords), strip(b.PrefixRecords)) {
			t.Errorf("import and UI export differ:\n%+v\n%+v", a.PrefixRecords, b.PrefixRecords)
		}
	})
}

func TestPrefixRows(t *testing.T) {
	const head = "prefix,status,customer,vrf,role,description\n"
	tests := []prefixCase{
		{
			name: "NetBox statuses, slug or label, any case", format: FormatNetBox,
			in: "prefix,tenant,status\n2001:db8::/48,,container\n2001:db8:1::/56,A,Active\n2001:db8:2::/56,B,RESERVED\n" +
				"2001:db8:3::/56,C,Deprecated\n2001:db8:4::/56,D,dhcp\n2001:db8:5::/56,E,free\n",
			want: []PrefixRecord{
				prec(2, "2001:db8::/48", StatusContainer, "", "", "", ""),
				prec(3, "2001:db8:1::/56", StatusActive, "A", "", "", ""),
				prec(4, "2001:db8:2::/56", StatusReserved, "B", "", "", ""),
				prec(5, "2001:db8:3::/56", StatusDeprecated, "C", "", "", ""),
			},
			problems: []string{`6: unknown NetBox prefix status "dhcp"`, `7: unknown NetBox prefix status "free"`},
			errors:   2,
		},
		{
			name: "generic statuses", format: FormatCSV,
			in: head + "2001:db8::/48,Container,,,,\n2001:db8:1::/56,used,,,,\n2001:db8:2::/56,allocated,,,,\n" +
				"2001:db8:3::/56,unassigned,,,,\n2001:db8:4::/56,offline,,,,\n2001:db8:5::/56,dynamic,,,,\n2001:db8:6::/56,,,,,\n",
			want: []PrefixRecord{
				prec(2, "2001:db8::/48", StatusContainer, "", "", "", ""),
				prec(3, "2001:db8:1::/56", StatusActive, "", "", "", ""),
				prec(4, "2001:db8:2::/56", StatusActive, "", "", "", ""),
				prec(5, "2001:db8:3::/56", StatusFree, "", "", "", ""),
				prec(6, "2001:db8:4::/56", StatusDeprecated, "", "", "", ""),
				prec(7, "2001:db8:5::/56", StatusDHCP, "", "", "", ""),
				prec(8, "2001:db8:6::/56", StatusActive, "", "", "", ""),
			},
		},
		{
			// issue 16: a prefix with host bits is a bad row, reported at
			// its line, never masked; the rows after it are read
			name: "host bits are a bad row", format: FormatCSV,
			in: head + "2001:db8::1/56,active,A,,,\n2001:db8:100::/56,active,B,,,\n10.0.0.1/8,,,,,\n2001:db8:200::/56,active,C,,,\n",
			want: []PrefixRecord{
				prec(3, "2001:db8:100::/56", StatusActive, "B", "", "", ""),
				prec(5, "2001:db8:200::/56", StatusActive, "C", "", "", ""),
			},
			problems: []string{
				`2: 2001:db8::1/56 is not a network: did you mean the address 2001:db8::1 or the network 2001:db8::/56?; row skipped`,
				`4: 10.0.0.1/8 is not a network`,
			},
			errors: 2,
		},
		{
			name: "bad prefixes", format: FormatCSV,
			in:   head + ",active,,,,x\n2001:db8::/129,,,,,\nfe80::%eth0/64,,,,,\nbogus,,,,,\n2001:db8::,,,,,\n2001:db8:1::/48,,,,,\n",
			want: []PrefixRecord{prec(7, "2001:db8:1::/48", StatusActive, "", "", "", "")},
			problems: []string{
				`2: empty prefix; row skipped`,
				`3: "2001:db8::/129" is not a CIDR network`,
				`4: "fe80::%eth0/64" is not a CIDR network`,
				`5: "bogus" is not a CIDR network`,
				`6: prefix "2001:db8::" has no length`,
			},
			errors: 5,
		},
		{
			name: "renamed prefix column", format: FormatCSV,
			opt:  Options{Columns: Columns{Prefix: "Net", Customer: "Owner"}},
			in:   "net;owner;state\n2001:db8::/48;Acme;x\n",
			want: []PrefixRecord{prec(2, "2001:db8::/48", StatusActive, "Acme", "", "", "")},
		},
		{
			name: "generic VRFs", format: FormatCSV,
			opt: Options{VRFs: []string{"global", "red"}},
			in:  head + "2001:db8::/48,,,,,\n2001:db8:1::/48,,,Blue,,\n2001:db8:2::/48,,,RED,,\n2001:db8:3::/48,,,Global,,\nnonsense,bogus,,Blue,,\n",
			want: []PrefixRecord{
				prec(2, "2001:db8::/48", StatusActive, "", "", "", ""),
				prec(4, "2001:db8:2::/48", StatusActive, "", "RED", "", ""),
				prec(5, "2001:db8:3::/48", StatusActive, "", "", "", ""),
			},
			skipped: 2, // rows of other VRFs are not checked
		},
		{
			name: "quoted field hiding rows is reported", format: FormatCSV,
			in: head + "2001:db8::/48,active,A,,,\"open\n2001:db8:1::/48,active,B,,,x\"\n2001:db8:2::/48,active,C,,,\n",
			want: []PrefixRecord{
				prec(2, "2001:db8::/48", StatusActive, "A", "", "", "open\n2001:db8:1::/48,active,B,,,x"),
				prec(4, "2001:db8:2::/48", StatusActive, "C", "", "", ""),
			},
			problems: []string{`2: one row spans lines 2-3`},
			errors:   1,
		},
		{
			name: "old Mac line ends, blank rows", format: FormatNetBox,
			in: "Prefix,Tenant,Status\r2001:db8::/48,A,Active\r,,\r\r2001:db8:1::/48,B,Reserved\r",
			want: []PrefixRecord{
				prec(2, "2001:db8::/48", StatusActive, "A", "", "", ""),
				prec(5, "2001:db8:1::/48", StatusReserved, "B", "", "", ""),
			},
		},
		{
			// netbox/ipam/tests/test_views.py PrefixTestCase.csv_data
			name: "NetBox upstream test rows", format: FormatNetBox,
			opt: Options{VRFs: []string{"VRF 1"}},
			in:  "vrf,prefix,status,scope_type,scope_name\nVRF 1,10.4.0.0/16,active,dcim.site,Site 1\nVRF 1,10.5.0.0/16,active,dcim.site,Site 1\n",
			want: []PrefixRecord{
				prec(2, "10.4.0.0/16", StatusActive, "", "VRF 1", "", ""),
				prec(3, "10.5.0.0/16", StatusActive, "", "VRF 1", "", ""),
			},
		},
		{
			// a file that states a status keeps it, even read as phpIPAM's
			name: "phpIPAM subnets with a Status custom field", format: FormatPhpIPAM,
			in: "Section,Subnet,Status,Tenant\nS,2001:db8::/56,Deprecated,A\nS,2001:db8:1::/56,,B\nS,2001:db8:2::/56,sold,C\nS,2001:db8:3::/56,reserved,D\n",
			want: []PrefixRecord{
				prec(2, "2001:db8::/56", StatusDeprecated, "A", "", "", ""),
				prec(3, "2001:db8:1::/56", StatusActive, "B", "", "", ""),
				prec(5, "2001:db8:3::/56", StatusReserved, "D", "", "", ""),
			},
			problems: []string{`4: unknown status "sold"; row skipped`},
			errors:   1,
		},
		{
			name: "phpIPAM subnet layout forced", format: FormatPhpIPAM,
			opt:  Options{Format: FormatPhpIPAM},
			in:   "subnet,mask,owner\n2001:db8::,48,Acme\n",
			want: []PrefixRecord{prec(2, "2001:db8::/48", StatusActive, "Acme", "", "", "")},
		},
	}
	runPrefixCases(t, tests)
}

func TestDetectPrefix(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		opt    Options
		format Format
		shape  string
		err    string
	}{
		{"generic", "prefix,status,customer,vrf,role,description\n", Options{}, FormatCSV, "csv prefix", ""},
		{"generic prefix only", "prefix\n", Options{}, FormatCSV, "csv prefix", ""},
		{"generic renamed", "Net,State\n", Options{Columns: Columns{Prefix: "net"}}, FormatCSV, "csv prefix", ""},
		{"generic with an absent address column named", "prefix,customer\n", Options{Columns: Columns{Address: "ip"}}, FormatCSV, "csv prefix", ""},
		{"NetBox import, issue 16's columns", "prefix,vrf,tenant,status,role,description\n", Options{}, FormatNetBox, "netbox prefix", ""},
		{"NetBox import, every field", "prefix,vrf,tenant,vlan_group,vlan_site,vlan,status,role,scope_type,scope_name,scope_id,is_pool,mark_utilized,description,owner,comments,tags,id\n", Options{}, FormatNetBox, "netbox prefix", ""},
		{"NetBox UI default columns", "Prefix,Status,Children,VRF,Utilization,Tenant,Scope,VLAN,Role,Description\r\n", Options{}, FormatNetBox, "netbox prefix", ""},
		{"NetBox upstream test columns", "vrf,prefix,status,scope_type,scope_id\n", Options{}, FormatNetBox, "netbox prefix", ""},
		{"NetBox UI flat prefix", "Prefix (Flat),Tenant,Status\n", Options{}, FormatNetBox, "netbox prefix", ""},
		{"NetBox tenant beats generic", "prefix,tenant\n", Options{}, FormatNetBox, "netbox prefix", ""},
		{"tie goes to generic", "prefix,status,vrf\n", Options{}, FormatCSV, "csv prefix", ""},
		{"phpIPAM subnet export", "Section,Subnet,Description,VLAN,VLAN Domain,VRF,Master Subnet,Requests,Host check,Discover\n", Options{}, FormatPhpIPAM, "phpipam subnets", ""},
		{"phpIPAM subnet import template", "Section;Subnet;Mask;Description;VLAN;Domain;VRF\n", Options{}, FormatPhpIPAM, "phpipam subnets", ""},
		{"phpIPAM subnet field keys", "section,subnet,mask\n", Options{}, FormatPhpIPAM, "phpipam subnets", ""},
		{"generic renamed to subnet wins the tie", "subnet,status\n", Options{Columns: Columns{Prefix: "subnet"}}, FormatCSV, "csv prefix", ""},
		{"forced csv", "prefix,tenant\n", Options{Format: FormatCSV}, FormatCSV, "csv prefix", ""},
		{"forced netbox", "prefix,status,vrf\n", Options{Format: FormatNetBox}, FormatNetBox, "netbox prefix", ""},
		// address exports stay address exports, prefix column or not
		{"generic address with prefix", "address,prefix\n", Options{}, FormatCSV, "csv", ""},
		{"phpIPAM admin address export has Subnet", "Section,IP Address,Subnet\n", Options{}, FormatPhpIPAM, "phpipam admin", ""},
		{"NetBox address import", "address,vrf,tenant,status\n", Options{}, FormatNetBox, "netbox import", ""},
		{"neither", "name,value\n", Options{}, "", "", "no prefix column (prefix, Subnet)"},
		{"forced netbox, neither", "name\n", Options{Format: FormatNetBox}, "", "", `nor the "prefix" column`},
		{"forced csv, neither", "name\n", Options{Format: FormatCSV}, "", "", `no column "address" (an address export) nor "prefix" (a prefix export)`},
		{"named status missing", "prefix,customer\n", Options{Format: FormatCSV, Columns: Columns{Status: "state"}}, "", "", `no column "state"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp, err := Read(strings.NewReader(tt.in), "in.csv", tt.opt)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "in.csv:1: ") {
					t.Fatalf("err = %v, want in.csv:1: ... %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if exp.Format != tt.format {
				t.Errorf("Format = %q, want %q", exp.Format, tt.format)
			}
			fields := strings.FieldsFunc(strings.TrimRight(strings.SplitN(tt.in, "\n", 2)[0], "\r"), func(r rune) bool { return r == ',' || r == ';' })
			imp, _, err := choose(tt.opt, fields)
			if err != nil {
				t.Fatal(err)
			}
			if got := prefixShapeOf(imp); got != tt.shape {
				t.Errorf("shape = %q, want %q", got, tt.shape)
			}
		})
	}
}

func prefixShapeOf(imp importer) string {
	switch imp.(type) {
	case *csvPrefixImporter:
		return "csv prefix"
	case *netboxPrefixImporter:
		return "netbox prefix"
	case *phpipamSubnetImporter:
		return "phpipam subnets"
	}
	return shapeOf(imp, false)
}

func TestMaskBits(t *testing.T) {
	tests := []struct {
		addr, mask string
		want       int
		err        string
	}{
		{"192.0.2.0", "24", 24, ""},
		{"192.0.2.0", "0", 0, ""},
		{"192.0.2.0", "32", 32, ""},
		{"192.0.2.0", "33", 0, "out of range"},
		{"192.0.2.0", "-1", 0, "out of range"},
		{"2001:db8::", "128", 128, ""},
		{"2001:db8::", "129", 0, "out of range"},
		{"192.0.2.0", "255.255.255.0", 24, ""},
		{"192.0.2.0", "255.255.255.255", 32, ""},
		{"192.0.2.0", "0.0.0.0", 0, ""},
		{"192.0.2.0", "255.255.254.0", 23, ""},
		{"192.0.2.0", "255.0.255.0", 0, "not contiguous"},
		{"192.0.2.0", "0.255.255.255", 0, "not contiguous"},
		{"2001:db8::", "255.255.0.0", 0, "bad mask"},
		{"192.0.2.0", "ffff::", 0, "bad mask"},
		{"192.0.2.0", "/24", 0, "bad mask"},
		{"not-an-address", "24", 0, "is not an address"},
		{"::ffff:192.0.2.0", "24", 24, ""}, // unmapped, as the prefix is
	}
	for _, tt := range tests {
		t.Run(tt.addr+"_"+tt.mask, func(t *testing.T) {
			got, err := maskBits(tt.addr, tt.mask)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("maskBits = %d, %v; want error %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("maskBits = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestPrefixStrict(t *testing.T) {
	const in = "prefix,status\n2001:db8::/48,active\n\n2001:db8:1::1/48,active\n2001:db8:2::/48,bogus\n"
	exp, err := Read(strings.NewReader(in), "p.csv", Options{Strict: true})
	var p Problem
	if exp != nil || !errors.As(err, &p) || p.Line != 4 || !strings.HasPrefix(err.Error(), "p.csv:4: 2001:db8:1::1/48 is not a network") {
		t.Fatalf("Read = %v, %v; want the error at p.csv:4", exp, err)
	}
	exp = readString(t, in, Options{})
	if len(exp.PrefixRecords) != 1 || len(exp.Problems) != 2 || exp.Lines != 5 || exp.Blank != 1 {
		t.Fatalf("lenient: %d rows, problems %v, %d lines (%d blank)", len(exp.PrefixRecords), exp.Problems, exp.Lines, exp.Blank)
	}
}

// TestPrefixLarge reads a prefix export large enough to be presized and
// pipelined.
func TestPrefixLarge(t *testing.T) {
	in := prefixExport(3 * sizeAfter)
	for _, tt := range []struct {
		name string
		r    io.Reader
	}{
		{"sized", strings.NewReader(in)},
		{"stream", struct{ io.Reader }{strings.NewReader(in)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			exp, err := Read(tt.r, "big.csv", Options{})
			if err != nil {
				t.Fatal(err)
			}
			n := 3 * sizeAfter
			if len(exp.PrefixRecords) != n || len(exp.Problems) != 0 {
				t.Fatalf("%d rows, %d problems", len(exp.PrefixRecords), len(exp.Problems))
			}
			if c := cap(exp.PrefixRecords); c > n+n/8+1024 {
				t.Errorf("cap(PrefixRecords) = %d for %d rows", c, n)
			}
			last := exp.PrefixRecords[n-1]
			if last.Line != int32(n+1) || last.Customer != fmt.Sprintf("Customer %d", (n-1)%5000) || last.Prefix != benchPrefix(n-1) {
				t.Errorf("last row = %+v", last)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	addrs := readStringNamed(t, "addrs.csv", "address,prefix\n192.0.2.1,192.0.2.0/24\nbad,\n2001:db8::1,2001:db8::/64\n", Options{})
	more := readStringNamed(t, "more.csv", "address,prefix,vrf\n192.0.2.9,192.0.2.0/24,\n198.51.100.1/24,,\n192.0.2.5,,Blue\n", Options{})
	prefixes := readStringNamed(t, "prefixes.csv", "prefix,customer\n2001:db8:100::/56,Acme\n2001:db8::5/56,B\n", Options{})
	m := Merge(addrs, nil, prefixes, more)
	if m.Format != FormatCSV {
		t.Errorf("Format = %q", m.Format)
	}
	if len(m.Records) != 4 || len(m.PrefixRecords) != 1 || m.Skipped != 1 || m.Lines != 4+3+4 {
		t.Errorf("merged: %d records, %d prefix records, %d skipped, %d lines", len(m.Records), len(m.PrefixRecords), m.Skipped, m.Lines)
	}
	wantPrefixes := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("2001:db8::/64")}
	if !slices.Equal(m.Prefixes, wantPrefixes) {
		t.Errorf("Prefixes = %v, want %v (the prefix export's rows are not among them)", m.Prefixes, wantPrefixes)
	}
	var got []string
	for _, p := range m.Problems {
		got = append(got, p.Error())
	}
	want := []string{`addrs.csv:3: bad address "bad"; row skipped`, `prefixes.csv:3: 2001:db8::5/56 is not a network: did you mean the address 2001:db8::5 or the network 2001:db8::/56?; row skipped`}
	if !slices.Equal(got, want) || !m.HasErrors() {
		t.Errorf("problems = %q, want %q", got, want)
	}
	for i, wantFile := range []string{"addrs.csv", "addrs.csv", "more.csv", "more.csv", ""} {
		if f := m.RecordFile(i); f != wantFile {
			t.Errorf("RecordFile(%d) = %q, want %q", i, f, wantFile)
		}
	}
	if f := m.RecordFile(-1); f != "" {
		t.Errorf("RecordFile(-1) = %q", f)
	}
	if r := m.PrefixRecords[0]; r.Where() != "prefixes.csv:2" || r.Customer != "Acme" {
		t.Errorf("prefix record %+v at %s", r, r.Where())
	}
	if len(m.Sources) != 3 || m.Sources[1] != (Source{File: "prefixes.csv", Format: FormatCSV, PrefixRecords: 1, PrefixExport: true}) || m.Sources[0].PrefixExport {
		t.Errorf("Sources = %+v", m.Sources)
	}
	// the inputs are not changed
	if len(addrs.Records) != 2 || len(addrs.Sources) != 1 || len(prefixes.Problems) != 1 {
		t.Errorf("Merge changed its inputs")
	}

	t.Run("formats differ", func(t *testing.T) {
		nb := readStringNamed(t, "nb.csv", "prefix,tenant\n2001:db8::/48,A\n", Options{})
		if m := Merge(addrs, nb); m.Format != "" || len(m.PrefixRecords) != 1 || m.PrefixRecords[0].File != "nb.csv" {
			t.Errorf("Merge = %+v", m)
		}
	})
	t.Run("none", func(t *testing.T) {
		if m := Merge(); m == nil || len(m.Records) != 0 || m.HasErrors() {
			t.Errorf("Merge() = %+v", m)
		}
	})
}

func readStringNamed(t *testing.T, name, in string, opt Options) *Export {
	t.Helper()
	exp, err := Read(strings.NewReader(in), name, opt)
	if err != nil {
		t.Fatalf("Read %s: %v", name, err)
	}
	return exp
}

func TestPrefixStatusAssigned(t *testing.T) {
	for _, tt := range []struct {
		s    Status
		want bool
	}{
		{StatusActive, true}, {StatusReserved, true}, {StatusContainer, false}, {StatusDeprecated, false},
		{StatusFree, false}, {StatusDHCP, false},
	} {
		if got := tt.s.Assigned(); got != tt.want {
			t.Errorf("%v.Assigned() = %v, want %v", tt.s, got, tt.want)
		}
	}
	if StatusContainer.String() != "container" {
		t.Errorf("StatusContainer = %q", StatusContainer)
	}
}
