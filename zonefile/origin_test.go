package zonefile

import "testing"

func TestOriginFromFileName(t *testing.T) {
	cases := []struct {
		path, want string
		ok         bool
	}{
		{"db.198.51.100", "100.51.198.in-addr.arpa.", true},
		{"/etc/bind/zones/db.198.51.100", "100.51.198.in-addr.arpa.", true},
		{"rev.10.20", "20.10.in-addr.arpa.", true},
		{"db.10", "10.in-addr.arpa.", true},
		{"100.51.198.in-addr.arpa", "100.51.198.in-addr.arpa.", true},
		{"100.51.198.IN-ADDR.ARPA", "100.51.198.in-addr.arpa.", true},
		{"100.51.198.in-addr.arpa.zone", "100.51.198.in-addr.arpa.", true},
		{"100.51.198.in-addr.arpa.db", "100.51.198.in-addr.arpa.", true},
		{"100.51.198.in-addr.arpa.rev", "100.51.198.in-addr.arpa.", true},
		{"2.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa.", true},
		{"0-26.100.51.198.in-addr.arpa", "0-26.100.51.198.in-addr.arpa.", true},
		{"0.8.b.d.0.1.0.0.2.ip6.arpa.zone", "0.8.b.d.0.1.0.0.2.ip6.arpa.", true},
		{"192.168.254.rev", "254.168.192.in-addr.arpa.", true},
		{"10.130.zone", "130.10.in-addr.arpa.", true},
		{"fdef:ffc0:3dd7.zone", "7.d.d.3.0.c.f.f.f.e.d.f.ip6.arpa.", true},
		{"2001:db8.db", "8.b.d.0.1.0.0.2.ip6.arpa.", true},
		{"127.0.0.1.zone", "", false},
		{"example.com.zone", "", false},
		{"reverse.example.com", "", false},
		{"named.loopback", "", false},
		{"10", "", false},
		{"zone", "", false},
		{"db.300.1", "", false},
		{"db.01.2", "", false},
		{"x.y.in-addr.arpa", "", false},
		{"g.ip6.arpa", "", false},
		{"2001::db8.zone", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			got, ok := OriginFromFileName(c.path)
			if got != c.want || ok != c.ok {
				t.Errorf("OriginFromFileName(%q) = %q, %v; want %q, %v", c.path, got, ok, c.want, c.ok)
			}
		})
	}
}

// A zone file as named dumps it (rndc freeze of a dynamic zone, a
// secondary's copy) starts with "$ORIGIN ." and an absolute SOA owner: the
// origin is the SOA's owner, not the root.
func TestOriginOfNamedDump(t *testing.T) {
	dump := "$ORIGIN .\n$TTL 300\t; 5 minutes\n8.0.10.in-addr.arpa\tIN SOA\tns1.example.net. hostmaster.example.net. (\n\t\t\t\t2026112501 ; serial\n\t\t\t\t3600 600 86400 300 )\n\t\t\tNS\tns1.example.net.\n$ORIGIN 8.0.10.in-addr.arpa.\n20\t\t\tPTR\ttwenty.example.net.\n"
	z, err := ParseBytes([]byte(dump), "db.10.0.8", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if z.Origin != "8.0.10.in-addr.arpa." {
		t.Fatalf("origin %q", z.Origin)
	}
	if len(z.Warnings) != 0 {
		t.Errorf("warnings: %v", z.Warnings)
	}
}
