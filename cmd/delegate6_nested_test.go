package cmd

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Regression: transfer delegate of a prefix inside a delegation the parent
// already has wrote an NS set below that cut (never served; audit then
// reported it as a delegation-overlap), and a prefix around delegations of
// the parent hid their NS sets without a word. Both are refused (exit 2,
// file:line of the NS set); --force delegates around nested ones as it
// does over PTRs; the same owners are re-delegated as before.
func TestDelegateIPv6Nested(t *testing.T) {
	zfile := "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.zone"
	nsLine := func(zone, owner string) int {
		for i, l := range strings.Split(zone, "\n") {
			if strings.HasPrefix(l, owner+"\tIN\tNS\t") {
				return i + 1
			}
		}
		return 0
	}
	cases := []struct {
		name   string
		first  []string // delegations written before
		args   []string
		code   int
		err    string // part of stderr
		owner  string // the owner whose NS line stderr names
		nsAt   map[string]string
		writes bool
	}{
		{"a /60 inside a delegated /56", []string{"2001:db8:100:a00::/56"}, []string{"2001:db8:100:a10::/60"}, 2,
			"2001:db8:100:a10::/60 is inside the delegation a.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "a.0", nil, false},
		{"a /64 inside a /50's /52", []string{"2001:db8:100:4000::/50"}, []string{"2001:db8:100:5abc::/64"}, 2,
			"is inside the delegation 5.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "5", nil, false},
		{"a /52 around a delegated /56", []string{"2001:db8:100:ab00::/56"}, []string{"2001:db8:100:a000::/52"}, 2,
			"holds 1 NS record(s) of delegation(s) under a.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa. (first at b.a.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.)", "b.a", nil, false},
		{"a /52 around a delegated /56, --force", []string{"2001:db8:100:ab00::/56"}, []string{"2001:db8:100:a000::/52", "--force"}, 0,
			"", "", map[string]string{"a": "ns1.new.example.", "b.a": "ns1.cust.example."}, true},
		{"a /50 over two of its /52s re-delegates them", []string{"2001:db8:100:4000::/52", "2001:db8:100:7000::/52"}, []string{"2001:db8:100:4000::/50"}, 0,
			"", "", map[string]string{"4": "ns1.new.example.", "5": "ns1.new.example.", "6": "ns1.new.example.", "7": "ns1.new.example."}, true},
		{"a sibling /56 beside a delegated /56", []string{"2001:db8:100:a00::/56"}, []string{"2001:db8:100:b00::/56"}, 0,
			"", "", map[string]string{"a.0": "ns1.cust.example.", "b.0": "ns1.new.example."}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyExamples(t)
			zones, cfg := filepath.Join(dir, "zones"), filepath.Join(dir, "rdnsctl.yaml")
			for _, p := range tc.first {
				if r := run(t, "", "", "transfer", "delegate", p, "--external", "--ns", "ns1.cust.example.", "--config", cfg, "--write"); r.code != 0 {
					t.Fatalf("delegate %s: exit %d\n%s", p, r.code, r.err)
				}
			}
			before := snapshot(t, zones)[zfile]
			args := append([]string{"transfer", "delegate"}, tc.args...)
			r := run(t, "", "", append(args, "--external", "--ns", "ns1.new.example.", "--config", cfg, "--write")...)
			if r.code != tc.code || !strings.Contains(r.err, tc.err) {
				t.Fatalf("exit %d, want %d with %q\n%s", r.code, tc.code, tc.err, r.err)
			}
			after := snapshot(t, zones)[zfile]
			if tc.owner != "" {
				if want := zfile + ":" + itoa(nsLine(before, tc.owner)) + ":"; !strings.Contains(r.err, want) {
					t.Errorf("stderr does not name %s\n%s\n%s", want, r.err, before)
				}
			}
			if !tc.writes {
				if after != before {
					t.Errorf("a refused delegation wrote the zone:\n%s", after)
				}
				return
			}
			got := map[string]string{}
			for _, m := range regexp.MustCompile(`(?m)^(\S+)\tIN\tNS\t(\S+)$`).FindAllStringSubmatch(after, -1) {
				got[m[1]] += m[2]
			}
			for owner, ns := range tc.nsAt {
				if got[owner] != ns {
					t.Errorf("NS at %s: %q, want %q\n%s", owner, got[owner], ns, after)
				}
			}
			if len(got) != len(tc.nsAt) {
				t.Errorf("NS owners %v, want %v", got, tc.nsAt)
			}
			checkZones(t, zones)
		})
	}
}
