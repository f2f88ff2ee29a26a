package namedconf

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const soa = "$TTL 3600\n@ SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 3600\n@ NS ns1.example.net.\n"

func put(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ispConf writes a named.conf with an include before options (relative to
// named.conf's directory), options' directory, includes after it (relative
// to the directory, absolute, and a glob), comments of all three kinds,
// zones of every common type, and the zone files.
func ispConf(t *testing.T, views bool) (root, conf string) {
	root = t.TempDir()
	zones := filepath.Join(root, "var", "named")
	put(t, root, "etc/keys.conf", `key "upd" { algorithm hmac-sha256; secret "c2VjcmV0c2VjcmV0"; };`+"\n")
	put(t, root, "etc/options.conf", "options {\n\tdirectory \""+zones+"\"; // where the zones are\n\trecursion no;\n\tlisten-on port 5353 { 127.0.0.1; };\n};\n")
	for _, z := range []string{"db.198.51.100", "db.192.0.2", "db.203.0.113", "dyn/db.10.20.30", "db.2001-db8"} {
		put(t, zones, z, soa)
	}
	put(t, zones, "local.d/a.conf", "zone \"113.0.203.in-addr.arpa\" { type master; file \"db.203.0.113\"; allow-update { none; }; };\n")
	put(t, zones, "local.d/b.conf", "/* dynamic */ zone \"30.20.10.in-addr.arpa\" IN { type primary; file \"dyn/db.10.20.30\"; update-policy { grant upd zonesub ANY; }; };\n")
	body := `
	# shell comment
	zone "100.51.198.in-addr.arpa" {
		type primary;
		file "db.198.51.100";   // relative to directory
	};
	zone "2.0.192.IN-ADDR.ARPA." in {
		type master;
		file "` + filepath.Join(zones, "db.192.0.2") + `";
		allow-update { key upd; };
	};
	zone "8.b.d.0.1.0.0.2.ip6.arpa" {
		type primary;
		file "db.2001-db8";
	};
	zone "0.0.10.in-addr.arpa" {
		type slave;
		masters { 192.0.2.53; };
		file "sec/db.10.0.0";
	};
	zone "example.net" { type forward; forwarders { 192.0.2.53; }; };
	include "local.d/*.conf";
`
	text := "// named.conf for a test ISP\ninclude \"etc/keys.conf\";\ninclude \"" + filepath.Join(root, "etc/options.conf") + "\";\n"
	if views {
		text += "view \"internal\" {\n\tmatch-clients { 10/8; };\n" + body + "};\n"
		text += "view \"external\" {\n\tmatch-clients { any; };\n\tzone \"100.51.198.in-addr.arpa\" { in-view \"internal\"; };\n\tzone \"0.0.10.in-addr.arpa\" { type master; file \"db.203.0.113\"; };\n};\n"
	} else {
		text += body
	}
	conf = put(t, root, "named.conf", text)
	return root, conf
}

type zoneLine struct{ name, class, view, typ string }

// checkconfZones is `named-checkconf -l` run from named.conf's directory:
// every zone as "name class view type".
func checkconfZones(t *testing.T, conf string) []string {
	t.Helper()
	bin, err := exec.LookPath("named-checkconf")
	if err != nil {
		t.Skip("named-checkconf not installed (Debian package bind9-utils)")
	}
	cmd := exec.Command(bin, "-l", conf)
	cmd.Dir = filepath.Dir(conf)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("named-checkconf -l: %v\n%s", err, out)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		if len(f) == 4 {
			f[0] = canonicalZoneName(f[0])
			lines = append(lines, strings.Join(f, " "))
		}
	}
	slices.Sort(lines)
	return lines
}

func ourZones(c *Config) []string {
	var lines []string
	for _, z := range c.Zones {
		v := z.View
		if v == "" {
			v = "_default"
		}
		typ := z.Type
		if typ == "in-view" {
			continue // named-checkconf -l lists the zone once, in its own view
		}
		lines = append(lines, strings.Join([]string{z.Name, z.Class, v, typ}, " "))
	}
	slices.Sort(lines)
	return lines
}

// named-checkconf spells the type as written; compare the types we
// normalise the same way.
func normalise(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		f := strings.Fields(l)
		f[1] = strings.ToUpper(f[1])
		f[3] = normalType(f[3])
		if f[3] == "" {
			f[3] = "in-view"
		}
		out[i] = strings.Join(f, " ")
	}
	slices.Sort(out)
	return out
}

func TestLoadMatchesNamedCheckconf(t *testing.T) {
	for _, views := range []bool{false, true} {
		name := "no views"
		if views {
			name = "views"
		}
		t.Run(name, func(t *testing.T) {
			root, conf := ispConf(t, views)
			c, err := Load(conf, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := normalise(checkconfZones(t, conf))
			got := ourZones(c)
			if !slices.Equal(got, want) {
				t.Fatalf("zones\n got  %v\n want %v (named-checkconf -l)", got, want)
			}
			if c.Directory != filepath.Join(root, "var", "named") {
				t.Errorf("directory %s", c.Directory)
			}
			// named-checkconf -z loads every primary from the files we resolved
			cmd := exec.Command("named-checkconf", "-z", "-j", conf)
			cmd.Dir = filepath.Dir(conf)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("named-checkconf -z: %v\n%s", err, out)
			}
			sel := ""
			if views {
				sel = "internal"
			}
			zs, err := c.Select(sel)
			if err != nil {
				t.Fatal(err)
			}
			for _, z := range zs {
				if z.Type != "primary" {
					continue
				}
				if _, err := os.Stat(z.File); err != nil {
					t.Errorf("zone %s: %v", z.Name, err)
				}
				if !strings.Contains(strings.ToLower(string(out)), "zone "+strings.TrimSuffix(z.Name, ".")+"/in: loaded") {
					t.Errorf("named-checkconf -z did not load %s:\n%s", z.Name, out)
				}
			}
		})
	}
}

func TestLoadZones(t *testing.T) {
	root, conf := ispConf(t, false)
	zones := filepath.Join(root, "var", "named")
	c, err := Load(conf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	zs, err := c.Select("")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Zone{}
	for _, z := range zs {
		got[z.Name] = z
	}
	tests := []struct {
		name, typ, file, dynamic string
	}{
		{"100.51.198.in-addr.arpa.", "primary", filepath.Join(zones, "db.198.51.100"), ""},
		{"2.0.192.in-addr.arpa.", "primary", filepath.Join(zones, "db.192.0.2"), "allow-update"},
		{"8.b.d.0.1.0.0.2.ip6.arpa.", "primary", filepath.Join(zones, "db.2001-db8"), ""},
		{"0.0.10.in-addr.arpa.", "secondary", filepath.Join(zones, "sec/db.10.0.0"), ""},
		{"example.net.", "forward", "", ""},
		{"113.0.203.in-addr.arpa.", "primary", filepath.Join(zones, "db.203.0.113"), ""},
		{"30.20.10.in-addr.arpa.", "primary", filepath.Join(zones, "dyn/db.10.20.30"), "update-policy"},
	}
	if len(zs) != len(tests) {
		t.Errorf("%d zones, want %d: %+v", len(zs), len(tests), zs)
	}
	for _, tt := range tests {
		z, ok := got[tt.name]
		if !ok {
			t.Errorf("zone %s missing", tt.name)
			continue
		}
		if z.Type != tt.typ || z.File != tt.file || z.Dynamic != tt.dynamic || z.Class != "IN" || !strings.Contains(z.Where, ".conf:") {
			t.Errorf("zone %s: %+v, want type %s file %s dynamic %q", tt.name, z, tt.typ, tt.file, tt.dynamic)
		}
	}
	if len(c.Files) != 5 {
		t.Errorf("files read: %v", c.Files)
	}
}

func TestSelectViews(t *testing.T) {
	_, conf := ispConf(t, true)
	c, err := Load(conf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select(""); err == nil || !strings.Contains(err.Error(), "2 views (internal, external)") {
		t.Fatalf("no view chosen: %v", err)
	}
	if _, err := c.Select("dmz"); err == nil || !strings.Contains(err.Error(), "internal, external") {
		t.Fatalf("unknown view: %v", err)
	}
	ext, err := c.Select("external")
	if err != nil {
		t.Fatal(err)
	}
	if len(ext) != 2 {
		t.Fatalf("external: %+v", ext)
	}
	for _, z := range ext {
		switch z.Name {
		case "100.51.198.in-addr.arpa.": // in-view: the internal view's zone
			if z.Type != "primary" || !strings.HasSuffix(z.File, "db.198.51.100") || z.InView != "internal" || z.View != "external" {
				t.Errorf("in-view zone: %+v", z)
			}
		case "0.0.10.in-addr.arpa.":
			if z.Type != "primary" {
				t.Errorf("external 10.0.0: %+v", z)
			}
		default:
			t.Errorf("unexpected zone %+v", z)
		}
	}
	in, _ := c.Select("internal")
	if len(in) != 7 {
		t.Fatalf("internal: %d zones", len(in))
	}
	// without views, --view is an error
	_, conf = ispConf(t, false)
	c, _ = Load(conf, Options{})
	if _, err := c.Select("internal"); err == nil {
		t.Fatal("view of a config without views accepted")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"include loop", map[string]string{"named.conf": "include \"a.conf\";\n", "a.conf": "\n\ninclude \"named.conf\";\n"}, "a.conf:3: include loop"},
		{"missing include", map[string]string{"named.conf": "options { };\ninclude \"nope.conf\";\n"}, "named.conf:2: include"},
		{"syntax error in include", map[string]string{"named.conf": "include \"a.conf\";\n", "a.conf": "zone \"x\" { type primary; file \"f\" };\n"}, "a.conf:1: missing ';' before '}'"},
		{"zone without type", map[string]string{"named.conf": "\nzone \"x\" { file \"f\"; };\n"}, "named.conf:2: zone \"x\": type not present"},
		{"primary without file", map[string]string{"named.conf": "zone \"x\" { type master; };\n"}, "primary zone without a file"},
		{"unknown type", map[string]string{"named.conf": "zone \"x\" { type bogus; };\n"}, "unknown type"},
		{"duplicate zone", map[string]string{"named.conf": "zone \"x\" { type master; file \"a\"; };\nzone \"X.\" { type master; file \"b\"; };\n"}, "named.conf:2: zone \"X.\" is already defined at"},
		{"zone outside views", map[string]string{"named.conf": "view \"a\" { };\nzone \"x\" { type master; file \"a\"; };\n"}, "all zones must be in views"},
		{"unquoted include", map[string]string{"named.conf": "include a.conf;\n"}, "named.conf:1: include wants one quoted file name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, d := range tt.files {
				put(t, dir, n, d)
			}
			_, err := Load(filepath.Join(dir, "named.conf"), Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// Debian's named.conf, as installed, loads: its include paths are absolute.
func TestDebianNamedConf(t *testing.T) {
	if _, err := os.Stat("/etc/bind/named.conf"); err != nil {
		t.Skip("no /etc/bind/named.conf")
	}
	c, err := Load("/etc/bind/named.conf", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := normalise(checkconfZones(t, "/etc/bind/named.conf"))
	if got := ourZones(c); !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}
