package ipam

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// addSeeds adds the testdata files and the corpus files whose names start
// with one of prefixes (when the corpus is there), and extra inputs.
func addSeeds(f *testing.F, prefixes []string, extra ...string) {
	for _, dir := range []string{"testdata", prefixDir, corpusDir} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
		for _, file := range files {
			for _, p := range prefixes {
				if strings.HasPrefix(filepath.Base(file), p) {
					b, err := os.ReadFile(file)
					if err != nil {
						f.Fatal(err)
					}
					f.Add(b)
				}
			}
		}
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// checkRead reads in with format, leniently and strictly, and checks what
// must hold whatever the input.
func checkRead(t *testing.T, in []byte, format Format) {
	const name = "fuzz.csv"
	opt := Options{Format: format, VRFs: []string{"global", "Blue"}}
	exp, err := Read(strings.NewReader(string(in)), name, opt)
	if err != nil {
		if !strings.HasPrefix(err.Error(), name+":") {
			t.Fatalf("error does not name the file: %v", err)
		}
		if _, serr := Read(strings.NewReader(string(in)), name, Options{Format: format, Strict: true}); serr == nil {
			t.Fatalf("lenient read failed (%v), strict read did not", err)
		}
		return
	}
	// The same input as a stream of unknown size goes through the pipelined
	// path and must give the same result.
	if pexp, perr := Read(struct{ io.Reader }{strings.NewReader(string(in))}, name, opt); perr != nil || !reflect.DeepEqual(exp, pexp) {
		t.Fatalf("pipelined read differs: %v\n%+v\n%+v", perr, exp, pexp)
	}
	if format != FormatAuto && exp.Format != format {
		t.Fatalf("Format = %q, want %q", exp.Format, format)
	}
	for i, r := range exp.Records {
		switch {
		case !r.Addr.IsValid() || r.Addr.Is4In6() || r.Addr.Zone() != "":
			t.Fatalf("record %d: bad address %v", i, r.Addr)
		case r.Line <= 0 || i > 0 && r.Line <= exp.Records[i-1].Line:
			t.Fatalf("record %d: line %d after %v", i, r.Line, exp.Records[:i])
		case r.Hostname != "" && (rdns.CheckHostname(r.Hostname) != nil || rdns.CanonicalHostname(r.Hostname) != r.Hostname):
			t.Fatalf("record %d: host name %q is not canonical", i, r.Hostname)
		case r.Prefix().IsValid() && (r.Prefix().Masked() != r.Prefix() || !r.Prefix().Contains(r.Addr)):
			t.Fatalf("record %d: prefix %v for %v", i, r.Prefix(), r.Addr)
		case r.Prefix() != (r.Prefix().Masked()) && r.Prefix().IsValid():
			t.Fatalf("record %d: prefix %v not masked", i, r.Prefix())
		case r.Status > StatusFree:
			t.Fatalf("record %d: status %v", i, r.Status)
		case r.VRF != "" && !strings.EqualFold(r.VRF, "Blue"):
			t.Fatalf("record %d: VRF %q was not asked for", i, r.VRF)
		}
	}
	if len(exp.Records) > 0 && len(exp.PrefixRecords) > 0 {
		t.Fatalf("one export with %d address and %d prefix rows", len(exp.Records), len(exp.PrefixRecords))
	}
	for i, r := range exp.PrefixRecords {
		switch {
		case !r.Prefix.IsValid() || r.Prefix.Masked() != r.Prefix || r.Prefix.Addr().Is4In6() && r.Prefix.Bits() >= 96:
			t.Fatalf("prefix record %d: bad prefix %v", i, r.Prefix)
		case r.Line <= 0 || i > 0 && r.Line <= exp.PrefixRecords[i-1].Line:
			t.Fatalf("prefix record %d: line %d after %v", i, r.Line, exp.PrefixRecords[:i])
		case r.File != name:
			t.Fatalf("prefix record %d: file %q", i, r.File)
		case r.Status > StatusContainer || (r.Status == StatusDHCP || r.Status == StatusFree) && exp.Format == FormatNetBox:
			t.Fatalf("prefix record %d: status %v in a %s export", i, r.Status, exp.Format)
		case r.VRF != "" && !strings.EqualFold(r.VRF, "Blue"):
			t.Fatalf("prefix record %d: VRF %q was not asked for", i, r.VRF)
		}
	}
	if len(exp.PrefixRecords) > 0 && len(exp.Prefixes) > 0 {
		t.Fatalf("a prefix export lists Prefixes %v", exp.Prefixes)
	}
	if src := exp.Sources; len(src) != 1 || src[0].File != name || src[0].Format != exp.Format ||
		src[0].Records != len(exp.Records) || src[0].PrefixRecords != len(exp.PrefixRecords) || src[0].PrefixExport && len(exp.Records) > 0 {
		t.Fatalf("Sources = %+v", exp.Sources)
	}
	malformed := 0
	for _, p := range exp.Problems {
		// only the whole-file line count has no line of its own
		if (p.Line <= 0 && !strings.Contains(p.Msg, "some lines were not read as rows")) || p.File != name {
			t.Fatalf("problem without a place: %+v", p)
		}
		if strings.HasSuffix(p.Msg, "; row skipped") && !p.IsError {
			t.Fatalf("skipped row not counted as an error: %+v", p)
		}
		if p.IsError {
			malformed++
		}
	}
	if malformed > 0 != exp.HasErrors() {
		t.Fatalf("HasErrors %v with %d error problems", exp.HasErrors(), malformed)
	}
	for i := 1; i < len(exp.Prefixes); i++ {
		if exp.Prefixes[i-1].Compare(exp.Prefixes[i]) >= 0 {
			t.Fatalf("Prefixes not sorted and distinct: %v", exp.Prefixes)
		}
	}
	opt.Strict = true
	sexp, serr := Read(strings.NewReader(string(in)), name, opt)
	switch {
	case malformed == 0 && serr != nil:
		t.Fatalf("strict read failed without malformed rows: %v", serr)
	case malformed > 0 && serr == nil:
		t.Fatalf("strict read passed %d malformed rows", malformed)
	case serr == nil && (len(sexp.Records) != len(exp.Records) || len(sexp.PrefixRecords) != len(exp.PrefixRecords)):
		t.Fatalf("strict read has %d records and %d prefix records, lenient %d and %d",
			len(sexp.Records), len(sexp.PrefixRecords), len(exp.Records), len(exp.PrefixRecords))
	case serr != nil:
		if p, ok := serr.(Problem); !ok || (p.Line <= 0 && !strings.Contains(p.Msg, "some lines were not read as rows")) {
			t.Fatalf("strict error %v (%T) is no Problem with a line", serr, serr)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	addSeeds(f, []string{"generic"},
		"address,hostname,status\n192.0.2.1,a.example.net,active\n",
		// quoting that used to swallow rows (issue 9.2), and a bad prefix
		"address,hostname,description\n192.0.2.1,a.example.net,\"HQ\" uplink\n192.0.2.2,b.example.net,\n",
		"address,hostname,description\n192.0.2.1,a.example.net,\"HQ uplink\n192.0.2.2,b.example.net,x\"\n192.0.2.3,,\n",
		"address,prefix\n192.0.2.1,192.0.2.7/24\n192.0.2.2,192.0.2.0/33\n",
		"\ufeffaddress;hostname\r\n2001:db8::1;\"x\r\ny\"\r\n",
		"address\r192.0.2.1\r",
	)
	f.Fuzz(func(t *testing.T, in []byte) {
		checkRead(t, in, FormatCSV)
		checkRead(t, in, FormatAuto)
	})
}

func FuzzReadNetBox(f *testing.F) {
	addSeeds(f, []string{"netbox"},
		"address,vrf,status,dns_name\n198.51.100.44/24,,active,*.example.net\n",
		"IP Address,VRF,Status\r\n192.0.2.1/24,Blue (65000:1),SLAAC\r\n",
	)
	f.Fuzz(func(t *testing.T, in []byte) {
		checkRead(t, in, FormatNetBox)
	})
}

func FuzzReadPhpIPAM(f *testing.F) {
	addSeeds(f, []string{"phpipam"},
		"192.0.2.1;Used;x;gw.example.net\n192.0.2.2;;;\n",
		"Section,IP Address,Hostname,VRF,Subnet,Tag\nS,192.0.2.1,h.example.net,default,192.0.2.0/24,\n",
	)
	f.Fuzz(func(t *testing.T, in []byte) {
		checkRead(t, in, FormatPhpIPAM)
	})
}

// FuzzReadPrefixes covers the prefix exports: NetBox prefixes (both
// shapes), phpIPAM subnets, the generic CSV with a prefix column.
func FuzzReadPrefixes(f *testing.F) {
	addSeeds(f, []string{"netbox_prefixes", "phpipam_subnets", "generic_prefixes"},
		"prefix,vrf,tenant,status,role,description\n2001:db8:100::/56,,Acme,active,,\n2001:db8::1/56,,B,container,,\n",
		"Prefix,Status,VRF,Tenant\r\n2001:db8::/48,Container,Blue (65000:1),\r\n",
		"Section;Subnet;Mask;VRF;Master Subnet\nS;2001:db8::;48;default;/\nS;2001:db8::/56;;;2001:db8::/48\nS;x (folder);;;/\n",
		"subnet,mask\n192.0.2.0,255.255.255.0\n192.0.2.0,255.0.255.0\n",
		"prefix,status\n::ffff:192.0.2.0/120,free\n2001:db8::,\n",
	)
	f.Fuzz(func(t *testing.T, in []byte) {
		checkRead(t, in, FormatAuto)
		checkRead(t, in, FormatNetBox)
		checkRead(t, in, FormatPhpIPAM)
	})
}
