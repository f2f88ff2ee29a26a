package ipam

import (
	"bytes"
	"fmt"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// benchRows is the size of a large ISP's export: 2^20 rows.
const benchRows = 1 << 20

// The generated exports are sorted by address, like IPAM exports: the
// benchmarking range 198.18.0.0/15 (RFC 2544) for the first 7/8 of the rows
// (131072 addresses, used over again in turn), then 2001:db8::/32.
func benchAddr(i int) (addr, prefix string) {
	if i >= benchRows/8*7 {
		return fmt.Sprintf("2001:db8:%x:%x::%x", i>>16, i>>8&0xff, i&0xff+1),
			fmt.Sprintf("2001:db8:%x:%x::/64", i>>16, i>>8&0xff)
	}
	n := i % (1 << 17)
	return fmt.Sprintf("198.%d.%d.%d", 18+n>>16, n>>8&0xff, n&0xff),
		fmt.Sprintf("198.%d.%d.0/24", 18+n>>16, n>>8&0xff)
}

var benchStatus = [...]string{"active", "active", "active", "active", "active", "reserved", "dhcp", "deprecated"}

var genericCSV = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	b.WriteString("address,hostname,status,customer,prefix,vrf\n")
	for i := range benchRows {
		a, p := benchAddr(i)
		fmt.Fprintf(&b, "%s,host-%d.example.net,%s,Customer %d,%s,\n", a, i, benchStatus[i%8], i%5000, p)
	}
	return b.Bytes()
})

var netboxCSV = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	b.WriteString("address,vrf,tenant,status,role,device,virtual_machine,interface,fhrp_group,is_primary,is_oob,dns_name,description,owner,comments,tags\n")
	for i := range benchRows {
		a, p := benchAddr(i)
		fmt.Fprintf(&b, "%s/%s,,Customer %d,%s,,,,,,,,host-%d.example.net,\"Line %d, customer port\",,,\n",
			a, p[len(p)-2:], i%5000, benchStatus[i%8], i, i)
	}
	return b.Bytes()
})

func benchRead(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var exp *Export
	for b.Loop() {
		var err error
		exp, err = Read(bytes.NewReader(data), "bench.csv", Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(exp.Records) != benchRows || len(exp.Problems) != 0 {
			b.Fatalf("%d records, %d problems", len(exp.Records), len(exp.Problems))
		}
	}
	b.StopTimer()
	exp = nil
	held, strs := heldBytes(b, data)
	b.ReportMetric(float64(held)/benchRows, "held-B/rec")
	b.ReportMetric(float64(held-strs)/benchRows, "held-B/rec-no-strings")
}

// heldBytes measures the heap one Export of data keeps alive, and the part
// of it that is host name bytes (rounded up to 8 as small allocations are).
func heldBytes(b *testing.B, data []byte) (held, strs int64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	exp, err := Read(bytes.NewReader(data), "bench.csv", Options{})
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	for _, r := range exp.Records {
		strs += int64(len(r.Hostname)+7) &^ 7
	}
	runtime.KeepAlive(exp)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc), strs
}

func BenchmarkReadGenericCSV(b *testing.B) { benchRead(b, genericCSV()) }

func BenchmarkReadNetBox(b *testing.B) { benchRead(b, netboxCSV()) }

// BenchmarkReadSmall is the per-file overhead: the corpus-sized exports
// that most tests read.
func BenchmarkReadSmall(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("address,hostname,status\n")
	for i := range 20 {
		buf.WriteString("192.0.2." + strconv.Itoa(i+1) + ",host.example.net,active\n")
	}
	data := buf.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data), "small.csv", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// prefixRows is the size of a large ISP's prefix export: 100k customer
// prefixes.
const prefixRows = 100_000

var prefixStatus = [...]string{"active", "active", "active", "active", "active", "reserved", "deprecated", "container"}

// benchPrefix is the i-th /56 of 2001:db8::/32, in address order.
func benchPrefix(i int) netip.Prefix {
	return netip.MustParsePrefix(fmt.Sprintf("2001:db8:%x:%x::/56", i>>8, (i&0xff)<<8))
}

// prefixExport is a NetBox prefix import of n rows.
func prefixExport(n int) string {
	var b strings.Builder
	b.WriteString("prefix,vrf,tenant,status,role,description,tags\n")
	for i := range n {
		fmt.Fprintf(&b, "2001:db8:%x:%x::/56,,Customer %d,%s,Customer,\"Line %d, customer port\",\n", i>>8, (i&0xff)<<8, i%5000, prefixStatus[i%8], i)
	}
	return b.String()
}

var netboxPrefixCSV = sync.OnceValue(func() []byte { return []byte(prefixExport(prefixRows)) })

func BenchmarkReadPrefixes(b *testing.B) {
	data := netboxPrefixCSV()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		exp, err := Read(bytes.NewReader(data), "bench.csv", Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(exp.PrefixRecords) != prefixRows || len(exp.Problems) != 0 {
			b.Fatalf("%d prefix records, %d problems", len(exp.PrefixRecords), len(exp.Problems))
		}
	}
}
