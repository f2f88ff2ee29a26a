package zonefile

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The $GENERATE cases come from the expectations of the shared corpus:
// PowerDNS's radix test (pdns/README.md), the BIND ARM examples
// (bind9/docs), BIND's checkzone zones (good-generate-modifier, bad2-4,
// bad-generate-*, generate-overflow) and miekg/dns's range guards
// (miekg-dns/EXPECTATIONS.md, as BIND judged them in the oracle TSV).
// Each is also run through named-compilezone when it is installed.

func TestGenerate(t *testing.T) {
	// PowerDNS: $GENERATE 0-16 $.${1,2,o}.${3,4,d}.${5,6,X}.${7,8,x}
	var radix []string
	for i := 0; i <= 16; i++ {
		// owners are kept lower-case
		owner := strings.ToLower(fmt.Sprintf("%d.%02o.%04d.%06X.%08x.test.", i, i+1, i+3, i+5, i+7))
		radix = append(radix, owner+" 86400 A 1.2.3.4")
	}
	sortLines(radix)
	var rfc2317 []string
	for i := 1; i <= 127; i++ {
		rfc2317 = append(rfc2317, fmt.Sprintf("%d.0.0.192.in-addr.arpa. 300 CNAME %d.0.0.0.192.in-addr.arpa.", i, i))
	}
	sortLines(rfc2317)
	runReadCases(t, []readCase{
		{name: "pdns radix and width", zone: hdr + "$GENERATE 0-16 $.${1,2,o}.${3,4,d}.${5,6,X}.${7,8,x}\t86400\tIN\tA 1.2.3.4\n", want: radix},
		{name: "ARM RFC 2317 CNAMEs", origin: "0.0.192.in-addr.arpa.",
			zone: "$TTL 300\n$ORIGIN 0.0.192.IN-ADDR.ARPA.\n@ SOA ns h 1 2 3 4 5\n$GENERATE 1-2 @ NS SERVER$.EXAMPLE.\n$GENERATE 1-127 $ CNAME $.0\n",
			want: append([]string{
				"0.0.192.in-addr.arpa. 300 NS server1.example.",
				"0.0.192.in-addr.arpa. 300 NS server2.example.",
				"0.0.192.in-addr.arpa. 300 SOA ns.0.0.192.in-addr.arpa. h.0.0.192.in-addr.arpa. 1 2 3 4 5",
			}, rfc2317...)},
		{name: "ARM width and offset", zone: hdr + "$GENERATE 0-2 HOST-${0,4,d} A 1.2.3.${1,0,d}\n",
			want: []string{"host-0000.test. 300 A 1.2.3.1", "host-0001.test. 300 A 1.2.3.2", "host-0002.test. 300 A 1.2.3.3"}},
		{name: "ARM nibble owner", zone: hdr + "$GENERATE 1024-1026 ${0,3,n} AAAA 2001:db8::${0,4,x}\n",
			want: []string{"0.0.4.test. 300 AAAA 2001:db8::400", "1.0.4.test. 300 AAAA 2001:db8::401", "2.0.4.test. 300 AAAA 2001:db8::402"}},
		{name: "ARM quoted MX rdata", zone: hdr + "$GENERATE 1-2 HOST-$ MX \"0 .\"\n",
			want: []string{"host-1.test. 300 MX 0 .", "host-2.test. 300 MX 0 ."}},
		{name: "short forms ${1,0} and ${1}", zone: hdr + "$GENERATE 8-9 host$ A 1.2.3.${1,0}\n$GENERATE 10-11 host$ A 1.2.3.${1}\n",
			want: []string{"host10.test. 300 A 1.2.3.11", "host11.test. 300 A 1.2.3.12", "host8.test. 300 A 1.2.3.9", "host9.test. 300 A 1.2.3.10"}},
		{name: "negative offset in nibble mode", zone: hdr + "$GENERATE 1024-1026 ${-2000,0,n} AAAA 2001:db8::${0,4,x}\n",
			want: []string{"0.3.c.f.f.f.f.f.test. 300 AAAA 2001:db8::400", "1.3.c.f.f.f.f.f.test. 300 AAAA 2001:db8::401", "2.3.c.f.f.f.f.f.test. 300 AAAA 2001:db8::402"}},
		{name: "upper-case nibbles and width with dots", zone: hdr + "$GENERATE 171-171 ${0,7,N} PTR x.\n",
			want: []string{"b.a.0.0.test. 300 PTR x."}},
		{name: "reverse PTRs", origin: "100.51.198.in-addr.arpa.", zone: "$TTL 60\n@ SOA ns.example. h.example. 1 2 3 4 5\n@ NS ns.example.\n$GENERATE 1-3 $ PTR host-198-51-100-$.example.net.\n",
			want: []string{
				"100.51.198.in-addr.arpa. 60 NS ns.example.",
				"100.51.198.in-addr.arpa. 60 SOA ns.example. h.example. 1 2 3 4 5",
				"1.100.51.198.in-addr.arpa. 60 PTR host-198-51-100-1.example.net.",
				"2.100.51.198.in-addr.arpa. 60 PTR host-198-51-100-2.example.net.",
				"3.100.51.198.in-addr.arpa. 60 PTR host-198-51-100-3.example.net.",
			}},
		{name: "step", zone: hdr + "$GENERATE 0-10/4 dhcp-${0,4,d} A 10.0.0.$\n",
			want: []string{"dhcp-0000.test. 300 A 10.0.0.0", "dhcp-0004.test. 300 A 10.0.0.4", "dhcp-0008.test. 300 A 10.0.0.8"}},
		{name: "explicit TTL and class in either order", zone: hdr + "$GENERATE 1-1 a$ 60 IN PTR x.\n$GENERATE 1-1 b$ IN 70 PTR x.\nc PTR y.\n",
			want: []string{"a1.test. 60 PTR x.", "b1.test. 70 PTR x.", "c.test. 300 PTR y."}},
		{name: "literal dollar", zone: hdr + "$GENERATE 1-1 a$ TXT \"\\$ and $$ and $\"\n",
			// the quotes only hold the template together: the expanded
			// text is read again as RDATA, as BIND does
			want: []string{`a1.test. 300 TXT "$" "and" "$" "and" "1"`}},
		{name: "negative offset in decimal", zone: hdr + "$GENERATE 128-129 dhcp-${-129,4,d} A 10.0.0.$\n",
			want: []string{"dhcp--001.test. 300 A 10.0.0.128", "dhcp-0000.test. 300 A 10.0.0.129"}},
		{name: "largest offset", zone: hdr + "$GENERATE 0-1 dhcp-${2147483646,4,d} A 10.0.0.$\n",
			want: []string{"dhcp-2147483646.test. 300 A 10.0.0.0", "dhcp-2147483647.test. 300 A 10.0.0.1"}},
		{name: "step past the end gives one record", zone: hdr + "$GENERATE 19-28/2147483645 $ CNAME x\n",
			want: []string{"19.test. 300 CNAME x.test."}},
		{name: "text after the range is ignored", zone: hdr + "$GENERATE 1-2x h$ A 10.0.0.$\n",
			want: []string{"h1.test. 300 A 10.0.0.1", "h2.test. 300 A 10.0.0.2"}},
		{name: "offset overflow", zone: hdr + "$GENERATE 0-2 dhcp-${2147483647,4,d} A 10.0.0.$\n", wantErr: "$GENERATE: out of range"},
		{name: "offset overflow in rdata", zone: hdr + "$GENERATE 1-1 host$ TXT foo${2147483647}\n", wantErr: "out of range"},
		{name: "two dashes", zone: hdr + "$GENERATE 9--10 host$ 3600 A 192.0.2.$\n", wantErr: "invalid range '9--10'"},
		{name: "empty step", zone: hdr + "$GENERATE 1-3/ host$ A 192.0.2.$\n", wantErr: "invalid range"},
		{name: "zero step", zone: hdr + "$GENERATE 1-3/0 host$ A 192.0.2.$\n", wantErr: "invalid range"},
		{name: "word step", zone: hdr + "$GENERATE 0-1/step host$ A 192.0.2.$\n", wantErr: "invalid range"},
		{name: "negative step", zone: hdr + "$GENERATE 0-4/-1 host$ A 192.0.2.$\n", wantErr: "invalid range"},
		{name: "stop before start", zone: hdr + "$GENERATE 5-4 host$ A 192.0.2.$\n", wantErr: "invalid range"},
		{name: "no stop", zone: hdr + "$GENERATE 5 host$ A 192.0.2.$\n", wantErr: "invalid range"},
		{name: "negative start", zone: hdr + "$GENERATE -1-4/1 host$ A 192.0.2.$\n", wantErr: "invalid range"},
		{name: "stop beyond 2^31-1", zone: hdr + "$GENERATE 0-2147483648 host$ A 192.0.2.$\n", wantErr: "invalid range"},
		{name: "start beyond 2^32 (BIND wraps it to 0)", zone: hdr + "$GENERATE 4294967296-4/1 host$ A 192.0.2.$\n", wantErr: "invalid range",
			noBIND: "deliberate: BIND's sscanf wraps 4294967296 to 0 and generates 0-4; rdnsctl refuses a number that does not fit"},
		{name: "bad base", zone: hdr + "$GENERATE 0-1 dhcp-${0,4,dd} A 10.0.0.$\n", wantErr: "$GENERATE: syntax error"},
		{name: "garbage base", zone: hdr + "$GENERATE 0-7 host$ A 1.2.3.${1,0,dgarbagegarbage}\n", wantErr: "syntax error"},
		{name: "missing brace", zone: hdr + "$GENERATE 0-7 host$ A 1.2.3.${1,0,d\n", wantErr: "syntax error"},
		{name: "empty modifier", zone: hdr + "$GENERATE 0-1 ${} A 1.2.3.4\n", wantErr: "syntax error"},
		{name: "letter offset", zone: hdr + "$GENERATE 0-1 ${a,2,o} A 1.2.3.4\n", wantErr: "syntax error"},
		{name: "width too large", zone: hdr + "$GENERATE 0-1 x${0,200,d} A 1.2.3.4\n", wantErr: "ran out of space"},
		{name: "extra closing paren", zone: hdr + "$GENERATE 0-1 dhcp-${0,4,d} A 10.0.0.$ )\n", wantErr: "unbalanced parentheses"},
		{name: "meta type", zone: hdr + "$GENERATE 0-7 tkey$ TKEY \"invalid.algorithm. 1516055980 1516140801 1 0 16 gRof8D2BFKvl/vrr9Lmnjw== 16 gRof8D2BFKvl/vrr9Lmnjw==\"\n", wantErr: "meta RR type"},
		{name: "missing rdata", zone: hdr + "$GENERATE 0-7 a$ PTR\n", wantErr: "unexpected end of line"},
		{name: "extra rdata token", zone: hdr + "$GENERATE 0-7 a$ PTR x y\n", wantErr: "extra input text"},
		{name: "no TTL", origin: "test.", zone: "$GENERATE 0-1 a$ PTR x.\n@ 1 SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n", wantErr: "no TTL specified",
			want: []string{"test. 1 NS ns.test.", "test. 1 SOA ns.test. h.test. 1 2 3 4 5", "ns.test. 1 A 192.0.2.1"}},
		{name: "explicit TTL becomes the last TTL", zone: "@ 10 SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n$GENERATE 1-1 a$ 20 PTR x.\nb PTR y.\n",
			want: []string{"test. 10 NS ns.test.", "test. 10 SOA ns.test. h.test. 1 2 3 4 5", "a1.test. 20 PTR x.", "b.test. 20 PTR y.", "ns.test. 10 A 192.0.2.1"}},
	})
}

// Issue 9: a $GENERATE range over the limit (default 1,048,576 records a
// line) is refused with file:line before a record is made; one at the
// limit loads.
func TestGenerateLimit(t *testing.T) {
	tests := []struct {
		name, line string
		max        int
		err        string
		records    int
	}{
		{name: "over a set limit", line: "$GENERATE 0-2147483647 $ PTR x.", max: 1000,
			err: "big:5: $GENERATE: range '0-2147483647' gives 2147483648 records, more than the limit of 1000"},
		{name: "the default limit: a /8 of lines", line: "$GENERATE 0-16777215 $ PTR x.",
			err: "big:5: $GENERATE: range '0-16777215' gives 16777216 records, more than the limit of 1048576"},
		{name: "one over the default", line: "$GENERATE 0-1048576 $ PTR x.", err: "gives 1048577 records, more than the limit of 1048576"},
		{name: "a step makes it fit", line: "$GENERATE 0-2097151/2 $ PTR x.", records: 1 << 20},
		{name: "at the limit", line: "$GENERATE 1-1000 $ PTR x.", max: 1000, records: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			z, err := ParseBytes([]byte(hdr+tt.line+"\n"), "big", Options{Origin: "test", MaxGenerate: tt.max})
			if tt.err != "" {
				if err == nil || z == nil || len(z.Records) != 3 || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("want the directive refused (%q) and the rest kept; got %v", tt.err, err)
				}
				if d := time.Since(start); d > time.Second {
					t.Errorf("refusing took %v", d)
				}
				return
			}
			if err != nil || len(z.Records) != 3+tt.records {
				t.Fatalf("%v, %d records", err, len(z.Records))
			}
		})
	}
}

// Error messages quote at most 80 bytes of an offending token.
func TestErrorsClipTokens(t *testing.T) {
	long := strings.Repeat("q", 100000)
	for _, line := range []string{
		"$" + long + " x",                  // unknown directive
		"a " + long + " x",                 // unknown type
		"$ORIGIN " + long + ".",            // bad origin
		"$GENERATE 0-" + long + " $ PTR x", // bad range
		"$TTL " + long,
		"a PTR " + long + ".",                // label too long
		"a A " + long,                        // miekg/dns's error text
		"$INCLUDE " + long,                   // no FS
		"$GENERATE 0-1 $" + long + " PTR x.", // owner too long
		"a TXT \"" + long[:200] + "\"",       // no error, but must not panic
	} {
		_, err := ParseBytes([]byte(hdr+line+"\n"), "z", Options{Origin: "test"})
		if err == nil {
			continue
		}
		if len(err.Error()) > 400 || !strings.Contains(err.Error(), "z:5: ") {
			t.Errorf("%.30s...: error of %d bytes: %.300s", line, len(err.Error()), err)
		}
	}
}

func TestGenerateIter(t *testing.T) {
	z, err := ParseBytes([]byte(hdr+"$GENERATE 10-14/2 $ PTR h$.x.\n"), "g", Options{Origin: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var iters []int32
	for _, r := range z.Records {
		if r.Type == 12 {
			iters = append(iters, r.Iter)
			if e := z.Files[0].Entries[r.Entry]; e.Kind != EntryGenerate || r.Line != 5 {
				t.Errorf("record %v does not point to the $GENERATE entry", r)
			}
		} else if r.Iter != -1 {
			t.Errorf("plain record with Iter %d", r.Iter)
		}
	}
	if fmt.Sprint(iters) != "[10 12 14]" {
		t.Errorf("iters %v", iters)
	}
}

func sortLines(l []string) {
	rs := make([]Record, len(l))
	for i, s := range l {
		var name string
		fmt.Sscan(s, &name)
		rs[i] = Record{Name: name, Data: s}
	}
	SortRecords(rs)
	for i := range rs {
		l[i] = rs[i].Data
	}
}
