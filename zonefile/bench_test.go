package zonefile

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/rdnsctl/rdnsctl/rdns"
)

var (
	bigZoneOnce sync.Once
	bigZone     []byte
)

// zone1MPTR is a /12 worth of PTRs (1,048,576) in 10.in-addr.arpa, written
// the way operators write them: one relative owner per line, tab separated.
func zone1MPTR() []byte {
	bigZoneOnce.Do(func() {
		var b bytes.Buffer
		b.Grow(48 << 20)
		b.WriteString("$ORIGIN 10.in-addr.arpa.\n$TTL 3600\n")
		b.WriteString("@\tIN\tSOA\tns1.example.net. hostmaster.example.net. ( 2024010100 3600 600 1209600 3600 )\n")
		b.WriteString("@\tIN\tNS\tns1.example.net.\n@\tIN\tNS\tns2.example.net.\n")
		for x := 0; x < 16; x++ {
			for y := 0; y < 256; y++ {
				for z := 0; z < 256; z++ {
					fmt.Fprintf(&b, "%d.%d.%d\tIN\tPTR\thost-10-%d-%d-%d.pool.example.net.\n", z, y, x, x, y, z)
				}
			}
		}
		bigZone = b.Bytes()
	})
	return bigZone
}

func BenchmarkParse1MPTR(b *testing.B) {
	data := zone1MPTR()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		z, err := ParseBytes(data, "10.in-addr.arpa", Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(z.Records) != 1<<20+3 {
			b.Fatalf("%d records", len(z.Records))
		}
	}
}

// BenchmarkPatch1MPTR replaces 1,000 PTRs and adds 1,000 in the 1M zone.
func BenchmarkPatch1MPTR(b *testing.B) {
	data := zone1MPTR()
	z, err := ParseBytes(data, "10.in-addr.arpa", Options{})
	if err != nil {
		b.Fatal(err)
	}
	var changes []rdns.Change
	for i := 0; i < 1000; i++ {
		r := z.Records[3+i*1000]
		changes = append(changes, rdns.Change{Action: rdns.Replace, Name: r.Name, Type: "PTR", Old: r.Data, New: fmt.Sprintf("new-%d.example.net.", i)})
		changes = append(changes, rdns.Change{Action: rdns.Add, Name: fmt.Sprintf("%d.%d.20.10.in-addr.arpa.", i%256, i/256), Type: "PTR", New: fmt.Sprintf("added-%d.example.net.", i)})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out, err := z.Patch(changes, PatchOptions{Now: patchNow})
		if err != nil || len(out) != 1 {
			b.Fatal(err)
		}
	}
}
