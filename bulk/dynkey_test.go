package bulk

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/rdns"
)

const z48 = "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."

func v6zones(extra string, child bool) map[string]string {
	files := map[string]string{"zones/" + z48 + "zone": "$ORIGIN " + z48 + "\n" + soaNS +
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\tIN\tPTR\tgw.example.net.\n" + extra}
	if child {
		files["zones/a.0."+z48+"zone"] = "$ORIGIN a.0." + z48 + "\n" + soaNS
	}
	return files
}

// The grants of a dynamic key: one owner per nibble zone that covers the
// prefix exactly, in the child zones hosted here or, with InParent, in the
// parent zone; never a larger block, never another zone's names.
func TestDynamicGrants(t *testing.T) {
	newFile := func(o string) string { return "zones/" + o + "zone" }
	for _, c := range []struct {
		name     string
		prefix   string
		inParent bool
		extra    string // records appended to the /48 zone
		child    bool   // a child zone a.0.<z48> is loaded
		want     string // zone=file:owner,owner; ...
		bad      string
	}{
		{name: "56 hosted, new child", prefix: "2001:db8:100:a00::/56",
			want: "a.0." + z48 + "=zones/a.0." + z48 + "zone:a.0." + z48},
		{name: "56 hosted, loaded child", prefix: "2001:db8:100:a00::/56", child: true,
			want: "a.0." + z48 + "=zones/a.0." + z48 + "zone:a.0." + z48},
		{name: "50 hosted: four /52 child zones", prefix: "2001:db8:100:4000::/50",
			want: "4." + z48 + "=zones/4." + z48 + "zone:4." + z48 + "; 5." + z48 + "=zones/5." + z48 + "zone:5." + z48 +
				"; 6." + z48 + "=zones/6." + z48 + "zone:6." + z48 + "; 7." + z48 + "=zones/7." + z48 + "zone:7." + z48},
		{name: "50 in the parent: four owners in one zone", prefix: "2001:db8:100:4000::/50", inParent: true,
			want: z48 + "=zones/" + z48 + "zone:4." + z48 + ",5." + z48 + ",6." + z48 + ",7." + z48},
		{name: "64 in the parent", prefix: "2001:db8:100:a10::/64", inParent: true,
			want: z48 + "=zones/" + z48 + "zone:0.1.a.0." + z48},
		{name: "58 in the parent: four /60s", prefix: "2001:db8:100:a40::/58", inParent: true,
			want: z48 + "=zones/" + z48 + "zone:4.a.0." + z48 + ",5.a.0." + z48 + ",6.a.0." + z48 + ",7.a.0." + z48},
		{name: "in the parent over a delegation", prefix: "2001:db8:100:a00::/56", inParent: true,
			extra: "a.0\tIN\tNS\tns1.customer.example.\n", bad: "delegates a.0." + z48},
		{name: "in the parent over a child zone", prefix: "2001:db8:100:a00::/56", inParent: true, child: true,
			bad: "is a zone of its own here"},
		{name: "no zone above", prefix: "2001:db8:200::/56", bad: "no loaded ip6.arpa zone above"},
		{name: "IPv4", prefix: "198.51.100.0/26", bad: "for an IPv6 customer prefix"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, _ := loadFS(t, rdns.Slash, v6zones(c.extra, c.child))
			zs, err := DynamicGrants(s, DynamicGrantsOptions{Prefix: netip.MustParsePrefix(c.prefix), InParent: c.inParent, NewFile: newFile})
			if c.bad != "" {
				if err == nil || !strings.Contains(err.Error(), c.bad) {
					t.Fatalf("got %v, %v; want an error with %q", zs, err, c.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, z := range zs {
				parts = append(parts, z.Zone+"="+z.File+":"+strings.Join(z.Owners, ","))
			}
			if got := strings.Join(parts, "; "); got != c.want {
				t.Errorf("grants\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

// A hosted delegation makes the missing child zone (its NS set: the given
// name servers, else the parent's), and a second plan after applying it
// is empty.
func TestDelegate6Host(t *testing.T) {
	s, fsys := loadFS(t, rdns.Slash, v6zones("", false))
	opt := Delegate6Options{Prefix: netip.MustParsePrefix("2001:db8:100:a00::/56"), Host: true,
		NewFile: func(o string) string { return "zones/" + o + "zone" }}
	cs, err := Delegate6(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	child := "a.0." + z48
	if n := count(cs, func(c rdns.Change) bool { return c.Zone == child && c.Type == "NS" && c.Action == rdns.Add }); n != 1 {
		t.Errorf("%d NS records for the new child zone, want the parent's one:\n%v", n, cs.Changes)
	}
	if n := count(cs, func(c rdns.Change) bool { return c.Zone == z48 && c.Name == child && c.Type == "NS" }); n != 1 {
		t.Errorf("%d NS records at the delegation point, want 1:\n%v", n, cs.Changes)
	}
	s = applyPlan(t, s, rdns.Slash, fsys, cs)
	if s.Zone(child) == nil {
		t.Fatal("the child zone was not made")
	}
	if again, err := Delegate6(s, opt); err != nil || len(again.Changes) > 0 {
		t.Fatalf("second plan: %v, %v", again.Changes, err)
	}
	if _, err := Delegate6(s, Delegate6Options{Prefix: opt.Prefix, Host: true, External: true, NS: []string{"ns1.customer.example."}}); err == nil {
		t.Error("Host with External: no error")
	}
}

func TestUpdatePolicyConf(t *testing.T) {
	got := UpdatePolicyConf("cust-a", "/etc/bind/keys/cust-a.key", []ZoneGrants{
		{Zone: z48, File: "/var/lib/bind/" + z48 + "zone", Owners: []string{"4." + z48, "5." + z48}},
		{Zone: "7.0.10.in-addr.arpa.", Server: "primary", Owners: []string{"7.0.10.in-addr.arpa."}},
	})
	want := `include "/etc/bind/keys/cust-a.key";
// with update-policy, BIND keeps updates in /var/lib/bind/` + z48 + `zone.jnl: rdnsctl then writes this zone only with freeze_cmd/thaw_cmd, or as {origin, server}
zone "` + z48 + `" {
	type primary;
	file "/var/lib/bind/` + z48 + `zone";
	update-policy {
		grant cust-a subdomain 4.` + z48 + ` PTR;
		grant cust-a subdomain 5.` + z48 + ` PTR;
	};
};
// zone "7.0.10.in-addr.arpa." is on primary: add to its zone statement there (one update-policy per zone: merge)
update-policy {
	grant cust-a subdomain 7.0.10.in-addr.arpa. PTR;
};
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// An IPv6 delegation to a name server inside the parent zone needs its
// glue (checked with the other name server rules, before any change), and
// gets an AAAA record from it.
func TestDelegate6Glue(t *testing.T) {
	s, _ := loadFS(t, rdns.Slash, v6zones("", false))
	ns := "ns.a.0." + z48
	opt := Delegate6Options{Prefix: netip.MustParsePrefix("2001:db8:100:a00::/56"), External: true, NS: []string{ns}}
	if _, err := Delegate6(s, opt); err == nil || !strings.Contains(err.Error(), "needs glue") {
		t.Errorf("no glue: %v, want a needs-glue error", err)
	}
	opt.Glue = map[string][]netip.Addr{ns: {netip.MustParseAddr("2001:db8:100:a00::53")}}
	cs, err := Delegate6(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(cs, func(c rdns.Change) bool { return c.Name == ns && c.Type == "AAAA" && c.New == "2001:db8:100:a00::53" }); n != 1 {
		t.Errorf("%d AAAA glue records, want 1:\n%v", n, cs.Changes)
	}
}
