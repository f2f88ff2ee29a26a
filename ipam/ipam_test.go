package ipam

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// readString is Read over a string, failing the test on an error.
func readString(t *testing.T, in string, opt Options) *Export {
	t.Helper()
	exp, err := Read(strings.NewReader(in), "in.csv", opt)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return exp
}

// rec builds an expected record; prefix "" means none.
func rec(line int, addr, host string, st Status, customer, vrf, prefix string) Record {
	r := Record{Addr: netip.MustParseAddr(addr), Hostname: host, Status: st, Customer: customer, VRF: vrf, Line: int32(line)}
	if prefix != "" {
		r.SetPrefix(netip.MustParsePrefix(prefix))
	}
	return r
}

func equalRecords(t *testing.T, got, want []Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d records, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

// equalProblems compares problems as "line: text" against wanted
// "line: substring" entries.
func equalProblems(t *testing.T, got []Problem, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d: %v", len(got), len(want), got)
		return
	}
	for i, p := range got {
		line, sub, _ := strings.Cut(want[i], ": ")
		if strconv.Itoa(p.Line) != line || !strings.Contains(p.Msg, sub) {
			t.Errorf("problem %d = %q, want line %s with %q", i, p.Error(), line, sub)
		}
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		s     Status
		name  string
		inUse bool
	}{
		{StatusActive, "active", true},
		{StatusReserved, "reserved", true},
		{StatusDHCP, "dhcp", true},
		{StatusDeprecated, "deprecated", false},
		{StatusFree, "free", false},
		{Status(9), "Status(9)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			if got := tt.s.InUse(); got != tt.inUse {
				t.Errorf("InUse() = %v, want %v", got, tt.inUse)
			}
		})
	}
}

func TestProblemError(t *testing.T) {
	tests := []struct {
		name string
		p    Problem
		want string
	}{
		{"with line", Problem{File: "a.csv", Line: 7, Msg: "bad"}, "a.csv:7: bad"},
		{"without line", Problem{File: "a.csv", Msg: "bad"}, "a.csv: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCanonicalHostname(t *testing.T) {
	for _, name := range []string{
		"gw1.example.net", "ns1.example.net.", "NS1.Example.NET", "WEB.Example.NET.",
		"a.b", "x-1.y-2.example.org", "A.B.", "xn--bcher-kva.example",
	} {
		t.Run(name, func(t *testing.T) {
			if err := rdns.CheckHostname(name); err != nil {
				t.Fatalf("test name is invalid: %v", err)
			}
			got, want := canonicalHostname(name), rdns.CanonicalHostname(name)
			if got != want {
				t.Errorf("canonicalHostname(%q) = %q, rdns.CanonicalHostname = %q", name, got, want)
			}
			if unsafe.StringData(got) == unsafe.StringData(name) {
				t.Errorf("result shares memory with the input, which would keep a whole CSV row alive")
			}
		})
	}
}

func TestParseAddr(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		withLen bool
		addr    string
		prefix  string
		err     string
	}{
		{"IPv4", "192.0.2.1", true, "192.0.2.1", "", ""},
		{"IPv6", "2001:db8::1", true, "2001:db8::1", "", ""},
		{"with length", "198.51.100.44/24", true, "198.51.100.44", "198.51.100.0/24", ""},
		{"/31 network address", "203.0.113.0/31", true, "203.0.113.0", "203.0.113.0/31", ""},
		{"/128", "2001:db8:0:53::53/128", true, "2001:db8:0:53::53", "2001:db8:0:53::53/128", ""},
		{"IPv4-mapped", "::ffff:192.0.2.9", true, "192.0.2.9", "", ""},
		{"IPv4-mapped prefix", "::ffff:192.0.2.9/120", true, "192.0.2.9", "192.0.2.0/24", ""},
		{"IPv4-mapped short prefix", "::ffff:192.0.2.9/64", true, "192.0.2.9", "", ""},
		{"IPv4-mapped /0 (fuzz)", "::ffff:100.10.0.0/0", true, "100.10.0.0", "", ""},
		{"length refused", "192.0.2.1/24", false, "", "", "has a prefix length"},
		{"empty", "", true, "", "", "empty address"},
		{"bad octet", "192.0.2.300", true, "", "", "bad address"},
		{"bad prefix", "192.0.2.1/33", true, "", "", "bad address"},
		{"zone", "fe80::1%eth0", true, "", "", "has a zone"},
		{"zone with length", "fe80::1%eth0/64", true, "", "", "bad address"},
		{"host name", "gw1.example.net", true, "", "", "bad address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, p, err := parseAddr(tt.in, tt.withLen)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a != netip.MustParseAddr(tt.addr) {
				t.Errorf("addr = %v, want %v", a, tt.addr)
			}
			var want netip.Prefix
			if tt.prefix != "" {
				want = netip.MustParsePrefix(tt.prefix)
			}
			if p != want {
				t.Errorf("prefix = %v, want %v", p, want)
			}
		})
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want rune
	}{
		{"comma", "a,b,c\nx;y;z;w;v\n", ','},
		{"semicolon", "ip address;ip state;description\n", ';'},
		{"tab", "address\thostname\tstatus\n", '\t'},
		{"tie is comma", "a,b;c\n", ','},
		{"quoted commas ignored", "192.0.2.11;Used;\"Web, frontend, second, node\";web\n", ';'},
		{"no delimiter", "192.0.2.1\n", ','},
		{"no newline", "a;b", ';'},
		{"empty", "", ','},
		{"only the first line", "a\nb;c;d\n", ','},
		{"CR ends the first line", "a;b\rc,d,e,f\r", ';'},
		{"semicolon beats tab on a tie", "a;b\tc\n", ';'},
		{"tab beats a lone semicolon", "a\tb\tc;d\n", '\t'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sniffDelimiter([]byte(tt.in)); got != tt.want {
				t.Errorf("sniffDelimiter(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		opt    Options
		format Format
		shape  string // importer type and shape
		err    string
	}{
		{"generic defaults", "address,hostname,status,customer,prefix,vrf\n", Options{}, FormatCSV, "csv", ""},
		{"generic address only", "address\n", Options{}, FormatCSV, "csv", ""},
		{"generic address and status (tie)", "address,status\n", Options{}, FormatCSV, "csv", ""},
		{"generic with own columns", "ip;fqdn;state\n", Options{Columns: Columns{Address: "IP", Hostname: "FQDN", Status: "State"}}, FormatCSV, "csv", ""},
		{"generic upper-case header", "ADDRESS,HOSTNAME\n", Options{}, FormatCSV, "csv", ""},
		{"own columns beat NetBox UI on a tie", "IP Address,DNS name\n", Options{Columns: Columns{Address: "ip address", Hostname: "dns name"}}, FormatCSV, "csv", ""},
		{"NetBox import", "address,vrf,tenant,status,role,device,virtual_machine,interface,fhrp_group,is_primary,is_oob,dns_name,description,owner,comments,tags\n", Options{}, FormatNetBox, "netbox import", ""},
		{"NetBox import upstream test columns", "vrf,address,status,fhrp_group\n", Options{}, FormatNetBox, "netbox import", ""},
		{"NetBox bulk update", "id,address,dns_name\n", Options{}, FormatNetBox, "netbox import", ""},
		{"NetBox UI export", "IP Address,VRF,Status,Role,Tenant,Assigned,DNS name,Description\r\n", Options{}, FormatNetBox, "netbox export", ""},
		{"NetBox UI export reordered", "DNS name,Tenant,IP Address\n", Options{}, FormatNetBox, "netbox export", ""},
		{"phpIPAM admin export", "Section,IP Address,Hostname,Description,VRF,Subnet,MAC,Owner,Device,Note,Tag,Gateway\n", Options{}, FormatPhpIPAM, "phpipam admin", ""},
		{"phpIPAM admin import", "Section,IP address,Hostname,Description,VRF,Subnet,MAC,Owner,Device,Note,Tag,Is_Gateway\n", Options{}, FormatPhpIPAM, "phpipam admin", ""},
		{"phpIPAM admin field keys", "ip_addr,hostname,tag\n", Options{}, FormatPhpIPAM, "phpipam admin", ""},
		{"phpIPAM subnet template header", "ip address;ip state;description;hostname;fw_object;mac;owner;device;port;note;location\n", Options{}, FormatPhpIPAM, "phpipam subnet header", ""},
		{"phpIPAM subnet data", "192.0.2.1;Used;gw;gw.example.net\n", Options{}, FormatPhpIPAM, "phpipam subnet data", ""},
		{"phpIPAM subnet IPv6 data", "2001:db8::1,Used,gw,gw.example.net\n", Options{}, FormatPhpIPAM, "phpipam subnet data", ""},
		{"forced csv over NetBox header", "address,dns_name,tenant\n", Options{Format: FormatCSV}, FormatCSV, "csv", ""},
		{"forced netbox picks the UI shape", "IP Address,Hostname\n", Options{Format: FormatNetBox}, FormatNetBox, "netbox export", ""},
		{"forced phpipam takes an odd header as the subnet's", "addr;state\n", Options{Format: FormatPhpIPAM}, FormatPhpIPAM, "phpipam subnet header", ""},
		{"zero format is auto", "address\n", Options{Format: ""}, FormatCSV, "csv", ""},
		{"no address column", "name,value\n", Options{}, "", "", "cannot tell the export format"},
		{"masked first address is no phpIPAM row", "192.0.2.1/24,x\n", Options{}, "", "", "cannot tell the export format"},
		{"unknown format", "address\n", Options{Format: "infoblox"}, "", "", `unknown IPAM format "infoblox"`},
		{"forced netbox without address", "name\n", Options{Format: FormatNetBox}, "", "", "NetBox header has no"},
		{"forced csv without address", "ip\n", Options{Format: FormatCSV}, "", "", `no column "address"`},
		{"named column missing", "address,fqdn\n", Options{Format: FormatCSV, Columns: Columns{Hostname: "dns"}}, "", "", `no column "dns"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr := strings.NewReader(tt.in)
			exp, err := Read(cr, "in.csv", tt.opt)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if !strings.HasPrefix(err.Error(), "in.csv:1: ") {
					t.Errorf("err = %q, want it to name in.csv:1", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if exp.Format != tt.format {
				t.Errorf("Format = %q, want %q", exp.Format, tt.format)
			}
			fields := strings.FieldsFunc(strings.SplitN(tt.in, "\n", 2)[0], func(r rune) bool { return r == ',' || r == ';' })
			imp, data, err := choose(tt.opt, fields)
			if err != nil {
				t.Fatal(err)
			}
			if got := shapeOf(imp, data); got != tt.shape {
				t.Errorf("shape = %q, want %q", got, tt.shape)
			}
		})
	}
}

func shapeOf(imp importer, data bool) string {
	switch v := imp.(type) {
	case *csvImporter:
		return "csv"
	case *netboxImporter:
		if v.export {
			return "netbox export"
		}
		return "netbox import"
	case *phpipamImporter:
		switch {
		case !v.subnet:
			return "phpipam admin"
		case data:
			return "phpipam subnet data"
		}
		return "phpipam subnet header"
	}
	return "?"
}

func TestReadInputErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		err  string
	}{
		{"empty", "", "in.csv: empty file"},
		{"only a BOM", "\ufeff", "in.csv: empty file"},
		{"only blank lines", "\n\r\n\n", "in.csv: empty file"},
		{"UTF-16 LE", "\xff\xfea\x00d\x00", "UTF-16"},
		{"UTF-16 BE", "\xfe\xff\x00a\x00d", "UTF-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.in), "in.csv", Options{})
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := ReadFile(filepath.Join(t.TempDir(), "nope.csv"), Options{})
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v, want ErrNotExist", err)
		}
	})
	t.Run("read error", func(t *testing.T) {
		_, err := Read(&failReader{data: "address\n192.0.2.1\n"}, "in.csv", Options{})
		if err == nil || !strings.Contains(err.Error(), "in.csv: disk on fire") {
			t.Fatalf("err = %v, want the read error with the file name", err)
		}
	})
}

// failReader yields data, then an error.
type failReader struct{ data string }

func (f *failReader) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, errors.New("disk on fire")
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadRows(t *testing.T) {
	const head = "address,hostname,status,customer,prefix,vrf\n"
	tests := []struct {
		name     string
		in       string
		opt      Options
		want     []Record
		problems []string
		skipped  int
	}{
		{
			name: "plain row",
			in:   head + "192.0.2.1,GW.example.net,active,Acme,192.0.2.0/24,\n",
			want: []Record{rec(2, "192.0.2.1", "gw.example.net.", StatusActive, "Acme", "", "192.0.2.0/24")},
		},
		{
			name: "status synonyms",
			in: head + "192.0.2.1,,Allocated,,,\n192.0.2.2,,unused,,,\n192.0.2.3,,Dynamic,,,\n192.0.2.4,,OFFLINE,,,\n" +
				"192.0.2.5,,in use,,,\n192.0.2.6,,,,,\n192.0.2.7,,SLAAC,,,\n",
			want: []Record{
				rec(2, "192.0.2.1", "", StatusActive, "", "", ""),
				rec(3, "192.0.2.2", "", StatusFree, "", "", ""),
				rec(4, "192.0.2.3", "", StatusDHCP, "", "", ""),
				rec(5, "192.0.2.4", "", StatusDeprecated, "", "", ""),
				rec(6, "192.0.2.5", "", StatusActive, "", "", ""),
				rec(7, "192.0.2.6", "", StatusActive, "", "", ""),
				rec(8, "192.0.2.7", "", StatusDHCP, "", "", ""),
			},
		},
		{
			name: "spaces around values",
			in:   head + "  192.0.2.1 , gw.example.net ,  Active , Acme Corp ,192.0.2.0/24 ,  \n",
			want: []Record{rec(2, "192.0.2.1", "gw.example.net.", StatusActive, "Acme Corp", "", "192.0.2.0/24")},
		},
		{
			name: "multi-line quoted fields keep physical lines",
			in: "address,description,hostname\n192.0.2.1,\"one\ntwo\nthree\",a.example.net\n" +
				"192.0.2.2,\"x\r\ny\",b.example.net\n\n192.0.2.3,,c.example.net\n",
			want: []Record{
				rec(2, "192.0.2.1", "a.example.net.", StatusActive, "", "", ""),
				rec(5, "192.0.2.2", "b.example.net.", StatusActive, "", "", ""),
				rec(8, "192.0.2.3", "c.example.net.", StatusActive, "", "", ""),
			},
		},
		{
			name: "quoted commas and doubled quotes",
			in:   "address,description,hostname\n192.0.2.1,\"rack 19\"\", row 2, left\",a.example.net\n192.0.2.2,19\" rack,b.example.net\n",
			want: []Record{
				rec(2, "192.0.2.1", "a.example.net.", StatusActive, "", "", ""),
			},
			// LazyQuotes is off: a bare quote is an error on its line
			problems: []string{`3: column 13: bare " in non-quoted-field; row skipped`},
		},
		{
			name: "malformed rows are skipped with their line",
			in: head + "192.0.2.300,,,,,\n192.0.2.2,,broken,,,\n192.0.2.3,,\n192.0.2.4,,,,,,extra\n" +
				"fe80::1%eth0,,,,,\n,,active,,,\n192.0.2.9,,,,,\n",
			want: []Record{rec(8, "192.0.2.9", "", StatusActive, "", "", "")},
			problems: []string{
				`2: bad address "192.0.2.300"; row skipped`,
				`3: unknown status "broken"; row skipped`,
				`4: 3 fields where the first line has 6; row skipped`,
				`5: 7 fields where the first line has 6; row skipped`,
				`6: address "fe80::1%eth0" has a zone; row skipped`,
				`7: empty address; row skipped`,
			},
		},
		{
			name: "blank rows are ignored",
			in:   head + ",,,,,\n , , , , , \n\n192.0.2.1,,,,,\n",
			want: []Record{rec(5, "192.0.2.1", "", StatusActive, "", "", "")},
		},
		{
			name: "bad host names are warnings",
			in: head + "192.0.2.1,_dmarc.example.net,,,,\n192.0.2.2,*.example.net,,,,\n192.0.2.3,printer,,,,\n" +
				"192.0.2.4,192.0.2.4,,,,\n192.0.2.5,host..example.net,,,,\n192.0.2.6,-bad.example.net,,,,\n192.0.2.7,.,,,,\n" +
				"192.0.2.8,caf\u00e9.example.net,,,,\n192.0.2.9,web 01.example.net,,,,\n192.0.2.10,ok.example.net.,,,,\n",
			want: []Record{
				rec(2, "192.0.2.1", "", StatusActive, "", "", ""),
				rec(3, "192.0.2.2", "", StatusActive, "", "", ""),
				rec(4, "192.0.2.3", "", StatusActive, "", "", ""),
				rec(5, "192.0.2.4", "", StatusActive, "", "", ""),
				rec(6, "192.0.2.5", "", StatusActive, "", "", ""),
				rec(7, "192.0.2.6", "", StatusActive, "", "", ""),
				rec(8, "192.0.2.7", "", StatusActive, "", "", ""),
				rec(9, "192.0.2.8", "", StatusActive, "", "", ""),
				rec(10, "192.0.2.9", "", StatusActive, "", "", ""),
				rec(11, "192.0.2.10", "ok.example.net.", StatusActive, "", "", ""),
			},
			problems: []string{
				`2: host name "_dmarc.example.net" ignored: label "_dmarc": contains an underscore`,
				`3: host name "*.example.net" ignored: label "*": contains a wildcard`,
				`4: host name "printer" ignored: it has no domain`,
				`5: host name "192.0.2.4" ignored: "192.0.2.4" is an IP address`,
				`6: host name "host..example.net" ignored: label "": empty label`,
				`7: host name "-bad.example.net" ignored`,
				`8: host name "." ignored: empty host name`,
				`9: host name "café.example.net" ignored`,
				`10: host name "web 01.example.net" ignored`,
			},
		},
		{
			name: "bad and foreign prefixes are ignored, with a problem",
			in:   head + "192.0.2.1,,,,192.0.2.0/33,\n192.0.2.2,,,,198.51.100.0/24,\n2001:db8::1,,,,192.0.2.0/24,\n192.0.2.4,,,,192.0.2.7/24,\n",
			want: []Record{
				rec(2, "192.0.2.1", "", StatusActive, "", "", ""),
				rec(3, "192.0.2.2", "", StatusActive, "", "", ""),
				rec(4, "2001:db8::1", "", StatusActive, "", "", ""),
				rec(5, "192.0.2.4", "", StatusActive, "", "", ""),
			},
			problems: []string{
				`2: prefix column: "192.0.2.0/33" is not a CIDR network; prefix ignored`,
				`3: prefix 198.51.100.0/24 does not contain 192.0.2.2; prefix ignored`,
				`4: prefix 192.0.2.0/24 does not contain 2001:db8::1; prefix ignored`,
				// host bits set: never masked into a network
				`5: prefix column: 192.0.2.7/24 is not a network: did you mean the address 192.0.2.7 or the network 192.0.2.0/24?; prefix ignored`,
			},
		},
		{
			name: "prefix column beats the address's length",
			in:   head + "192.0.2.1/32,,,,192.0.2.0/24,\n192.0.2.2/25,,,,,\n",
			want: []Record{
				rec(2, "192.0.2.1", "", StatusActive, "", "", "192.0.2.0/24"),
				rec(3, "192.0.2.2", "", StatusActive, "", "", "192.0.2.0/25"),
			},
		},
		{
			name:    "default VRFs keep only the global table",
			in:      head + "192.0.2.1,,,,,\n192.0.2.1,,,,,Blue\n192.0.2.2,,,,,global\n192.0.2.3,,,,,GLOBAL\n",
			want:    []Record{rec(2, "192.0.2.1", "", StatusActive, "", "", ""), rec(4, "192.0.2.2", "", StatusActive, "", "", ""), rec(5, "192.0.2.3", "", StatusActive, "", "", "")},
			skipped: 1,
		},
		{
			name:    "named VRFs compare case-insensitively",
			in:      head + "192.0.2.1,,,,,\n192.0.2.1,,,,,Blue\n192.0.2.1,,,,,Red\n192.0.2.1,,,,,BLUE\n",
			opt:     Options{VRFs: []string{"blue"}},
			want:    []Record{rec(3, "192.0.2.1", "", StatusActive, "", "Blue", ""), rec(5, "192.0.2.1", "", StatusActive, "", "BLUE", "")},
			skipped: 2,
		},
		{
			name:    "global named among VRFs",
			in:      head + "192.0.2.1,,,,,\n192.0.2.1,,,,,Blue\n192.0.2.1,,,,,Red\n",
			opt:     Options{VRFs: []string{" Global ", "Red"}},
			want:    []Record{rec(2, "192.0.2.1", "", StatusActive, "", "", ""), rec(4, "192.0.2.1", "", StatusActive, "", "Red", "")},
			skipped: 1,
		},
		{
			name:    "rows of other VRFs are not checked",
			in:      head + "not-an-address,,nonsense,,,Red\n",
			want:    nil,
			skipped: 1,
		},
		{
			name: "customers are shared",
			in:   head + "192.0.2.1,,,Acme,,\n192.0.2.2,,,Acme,,\n192.0.2.3,,,Globex,,\n192.0.2.4,,,Acme,,\n",
			want: []Record{
				rec(2, "192.0.2.1", "", StatusActive, "Acme", "", ""),
				rec(3, "192.0.2.2", "", StatusActive, "Acme", "", ""),
				rec(4, "192.0.2.3", "", StatusActive, "Globex", "", ""),
				rec(5, "192.0.2.4", "", StatusActive, "Acme", "", ""),
			},
		},
		{
			name: "header only",
			in:   head,
			want: nil,
		},
		{
			name: "no trailing newline",
			in:   head + "192.0.2.1,a.example.net,,,,",
			want: []Record{rec(2, "192.0.2.1", "a.example.net.", StatusActive, "", "", "")},
		},
		{
			name: "old Mac line ends",
			in:   "address,hostname,description\r192.0.2.1,a.example.net,\"two\rlines\"\r192.0.2.2,b.example.net,\r",
			want: []Record{
				rec(2, "192.0.2.1", "a.example.net.", StatusActive, "", "", ""),
				rec(4, "192.0.2.2", "b.example.net.", StatusActive, "", "", ""),
			},
		},
		{
			name: "a lone CR after the first line is data",
			in:   "address,hostname,description\n192.0.2.1,a.example.net,\"x\ry\"\n",
			want: []Record{rec(2, "192.0.2.1", "a.example.net.", StatusActive, "", "", "")},
		},
		{
			name: "IPv4-mapped address with a short length has no prefix (fuzz)",
			in:   "Address,,,0,000000,,\n::ffff:100.10.0.0/0,,0,,,,",
			want: []Record{rec(2, "100.10.0.0", "", StatusActive, "", "", "")},
		},
		{
			name: "tab separated",
			in:   "address\thostname\tstatus\n192.0.2.1\tgw.example.net\treserved\n",
			want: []Record{rec(2, "192.0.2.1", "gw.example.net.", StatusReserved, "", "", "")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp := readString(t, tt.in, tt.opt)
			equalRecords(t, exp.Records, tt.want)
			equalProblems(t, exp.Problems, tt.problems)
			if exp.Skipped != tt.skipped {
				t.Errorf("Skipped = %d, want %d", exp.Skipped, tt.skipped)
			}
		})
	}
}

func TestReadStrict(t *testing.T) {
	const in = "address,hostname,status,description\n192.0.2.1,_bad.example.net,active,\n\n" +
		"192.0.2.2,,,\"multi\nline\"\n192.0.2.3,,bogus,\n192.0.2.4,,,\n"
	t.Run("lenient", func(t *testing.T) {
		exp := readString(t, in, Options{})
		if len(exp.Records) != 3 || len(exp.Problems) != 2 {
			t.Fatalf("got %d records and problems %v", len(exp.Records), exp.Problems)
		}
	})
	t.Run("strict", func(t *testing.T) {
		exp, err := Read(strings.NewReader(in), "ipam.csv", Options{Strict: true})
		if exp != nil {
			t.Errorf("got an export with the error")
		}
		var p Problem
		if !errors.As(err, &p) {
			t.Fatalf("err = %v (%T), want a Problem", err, err)
		}
		if want := `ipam.csv:6: unknown status "bogus"`; err.Error() != want {
			t.Errorf("err = %q, want %q", err, want)
		}
		if p.Line != 6 || p.File != "ipam.csv" {
			t.Errorf("problem = %+v", p)
		}
	})
	t.Run("strict field count", func(t *testing.T) {
		_, err := Read(strings.NewReader("address,hostname\n192.0.2.1\n"), "ipam.csv", Options{Strict: true})
		if err == nil || err.Error() != "ipam.csv:2: 1 fields where the first line has 2" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("strict first data row of a positional file", func(t *testing.T) {
		_, err := Read(strings.NewReader("192.0.2.1;Bogus;x;y\n"), "sub.csv", Options{Strict: true})
		if err == nil || !strings.HasPrefix(err.Error(), `sub.csv:1: unknown phpIPAM tag "Bogus"`) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestReadPrefixes(t *testing.T) {
	const in = "address,prefix,vrf\n" +
		"2001:db8::1/64,,\n192.0.2.9/24,,\n192.0.2.1,192.0.2.0/24,\n198.51.100.1/25,,Blue\n" +
		"203.0.113.7/32,,\n192.0.2.200/25,,\n198.51.100.5,bogus,\n"
	exp := readString(t, in, Options{})
	want := []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"),
		netip.MustParsePrefix("192.0.2.128/25"),
		netip.MustParsePrefix("203.0.113.7/32"),
		netip.MustParsePrefix("2001:db8::/64"),
	}
	if len(exp.Prefixes) != len(want) {
		t.Fatalf("Prefixes = %v, want %v", exp.Prefixes, want)
	}
	for i := range want {
		if exp.Prefixes[i] != want[i] {
			t.Errorf("Prefixes = %v, want %v", exp.Prefixes, want)
			break
		}
	}
}

// TestReadLarge checks what only many rows exercise: sizing the record
// slice from the input size, or not knowing the size (a pipe).
func TestReadLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString("address,hostname,customer,vrf\n")
	const n = 3 * sizeAfter
	for i := range n {
		fmt.Fprintf(&b, "192.0.2.%d,h%d.example.net,Customer %d,\n", i%256, i, i%7)
	}
	in := b.String()
	tests := []struct {
		name string
		r    io.Reader
		opt  Options
		n    int // records
	}{
		{"sized", strings.NewReader(in), Options{}, n},
		{"stream", struct{ io.Reader }{strings.NewReader(in)}, Options{}, n},
		// The first rows promise a large file, the rest is in another VRF.
		{"mostly skipped", strings.NewReader(in + strings.Repeat("192.0.2.1,,,Blue\n", 4*n)), Options{}, n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp, err := Read(tt.r, "big.csv", tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(exp.Records) != n {
				t.Fatalf("%d records, want %d", len(exp.Records), n)
			}
			if c := cap(exp.Records); c > n+n/8+1024 {
				t.Errorf("cap(Records) = %d for %d records", c, n)
			}
			last := exp.Records[n-1]
			if want := fmt.Sprintf("h%d.example.net.", n-1); last.Line != n+1 || last.Hostname != want || last.Customer != fmt.Sprintf("Customer %d", (n-1)%7) {
				t.Errorf("last record = %+v", last)
			}
		})
	}
}

// TestReadStops checks that a read that ends early, on a fatal row or a
// read error, leaves no goroutine behind.
func TestReadStops(t *testing.T) {
	var b strings.Builder
	b.WriteString("address,status\n")
	for i := range 10 * batchRows {
		st := "active"
		if i == 5*batchRows+3 {
			st = "bogus"
		}
		fmt.Fprintf(&b, "192.0.2.%d,%s\n", i%256, st)
	}
	in := b.String()
	before := runtime.NumGoroutine()
	tests := []struct {
		name string
		r    io.Reader
		opt  Options
		err  string
	}{
		{"strict", strings.NewReader(in), Options{Strict: true}, fmt.Sprintf(`big.csv:%d: unknown status "bogus"`, 5*batchRows+5)},
		{"strict, pipelined", struct{ io.Reader }{strings.NewReader(in)}, Options{Strict: true}, fmt.Sprintf(`big.csv:%d: unknown status "bogus"`, 5*batchRows+5)},
		{"read error, pipelined", &failReader{data: in}, Options{}, "big.csv: disk on fire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp, err := Read(tt.r, "big.csv", tt.opt)
			if err == nil || err.Error() != tt.err || exp != nil {
				t.Fatalf("Read = %v, %v; want the error %q", exp, err, tt.err)
			}
		})
	}
	for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine() > before; {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestNetBoxVRFName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Blue", "Blue"},
		{"Blue (65000:100)", "Blue"},
		{"Blue (192.0.2.1:7)", "Blue"},
		{"Red VRF (65000:2)", "Red VRF"},
		{"Customer (A)", "Customer (A)"},         // no RD: a name with parentheses
		{"(65000:1)", "(65000:1)"},               // nothing before the RD
		{"Blue (65000:1", "Blue (65000:1"},       // unbalanced
		{"Blue (a b:1)", "Blue (a b:1)"},         // an RD has no spaces
		{"Blue (x) (65000:1)", "Blue (x)"},       // only the last group
		{"Blue (65000:(1))", "Blue (65000:(1))"}, // nested
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := netboxVRFName(tt.in); got != tt.want {
				t.Errorf("netboxVRFName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStatusVocabularies(t *testing.T) {
	tests := []struct {
		format Format
		header string
		text   string
		want   Status
		err    bool
	}{
		{FormatNetBox, "address,status", "", StatusActive, false},
		{FormatNetBox, "address,status", "Active", StatusActive, false},
		{FormatNetBox, "address,status", "DHCP", StatusDHCP, false},
		{FormatNetBox, "address,status", "slaac", StatusDHCP, false},
		{FormatNetBox, "address,status", "Deprecated", StatusDeprecated, false},
		{FormatNetBox, "address,status", "RESERVED", StatusReserved, false},
		{FormatNetBox, "address,status", "used", 0, true},
		{FormatNetBox, "address,status", "free", 0, true},
		{FormatPhpIPAM, "ip address,tag", "", StatusActive, false},
		{FormatPhpIPAM, "ip address,tag", "Used", StatusActive, false},
		{FormatPhpIPAM, "ip address,tag", "Online", StatusActive, false},
		{FormatPhpIPAM, "ip address,tag", "Offline", StatusDeprecated, false},
		{FormatPhpIPAM, "ip address,tag", "Reserved", StatusReserved, false},
		{FormatPhpIPAM, "ip address,tag", "dhcp", StatusDHCP, false},
		{FormatPhpIPAM, "ip address,tag", "1", StatusDeprecated, false},
		{FormatPhpIPAM, "ip address,tag", "2", StatusActive, false},
		{FormatPhpIPAM, "ip address,tag", "3", StatusReserved, false},
		{FormatPhpIPAM, "ip address,tag", "4", StatusDHCP, false},
		{FormatPhpIPAM, "ip address,tag", "5", 0, true},
		{FormatPhpIPAM, "ip address,tag", "active", 0, true},
		{FormatCSV, "address,status", "", StatusActive, false},
		{FormatCSV, "address,status", "Assigned", StatusActive, false},
		{FormatCSV, "address,status", "In Use", StatusActive, false},
		{FormatCSV, "address,status", "unallocated", StatusFree, false},
		{FormatCSV, "address,status", "Unassigned", StatusFree, false},
		{FormatCSV, "address,status", "decommissioned", StatusDeprecated, false},
		{FormatCSV, "address,status", "free", StatusFree, false},
		{FormatCSV, "address,status", "activ", 0, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.format)+"/"+tt.text, func(t *testing.T) {
			imp, _, err := choose(Options{Format: tt.format}, strings.Split(tt.header, ","))
			if err != nil {
				t.Fatal(err)
			}
			got, err := imp.status(tt.text)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("status(%q) = %v, %v; want %v (error %v)", tt.text, got, err, tt.want, tt.err)
			}
		})
	}
}
