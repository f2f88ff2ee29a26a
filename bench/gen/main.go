// Command gen writes the data sets bench/run.sh measures rdnsctl on: a /12 of
// empty /24 zones (for block-init), the same /12 filled with default PTRs plus
// a NetBox export of every address with 1% planted problems (for audit), a
// residential NetBox export (netbox-residential.csv: every other address,
// 524,288 rows, assigned to a customer, most without a DNS name: they keep
// their default PTR), and the same PTRs as one zone (for BIND's tools).
// Addresses are in 10.0.0.0/12 and names under example.net: nothing here is
// ever sent anywhere.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
)

const soa = "@\tIN\tSOA\tns1.example.net. hostmaster.example.net. 2026010100 7200 3600 1209600 3600\n\tIN\tNS\tns1.example.net.\n\tIN\tNS\tns2.example.net.\n"

func main() {
	out := flag.String("out", "bench/out", "output directory")
	n24 := flag.Int("zones", 4096, "number of /24 zones (10.0.0.0 upwards)")
	flag.Parse()
	empty := filepath.Join(*out, "empty")
	full := filepath.Join(*out, "full")
	for _, d := range []string{empty, full} {
		must(os.MkdirAll(d, 0o755))
	}
	one := create(filepath.Join(*out, "one.zone"))
	fmt.Fprintf(one, "$ORIGIN 10.in-addr.arpa.\n$TTL 3600\n%s", soa)
	ipam := create(filepath.Join(*out, "netbox.csv"))
	fmt.Fprintln(ipam, "address,vrf,tenant,status,role,dns_name,description")
	res := create(filepath.Join(*out, "netbox-residential.csv"))
	fmt.Fprintln(res, "address,vrf,tenant,status,role,dns_name,description")
	planted := map[string]int{}
	for z := 0; z < *n24; z++ {
		b, c := z>>8, z&0xff
		origin := fmt.Sprintf("%d.%d.10.in-addr.arpa.", c, b)
		e := create(filepath.Join(empty, fmt.Sprintf("db.10.%d.%d", b, c)))
		fmt.Fprintf(e, "$ORIGIN %s\n$TTL 3600\n%s", origin, soa)
		must(e.Flush())
		f := create(filepath.Join(full, fmt.Sprintf("db.10.%d.%d", b, c)))
		fmt.Fprintf(f, "$ORIGIN %s\n$TTL 3600\n%s", origin, soa)
		for d := 0; d < 256; d++ {
			ip := fmt.Sprintf("10.%d.%d.%d", b, c, d)
			def := fmt.Sprintf("10-%d-%d-%d.dyn.example.net.", b, c, d)
			fmt.Fprintf(one, "%d.%d.%d\tIN\tPTR\t%s\n", d, c, b, def)
			i := z*256 + d
			// 1% planted problems, four kinds in turn
			ptr, status, host, tenant := def, "active", "", ""
			if i%100 == 7 {
				switch (i / 100) % 4 {
				case 0: // missing: active in IPAM, no PTR
					ptr = ""
					planted["missing"]++
				case 1: // stale: deprecated in IPAM, custom PTR
					ptr, status = fmt.Sprintf("mail.former%d.example.", i), "deprecated"
					planted["stale"]++
				case 2: // mismatch: IPAM names another host
					host, tenant = fmt.Sprintf("mx.cust%d.example", i), fmt.Sprintf("cust%d", i)
					planted["mismatch"]++
				case 3: // invalid: target lost its final dot
					ptr = fmt.Sprintf("host%d.example.com", i)
					planted["invalid"]++
				}
			}
			if ptr != "" {
				fmt.Fprintf(f, "%d\tIN\tPTR\t%s\n", d, ptr)
			}
			fmt.Fprintf(ipam, "%s/24,,%s,%s,,%s,\n", ip, tenant, status, host)
			// residential: every other address assigned to a customer on
			// its default PTR (an info finding, counted, not listed); the
			// planted problems of the even addresses are the real findings.
			if d%2 == 0 || i%100 == 7 {
				rt := tenant
				if rt == "" {
					rt = fmt.Sprintf("res%d", i)
				}
				fmt.Fprintf(res, "%s/24,,%s,%s,,%s,residential\n", ip, rt, status, host)
			}
		}
		must(f.Flush())
	}
	must(one.Flush())
	must(ipam.Flush())
	must(res.Flush())
	fmt.Printf("planted: %v\n", planted)
}

type file struct {
	*bufio.Writer
	f *os.File
}

func create(path string) *file {
	f, err := os.Create(path)
	must(err)
	return &file{bufio.NewWriterSize(f, 64*1024), f}
}

// Flush writes the buffer and closes the file.
func (f *file) Flush() error {
	if err := f.Writer.Flush(); err != nil {
		return err
	}
	return f.f.Close()
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
