package audit

import (
	"testing"
)

// A PTR the parent zone still holds below one of its own delegation points
// is never served (the server refers the question; the coverage audit calls
// it a delegation-overlap): the address audit does not take it for the
// address's PTR. An address in use there is delegated, not "fine", and one
// absent from IPAM is no stale or orphan finding.
func TestOccludedPTRsAreNotPublished(t *testing.T) {
	zone := "$ORIGIN 0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.\n" + head + `
a.0 NS ns1.customer.example.
1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.a.0 PTR old-name.customer.example.
2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.a.0 PTR gone.customer.example.
1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.0 PTR host.other.example.
`
	csv := `address,vrf,tenant,status,dns_name
2001:db8:100:a00::1/48,,acme,active,host.acme.example
2001:db8:100:b00::1/48,,other,active,host.other.example
`
	s, exp := load(t, map[string]string{"db.2001.db8.100": zone}, csv)
	res := Run(s, exp, Options{Defaults: defs, ShowInfo: true})
	got := map[string]string{}
	for _, f := range res.Findings {
		got[f.Addr.String()] += string(f.Category)
	}
	want := map[string]string{
		"2001:db8:100:a00::1": "delegated", // not a mismatch against the occluded old-name
	}
	for ip, c := range want {
		if got[ip] != c {
			t.Errorf("%s: got %q, want %q", ip, got[ip], c)
		}
	}
	for ip, c := range got {
		if _, ok := want[ip]; !ok {
			t.Errorf("unexpected finding %s: %s (an occluded PTR is not published)", ip, c)
		}
	}
}
