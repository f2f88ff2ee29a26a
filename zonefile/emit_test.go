package zonefile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/rdnsctl/rdnsctl/rdns"
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

// A new zone made from per-address adds writes the groups that make a whole
// $GENERATE line as that line, in address order among the other records;
// read back, it holds exactly the records the changes add.
func TestEmitChangesGenerate(t *testing.T) {
	const origin = "2.0.192.in-addr.arpa."
	head := []Record{
		{Name: origin, TTL: 3600, Class: 1, Type: 6, Data: "ns1.example.net. hostmaster.example.net. 2024020300 7200 3600 1209600 3600"},
		{Name: origin, TTL: 3600, Class: 1, Type: 2, Data: "ns1.example.net."},
	}
	var adds []rdns.Change
	adds = append(adds, perAddress(rdns.Add, "PTR", 8, 63, nil, name("h-%d.pool.example.net."), "h-$.pool.example.net.", "8-63")...)
	adds = append(adds, perAddress(rdns.Add, "PTR", 0, 6, nil, name("h-%d.pool.example.net."), "h-$.pool.example.net.", "0-6")...)
	adds = append(adds, rdns.Change{Action: rdns.Add, Name: "7." + origin, Type: "PTR", New: "mail.customer.example."})
	adds = append(adds, rdns.Change{Action: rdns.Add, Name: "64/26." + origin, Type: "NS", New: "ns1.customer.example."})
	adds = append(adds, perAddress(rdns.Add, "CNAME", 64, 127, nil, name("%d.64/26."+origin), "$.64/26", "64-127")...)
	// a group that is not whole stays records
	adds = append(adds, perAddress(rdns.Add, "PTR", 200, 201, nil, name("h-%d.pool.example.net."), "h-$.pool.example.net.", "200-202")...)
	got, err := EmitChanges(origin, 3600, head, adds)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "emit-generate.golden")
	if *update {
		os.WriteFile(golden, got, 0o644)
	}
	if want, _ := os.ReadFile(golden); !bytes.Equal(got, want) {
		t.Errorf("got\n%s\nwant (%s, refresh with -update)\n%s", got, golden, want)
	}
	if n := bytes.Count(got, []byte("\n$GENERATE")); n != 3 {
		t.Errorf("%d $GENERATE lines, want 3", n)
	}
	namedCheckZone(t, origin, got)
	z, err := ParseBytes(got, "new", Options{Origin: origin})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, r := range z.Records {
		if r.Type != 6 && r.Name != origin {
			have[r.Name+" "+typeString(r.Type)+" "+r.Data] = true
		}
	}
	for _, c := range adds {
		n, _ := CanonicalName(c.Name, origin)
		k := n + " " + c.Type + " " + c.New
		if !have[k] {
			t.Errorf("missing %s", k)
		}
		delete(have, k)
	}
	if len(have) > 0 {
		t.Errorf("unexpected records %v", have)
	}
	if _, err := EmitChanges(origin, 3600, head, []rdns.Change{{Action: rdns.Delete, Name: "1." + origin, Type: "PTR", Old: "x."}}); err == nil {
		t.Error("a delete into a new zone was accepted")
	}
}
