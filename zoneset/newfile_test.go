package zoneset

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestNewFileName(t *testing.T) {
	v4 := func(o string) string { return strings.ReplaceAll(zone100, "100.51.198.in-addr.arpa.", o) }
	tests := []struct {
		name    string
		files   map[string]string // name -> origin
		origin  string
		pattern string
		want    string
	}{
		{"db style", map[string]string{"db.198.51.100": "100.51.198.in-addr.arpa.", "db.192.0.2": "2.0.192.in-addr.arpa."}, "113.0.203.in-addr.arpa.", "", "db.203.0.113"},
		{"db style, /16", map[string]string{"db.198.51.100": "100.51.198.in-addr.arpa."}, "20.10.in-addr.arpa.", "", "db.10.20"},
		{"db style, classless child", map[string]string{"db.198.51.100": "100.51.198.in-addr.arpa."}, "64/26.100.51.198.in-addr.arpa.", "", "db.198.51.100.64-26"},
		{"zone style", map[string]string{"100.51.198.in-addr.arpa.zone": "100.51.198.in-addr.arpa."}, "113.0.203.in-addr.arpa.", "", "113.0.203.in-addr.arpa.zone"},
		{"zone style, classless", map[string]string{"100.51.198.in-addr.arpa.zone": "100.51.198.in-addr.arpa."}, "64/26.100.51.198.in-addr.arpa.", "", "64-26.100.51.198.in-addr.arpa.zone"},
		{"bare origin", map[string]string{"100.51.198.in-addr.arpa": "100.51.198.in-addr.arpa."}, "113.0.203.in-addr.arpa.", "", "113.0.203.in-addr.arpa"},
		{"origin with final dot", map[string]string{"100.51.198.in-addr.arpa.": "100.51.198.in-addr.arpa."}, "113.0.203.in-addr.arpa.", "", "113.0.203.in-addr.arpa."},
		{"net.rev", map[string]string{"198.51.100.rev": "100.51.198.in-addr.arpa."}, "113.0.203.in-addr.arpa.", "", "203.0.113.rev"},
		{"origin.db", map[string]string{"100.51.198.in-addr.arpa.db": "100.51.198.in-addr.arpa."}, "113.0.203.in-addr.arpa.", "", "113.0.203.in-addr.arpa.db"},
		{"majority wins", map[string]string{"db.198.51.100": "100.51.198.in-addr.arpa.", "db.192.0.2": "2.0.192.in-addr.arpa.", "113.0.203.in-addr.arpa.zone": "113.0.203.in-addr.arpa."}, "20.10.in-addr.arpa.", "", "db.10.20"},
		{"same family first", map[string]string{"db.198.51.100": "100.51.198.in-addr.arpa.", "db.192.0.2": "2.0.192.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.zone": "8.b.d.0.1.0.0.2.ip6.arpa."}, "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.zone"},
		{"ipv6 db style", map[string]string{"db.2001:db8": "8.b.d.0.1.0.0.2.ip6.arpa."}, "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "", "db.2001:db8:100"},
		{"empty directory", nil, "113.0.203.in-addr.arpa.", "", "113.0.203.in-addr.arpa.zone"},
		{"unknown style", map[string]string{"customers-a": "100.51.198.in-addr.arpa."}, "113.0.203.in-addr.arpa.", "", "113.0.203.in-addr.arpa.zone"},
		{"pattern origin", map[string]string{"db.198.51.100": "100.51.198.in-addr.arpa."}, "64/26.113.0.203.in-addr.arpa.", "{origin}.zone", "64-26.113.0.203.in-addr.arpa.zone"},
		{"pattern net", nil, "113.0.203.in-addr.arpa.", "reverse/db.{net}", "reverse/db.203.0.113"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, o := range tt.files {
				write(t, dir, n, v4(o))
			}
			s, err := Load([]Spec{{Path: dir}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Zones) != len(tt.files) {
				t.Fatalf("zones %v problems %v", origins(s), s.Problems)
			}
			got, err := s.NewFileName(dir, tt.origin, tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(dir, filepath.FromSlash(tt.want)); got != want {
				t.Fatalf("got %s, want %s", got, want)
			}
		})
	}
}

func TestCheckFilePattern(t *testing.T) {
	for _, p := range []string{"db.{origin}", "{origin}.zone", "rev/{net}.db", "{net}"} {
		if err := CheckFilePattern(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	for _, p := range []string{"", "db.zone", "{orign}.zone", "/etc/{origin}", "../{origin}", "{origin", "a/../../{net}"} {
		if err := CheckFilePattern(p); err == nil {
			t.Errorf("%q accepted", p)
		}
	}
}
