package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// coverageDir writes a small ISP for the coverage audit: an IPv6 /48 with a
// customer /56 delegated (and a PTR forgotten below the cut), an IPv4 /24
// with an RFC 2317 child whose parent still holds a PTR of it, and an
// address export.
func coverageDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	const soa = "$TTL 3600\n@\tIN\tSOA\tns1.example.net. hostmaster.example.net. 2026010100 7200 3600 1209600 3600\n\tIN\tNS\tns1.example.net.\n"
	files := map[string]string{
		"zones/db.2001.db8.100": "$ORIGIN 0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.\n" + soa +
			"a.0\tIN\tNS\tns1.cust-a.example.\n" +
			"a.0\tIN\tNS\tns2.cust-a.example.\n" +
			"5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.a.0\tIN\tPTR\told.cust-a.example.\n" +
			"4\tIN\tNS\tns.cust-b.example.\n5\tIN\tNS\tns.cust-b.example.\n6\tIN\tNS\tns.cust-b.example.\n7\tIN\tNS\tns.cust-b.example.\n" +
			"8\tIN\tNS\tns.cust-c.example.\n9\tIN\tNS\tns.cust-c.example.\na\tIN\tNS\tns.cust-c.example.\n" +
			"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0\tIN\tPTR\tgw.cust-e.example.\n" +
			"2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0\tIN\tPTR\tmail.cust-e.example.\n" +
			"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0\tIN\tPTR\tgw.cust-f.example.\n",
		"zones/db.192.0.2": "$ORIGIN 2.0.192.in-addr.arpa.\n" + soa +
			"0/26\tIN\tNS\tns.customer.example.\n" +
			"1\tIN\tCNAME\t1.0/26\n" +
			"5.0/26\tIN\tPTR\tleft-behind.example.\n" +
			"70\tIN\tPTR\thost70.example.net.\n",
		"addresses.csv": "address,hostname,status,customer\n" +
			"2001:db8:100:100::1,gw.cust-e.example.,active,cust-e\n" +
			"2001:db8:100:100::2,mail.cust-e.example.,active,cust-e\n" +
			"2001:db8:100:200::1,gw.cust-f.example.,active,cust-f\n" +
			"2001:db8:100:200::2,,active,cust-f\n" +
			"192.0.2.70,host70.example.net.,active,\n",
		"rdnsctl.yaml": "zones: [zones]\nipam: addresses.csv\nsynthesize:\n  - {prefix: \"2001:db8:100:b000::/52\", template: \"{dashed}.dyn.example.net.\", server: knot}\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Records below a delegation point are a delegation-overlap finding of
// every format, without any prefix export, and fail the run by default.
func TestAuditDelegationOverlap(t *testing.T) {
	dir := coverageDir(t)
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"table", []string{"-o", "table"}, 1},
		{"json", []string{"-o", "json"}, 1},
		{"csv", []string{"-o", "csv", "--coverage"}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, dir, "", append([]string{"audit", "--config", "rdnsctl.yaml"}, c.args...)...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, c.code, r.out, r.err)
			}
			goldenFile(t, filepath.Join("audit-coverage", "overlap-"+c.name+".golden"), r.out)
			if !strings.Contains(r.err, "0 IPv6 prefixes checked for coverage: 0 uncovered, 2 delegation-overlap") {
				t.Errorf("summary line:\n%s", r.err)
			}
		})
	}
	// the JSON rows name the first record and count them
	r := run(t, dir, "", "audit", "--config", "rdnsctl.yaml", "-o", "json")
	var doc struct {
		Coverage []struct {
			Prefix, State, Zone, File string
			Line                      int
			Occluded                  int `json:"occluded_count"`
		} `json:"coverage"`
		CoverageSummary map[string]int `json:"coverage_summary"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Coverage) != 2 || doc.Coverage[0].Prefix != "192.0.2.0/26" || doc.Coverage[0].Line != 7 || doc.Coverage[0].File != filepath.Join("zones", "db.192.0.2") ||
		doc.Coverage[1].Prefix != "2001:db8:100:a00::/56" || doc.Coverage[1].Line != 7 || doc.CoverageSummary["delegation-overlap"] != 2 {
		t.Errorf("coverage: %+v %v", doc.Coverage, doc.CoverageSummary)
	}
	// --fail-on decides: the address findings alone do not fail, overlap does
	if r := run(t, dir, "", "audit", "--config", "rdnsctl.yaml", "--fail-on", "invalid"); r.code != 0 {
		t.Errorf("--fail-on invalid: exit %d\n%s", r.code, r.err)
	}
	if r := run(t, dir, "", "audit", "--config", "rdnsctl.yaml", "--fail-on", "delegation-overlap"); r.code != 1 {
		t.Errorf("--fail-on delegation-overlap: exit %d\n%s", r.code, r.err)
	}
	if r := run(t, dir, "", "audit", "--config", "rdnsctl.yaml", "--coverage", "--fix"); r.code != 2 || !strings.Contains(r.err, "--coverage") {
		t.Errorf("--coverage --fix: exit %d\n%s", r.code, r.err)
	}
	// --prefix limits the rows
	r = run(t, dir, "", "audit", "--config", "rdnsctl.yaml", "--coverage", "-o", "csv", "--prefix", "192.0.2.0/24")
	if strings.Count(r.out, "\n") != 2 || !strings.Contains(r.out, "192.0.2.0/26") {
		t.Errorf("--prefix 192.0.2.0/24:\n%s", r.out)
	}
}

// The coverage audit of an address export and a prefix export given
// together: every state, in every format; the info rows with --show-info.
func TestAuditCoverage(t *testing.T) {
	dir := coverageDir(t)
	os.WriteFile(filepath.Join(dir, "prefixes.csv"), []byte("prefix,vrf,tenant,status,role,description\n"+
		"2001:db8:100::/48,,,container,,aggregate: no row\n"+
		"2001:db8:100:a00::/56,,cust-a,active,customer,delegated\n"+
		"2001:db8:100:4000::/50,,cust-b,active,customer,four /52s\n"+
		"2001:db8:100:8000::/50,,cust-c,active,customer,three /52s and synthesis\n"+
		"2001:db8:100:c000::/50,,cust-x,active,customer,nothing\n"+
		"2001:db8:100:100::/56,,cust-e,active,customer,explicit\n"+
		"2001:db8:100:200::/56,,cust-f,reserved,customer,one PTR missing\n"+
		"2001:db8:100:b000::/56,,,active,residential,synthesized\n"+
		"2001:db8:100:300::/56,,cust-old,deprecated,customer,no row\n"+
		"2001:db8:900::/56,,cust-y,active,customer,no zone\n"+
		"192.0.2.0/26,,cust-v4,active,customer,IPv4: no row\n"), 0o644)
	base := []string{"audit", "--config", "rdnsctl.yaml", "--ipam", "addresses.csv", "--ipam", "prefixes.csv"}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"table", []string{"-o", "table"}},
		{"table-show-info", []string{"-o", "table", "--show-info"}},
		{"json", []string{"-o", "json", "--show-info"}},
		{"csv", []string{"-o", "csv", "--coverage", "--show-info"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, dir, "", append(append([]string{}, base...), c.args...)...)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\n%s%s", r.code, r.out, r.err)
			}
			goldenFile(t, filepath.Join("audit-coverage", "prefixes-"+c.name+".golden"), r.out)
			want := "8 IPv6 prefixes checked for coverage: 3 uncovered, 2 delegation-overlap, 3 delegated, 1 synthesized, 1 explicit"
			if !strings.Contains(r.err, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.err)
			}
		})
	}
	r := run(t, dir, "", append(append([]string{}, base...), "-o", "json", "--show-info")...)
	var doc struct {
		Coverage []struct{ Prefix, State, Customer, File string } `json:"coverage"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, row := range doc.Coverage {
		if row.State != "delegation-overlap" {
			got[row.Prefix] = row.State
			if row.File != "prefixes.csv" {
				t.Errorf("%s: file %q, want the prefix export's", row.Prefix, row.File)
			}
		}
	}
	want := map[string]string{
		"2001:db8:100:a00::/56":  "delegated",
		"2001:db8:100:4000::/50": "delegated",
		"2001:db8:100:8000::/50": "delegated",
		"2001:db8:100:c000::/50": "uncovered",
		"2001:db8:100:100::/56":  "explicit",
		"2001:db8:100:200::/56":  "uncovered",
		"2001:db8:100:b000::/56": "synthesized",
		"2001:db8:900::/56":      "uncovered",
	}
	if len(got) != len(want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	for p, st := range want {
		if got[p] != st {
			t.Errorf("%s: %q, want %q", p, got[p], st)
		}
	}
	// only the coverage findings fail: --fail-on uncovered
	if r := run(t, dir, "", append(append([]string{}, base...), "--fail-on", "uncovered", "--prefix", "2001:db8:100:4000::/50")...); r.code != 0 {
		t.Errorf("--fail-on uncovered inside the delegated /50: exit %d\n%s", r.code, r.err)
	}
	if r := run(t, dir, "", append(append([]string{}, base...), "--fail-on", "uncovered", "--prefix", "2001:db8:100:c000::/50")...); r.code != 1 {
		t.Errorf("--fail-on uncovered inside the uncovered /50: exit %d\n%s", r.code, r.err)
	}
}
