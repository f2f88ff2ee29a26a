package zonefile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestEmit(t *testing.T) {
	cases := []struct {
		name, origin string
		ttl          uint32
		records      []Record
	}{
		{"v4", "100.51.198.in-addr.arpa", 3600, []Record{
			{Name: "100.51.198.in-addr.arpa.", TTL: 3600, Class: 1, Type: 12, Data: "apex.example.net."},
			{Name: "10.100.51.198.in-addr.arpa.", TTL: 3600, Class: 1, Type: 12, Data: "ten.example.net."},
			{Name: "100.51.198.in-addr.arpa.", TTL: 3600, Class: 1, Type: 2, Data: "ns2.example.net."},
			{Name: "2.100.51.198.in-addr.arpa.", TTL: 60, Class: 1, Type: 12, Data: "two.example.net."},
			{Name: "100.51.198.in-addr.arpa.", TTL: 3600, Class: 1, Type: 6, Data: "ns1.example.net. hostmaster.example.net. 2024020300 7200 3600 1209600 3600"},
			{Name: "100.51.198.in-addr.arpa.", TTL: 3600, Class: 1, Type: 2, Data: "ns1.example.net."},
			{Name: "64/26.100.51.198.in-addr.arpa.", TTL: 3600, Class: 1, Type: 2, Data: "ns1.example.net."},
			{Name: "65.100.51.198.in-addr.arpa.", TTL: 3600, Class: 1, Type: 5, Data: "65.64/26.100.51.198.in-addr.arpa."},
			{Name: "2.100.51.198.in-addr.arpa.", TTL: 60, Class: 1, Type: 12, Data: "two.example.net."},
		}},
		{"v6", "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", 86400, []Record{
			{Name: "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", TTL: 86400, Class: 1, Type: 6, Data: "ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 3600"},
			{Name: "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", TTL: 86400, Class: 1, Type: 2, Data: "ns1.example.net."},
			{Name: "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", TTL: 86400, Class: 1, Type: 12, Data: "b.example.net."},
			{Name: "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", TTL: 86400, Class: 1, Type: 12, Data: "a.example.net."},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Emit(c.origin, c.ttl, c.records)
			golden := filepath.Join("testdata", "emit-"+c.name+".golden")
			if *update {
				os.WriteFile(golden, got, 0o644)
			}
			if want := mustRead(t, golden); !bytes.Equal(got, want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
			z, err := ParseBytes(got, "emitted", Options{})
			if err != nil {
				t.Fatal(err)
			}
			origin, _ := CanonicalName(c.origin, ".")
			if z.Origin != origin {
				t.Errorf("origin %q", z.Origin)
			}
			want := &Zone{Origin: origin, Records: c.records}
			if a, b := recordLines(z), recordLines(want); !equalStrings(a, b) {
				t.Errorf("read back:\n%q\nwant\n%q", a, b)
			}
			namedCheckZone(t, origin, got)
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
