package zoneset

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/rdnsctl/rdnsctl/rdns"
)

func loadExamples(t *testing.T) *Set {
	t.Helper()
	s, err := Load([]Spec{{Path: filepath.Join("..", "examples", "zones")}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Problems) > 0 {
		t.Fatalf("problems: %v", s.Problems)
	}
	return s
}

func TestLookup(t *testing.T) {
	s := loadExamples(t)
	tests := []struct {
		ip     string
		status Status
		zone   string
		ptrs   []string
		via    string
	}{
		{"198.51.100.10", Found, "100.51.198.in-addr.arpa.", []string{"mail.acme-widgets.example."}, ""},
		{"198.51.100.22", Found, "100.51.198.in-addr.arpa.", nil, ""},
		{"198.51.100.65", Found, "64/26.100.51.198.in-addr.arpa.", []string{"web1.hosting.example.net."}, ""},
		{"198.51.100.68", Found, "64/26.100.51.198.in-addr.arpa.", nil, ""},
		{"192.0.2.77", Found, "2.0.192.in-addr.arpa.", []string{"192-0-2-77.pool1.example.net."}, ""},
		{"203.0.113.7", Found, "113.0.203.in-addr.arpa.", []string{"smtp.lawfirm.example."}, ""},
		{"2001:db8:100:10::25", Found, "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", []string{"mail.acme-widgets.example."}, ""},
		{"10.0.0.1", Unmanaged, "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			l := s.Lookup(netip.MustParseAddr(tt.ip))
			if l.Status != tt.status {
				t.Fatalf("status %d, want %d", l.Status, tt.status)
			}
			if l.Zone != nil && l.Zone.Origin != tt.zone || l.Zone == nil && tt.zone != "" {
				t.Fatalf("zone %v, want %s", l.Zone, tt.zone)
			}
			var got []string
			for _, i := range l.PTRs {
				got = append(got, l.Zone.Records[i].Data)
			}
			if len(got) != len(tt.ptrs) || (len(got) > 0 && got[0] != tt.ptrs[0]) {
				t.Fatalf("ptrs %v, want %v", got, tt.ptrs)
			}
		})
	}
}

// Across an RFC 2317 delegation whose child is not loaded, the address is
// delegated; with the child loaded, the parent's CNAME is followed.
func TestDelegatedAndFollowed(t *testing.T) {
	dir := t.TempDir()
	parent := `$ORIGIN 100.51.198.in-addr.arpa.
$TTL 3600
@ SOA ns1.example.net. h.example.net. 1 2 3 4 5
@ NS ns1.example.net.
0/26 NS ns1.customer.example.
$GENERATE 0-63 $ CNAME $.0/26
70 PTR x.example.net.
`
	child := `$ORIGIN 0/26.100.51.198.in-addr.arpa.
$TTL 3600
@ SOA ns1.example.net. h.example.net. 1 2 3 4 5
@ NS ns1.example.net.
5 PTR five.example.net.
`
	os.WriteFile(filepath.Join(dir, "parent"), []byte(parent), 0o644)
	s, err := Load([]Spec{{Path: dir}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := s.Lookup(netip.MustParseAddr("198.51.100.5"))
	if l.Status != Delegated || l.Cut != "0/26.100.51.198.in-addr.arpa." {
		t.Fatalf("without the child: %+v", l)
	}
	os.WriteFile(filepath.Join(dir, "child"), []byte(child), 0o644)
	s, err = Load([]Spec{{Path: dir}}, Options{Style: rdns.Slash})
	if err != nil {
		t.Fatal(err)
	}
	l = s.Lookup(netip.MustParseAddr("198.51.100.5"))
	if l.Status != Found || l.Zone.Origin != "0/26.100.51.198.in-addr.arpa." || len(l.PTRs) != 1 {
		t.Fatalf("with the child: %+v", l)
	}
}

func TestIncludedFilesAreNotZones(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "db.192.0.2"), []byte("$ORIGIN 2.0.192.in-addr.arpa.\n@ 3600 SOA ns1.example.net. h.example.net. 1 2 3 4 5\n@ 3600 NS ns1.example.net.\n$INCLUDE inc/customers\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "inc"), 0o755)
	os.WriteFile(filepath.Join(dir, "inc", "customers"), []byte("5 3600 PTR five.example.net.\n"), 0o644)
	s, err := Load([]Spec{{Path: dir}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Zones) != 1 || len(s.Problems) != 0 {
		t.Fatalf("zones %d, problems %v", len(s.Zones), s.Problems)
	}
	l := s.Lookup(netip.MustParseAddr("192.0.2.5"))
	if len(l.PTRs) != 1 {
		t.Fatalf("included PTR not found: %+v", l)
	}
	r := &l.Zone.Records[l.PTRs[0]]
	if got := l.Zone.FileOf(r); got != filepath.Join(dir, "inc", "customers") {
		t.Fatalf("FileOf = %s", got)
	}
}
