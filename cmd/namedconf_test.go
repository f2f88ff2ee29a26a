package cmd

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const namedConfDir = "testdata/namedconf"

// checkconfList is `named-checkconf -l` run where named runs: every zone as
// "name type" (in-view zones are listed once, in their own view).
func checkconfList(t *testing.T, conf string) []string {
	t.Helper()
	if _, err := exec.LookPath("named-checkconf"); err != nil {
		t.Skip("named-checkconf not installed (Debian package bind9-utils)")
	}
	c := exec.Command("named-checkconf", "-l", filepath.Base(conf))
	c.Dir = filepath.Dir(conf)
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("named-checkconf -l: %v\n%s", err, out)
	}
	var zones []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		typ := map[string]string{"master": "primary", "slave": "secondary"}[f[3]]
		if typ == "" {
			typ = f[3]
		}
		zones = append(zones, strings.ToLower(f[0])+". "+typ)
	}
	slices.Sort(zones)
	return zones
}

// With --named-conf the zone set is exactly the zones named.conf serves
// (named-checkconf -l), whatever else lies in the directory; secondaries
// and dynamic zones are listed with their type.
func TestZonesFromNamedConf(t *testing.T) {
	conf := filepath.Join(namedConfDir, "named.conf")
	r := run(t, "", "", "zones", "--named-conf", conf, "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.err)
	}
	abs, _ := filepath.Abs(namedConfDir)
	goldenFile(t, "namedconf/zones.json", strings.ReplaceAll(r.out, abs, "$DIR"))
	var out zonesReport
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, z := range out.Zones {
		typ := z.Type
		if typ == "dynamic" {
			typ = "primary"
		}
		got = append(got, z.Origin+" "+typ)
	}
	slices.Sort(got)
	if want := checkconfList(t, conf); !slices.Equal(got, want) {
		t.Fatalf("zones %v\nnamed-checkconf -l %v", got, want)
	}
	if len(out.Conflicts) != 0 || len(out.Skipped) != 0 {
		t.Fatalf("conflicts %v skipped %v: files named.conf does not serve were looked at", out.Conflicts, out.Skipped)
	}
	// the table says the type
	r = run(t, "", "", "zones", "--named-conf", conf)
	for _, want := range []string{"2.0.192.in-addr.arpa.\t192.0.2.0/24\tdynamic\t", "0.0.10.in-addr.arpa.\t10.0.0.0/24\tsecondary\t-\t"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("table lacks %q:\n%s", want, r.out)
		}
	}
}

func TestNamedConfViews(t *testing.T) {
	conf := filepath.Join(namedConfDir, "views.conf")
	r := run(t, "", "", "zones", "--named-conf", conf)
	if r.code != 2 || !strings.Contains(r.err, "2 views (internal, external): choose one with --view") {
		t.Fatalf("no --view: exit %d\n%s", r.code, r.err)
	}
	r = run(t, "", "", "zones", "--named-conf", conf, "--view", "dmz")
	if r.code != 2 || !strings.Contains(r.err, "internal, external") {
		t.Fatalf("unknown view: exit %d\n%s", r.code, r.err)
	}
	r = run(t, "", "", "zones", "--named-conf", conf, "--view", "external", "-o", "csv")
	if r.code != 0 || strings.Count(r.out, "\n") != 2 || !strings.Contains(r.out, "\n100.51.198.in-addr.arpa.,") {
		t.Fatalf("external: exit %d\n%s%s", r.code, r.out, r.err)
	}
	r = run(t, "", "", "zones", "--zones", "../examples/zones", "--view", "external")
	if r.code != 2 || !strings.Contains(r.err, "--named-conf") {
		t.Fatalf("--view without --named-conf: exit %d\n%s", r.code, r.err)
	}
	// named.conf errors name file:line
	dir := t.TempDir()
	bad := filepath.Join(dir, "named.conf")
	os.WriteFile(bad, []byte("options {\n\tdirectory \"/tmp\"\n};\n"), 0o644)
	r = run(t, "", "", "zones", "--named-conf", bad)
	if r.code != 2 || !strings.Contains(r.err, bad+":3: missing ';'") {
		t.Fatalf("bad named.conf: exit %d\n%s", r.code, r.err)
	}
}

// Writes through --named-conf land in the files named.conf names; a write
// into a dynamic or a secondary zone is refused with the reason.
func TestNamedConfWrites(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(namedConfDir)); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "named.conf")
	before := snapshot(t, dir)
	for _, tt := range []struct{ ip, want string }{
		{"192.0.2.50", "dynamic zone (update-policy at "},
		{"10.0.0.5", "secondary zone"},
	} {
		r := run(t, "", "", "set", tt.ip, "shop.customer.example.", "--no-validate", "--named-conf", conf, "--write")
		if r.code != 2 || !strings.Contains(r.err, tt.want) {
			t.Fatalf("set %s: exit %d\n%s", tt.ip, r.code, r.err)
		}
	}
	sameFiles(t, before, snapshot(t, dir))
	r := run(t, "", "", "set", "198.51.100.44", "mail.customer.example.", "--no-validate", "--named-conf", conf, "--write")
	if r.code != 0 {
		t.Fatalf("set: exit %d\n%s", r.code, r.err)
	}
	after := snapshot(t, dir)
	if after["zones/db.198.51.100"] == before["zones/db.198.51.100"] || after["zones/old/100.51.198.in-addr.arpa.zone"] != before["zones/old/100.51.198.in-addr.arpa.zone"] {
		t.Fatal("the write did not land in the file named.conf serves (or touched the stale copy)")
	}
	if !strings.Contains(after["zones/db.198.51.100"], "mail.customer.example.") {
		t.Fatal("PTR not written")
	}
	if bin, err := exec.LookPath("named-checkconf"); err == nil {
		c := exec.Command(bin, "-z", "named.conf")
		c.Dir = dir
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("named-checkconf -z after the write: %v\n%s", err, out)
		}
	}
}

// $INCLUDE paths start from named's directory (--named-conf), else the
// config's include_base, as BIND's checkzone cases are laid out: zones in
// zones/, `$INCLUDE "zones/customers.inc"`, run from the directory above.
func TestIncludeBase(t *testing.T) {
	zone := "$ORIGIN 100.51.198.in-addr.arpa.\n$TTL 1h\n@ SOA ns1.example.net. h.example.net. 1 2 3 4 5\n@ NS ns1.example.net.\n$INCLUDE \"zones/customers.inc\"\n"
	dir := writeTree(t, map[string]string{
		"rdnsctl.yaml":        "zones: [zones]\ninclude_base: .\n",
		"zones/db.198.51.100": zone,
		"zones/customers.inc": "5 PTR five.example.net.\n6 PTR six.example.net.\n",
		"named.conf":          "options { directory \".\"; };\nzone \"100.51.198.in-addr.arpa\" { type primary; file \"zones/db.198.51.100\"; };\n",
	})
	for _, args := range [][]string{
		{"--config", filepath.Join(dir, "rdnsctl.yaml")},
		{"--named-conf", filepath.Join(dir, "named.conf")},
	} {
		r := run(t, "", "", append([]string{"zones", "-o", "json"}, args...)...)
		if r.code != 0 || strings.Contains(r.err, "warning") {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.err)
		}
		var out zonesReport
		json.Unmarshal([]byte(r.out), &out)
		if len(out.Zones) != 1 || out.Zones[0].PTRs == nil || *out.Zones[0].PTRs != 2 || !out.Zones[0].Writable {
			t.Fatalf("%v: %s", args, r.out)
		}
	}
	// without a base the include is not found from here, and the zone is
	// read-only (its records are incomplete)
	r := run(t, "", "", "zones", "-o", "json", "--zones", filepath.Join(dir, "zones"))
	if r.code != 0 || !strings.Contains(r.err, "customers.inc") || !strings.Contains(r.out, `"writable": false`) {
		t.Fatalf("no base: exit %d\n%s%s", r.code, r.out, r.err)
	}
	if bin, err := exec.LookPath("named-checkconf"); err == nil {
		c := exec.Command(bin, "-z", "named.conf")
		c.Dir = dir
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("named-checkconf -z: %v\n%s", err, out)
		}
	}
}

// A new zone made under --named-conf is said to need its zone statement.
func TestNamedConfNewZone(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(namedConfDir)); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "", "block-init", "198.18.0.0/24", "--template", "{dashed}.pool.example.net.", "--named-conf", filepath.Join(dir, "named.conf"))
	if r.code != 0 || !strings.Contains(r.err, `add zone "0.18.198.in-addr.arpa" { type primary; file "`+filepath.Join(dir, "zones", "db.198.18.0")+`"; };`) {
		t.Fatalf("exit %d\n%s", r.code, r.err)
	}
}
