package cmd

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// examplePrefixes is a NetBox prefix export for the example ISP, with one
// bad row (host bits) at line 3.
const examplePrefixes = "prefix,vrf,tenant,status,role,description\n" +
	"2001:db8:100:a00::/56,,acme-widgets,active,,Acme office\n" +
	"2001:db8:100:b01::/56,,bad,active,,host bits\n" +
	"2001:db8:100:c00::/56,,globex,reserved,,\n"

// writeFile writes a file under dir and returns its path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// --ipam is repeatable: an address export and a prefix export together
// give the address rows of the one (the prefix rows do not change what
// block-init sets), and each problem names its own file.
func TestIPAMRepeatable(t *testing.T) {
	clearEnv(t)
	dir := copyExamples(t)
	writeFile(t, dir, "ipam/prefixes.csv", examplePrefixes)
	args := []string{"block-init", "198.51.100.0/24", "--from-ipam", "-o", "json", "--config", "rdnsctl.yaml"}
	one := run(t, dir, "", append(args, "--ipam", "ipam/netbox-export.csv")...)
	if one.code != 0 || !strings.Contains(one.out, `"added"`) {
		t.Fatalf("one export: exit %d\n%s\n%s", one.code, one.out, one.err)
	}
	two := run(t, dir, "", append(args, "--ipam", "ipam/netbox-export.csv", "--ipam", "ipam/prefixes.csv")...)
	if two.code != 0 || two.out != one.out {
		t.Fatalf("two exports: exit %d\n%s\nwant the output of one:\n%s\n%s", two.code, two.out, one.out, two.err)
	}
	if !strings.Contains(two.err, "ipam/prefixes.csv:3: 2001:db8:100:b01::/56 is not a network") {
		t.Errorf("the prefix export's bad row is not reported with its file and line:\n%s", two.err)
	}

	t.Run("stdin and a file", func(t *testing.T) {
		addrs, err := os.ReadFile(filepath.Join(dir, "ipam/netbox-export.csv"))
		if err != nil {
			t.Fatal(err)
		}
		r := run(t, dir, string(addrs), append(args, "--ipam", "-", "--ipam", "ipam/prefixes.csv")...)
		if r.code != 0 || r.out != one.out || !strings.Contains(r.err, "ipam/prefixes.csv:3:") {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.out, r.err)
		}
	})
	t.Run("stdin twice", func(t *testing.T) {
		r := run(t, dir, "", append(args, "--ipam", "-", "--ipam", "-")...)
		if r.code != 2 || !strings.Contains(r.err, "only one IPAM export can be read from stdin") {
			t.Fatalf("exit %d\n%s", r.code, r.err)
		}
	})
	t.Run("a missing file", func(t *testing.T) {
		r := run(t, dir, "", append(args, "--ipam", "ipam/netbox-export.csv", "--ipam", "ipam/nope.csv")...)
		if r.code != 2 || !strings.Contains(r.err, "nope.csv") {
			t.Fatalf("exit %d\n%s", r.code, r.err)
		}
	})
}

// A command that works on addresses refuses prefix exports alone: a usage
// error (exit 2) that says so, not an empty run.
func TestIPAMPrefixesOnly(t *testing.T) {
	clearEnv(t)
	dir := copyExamples(t)
	writeFile(t, dir, "ipam/prefixes.csv", examplePrefixes)
	writeFile(t, dir, "ipam/subnets.csv", "Section,Subnet,Description,VRF\nCustomers,2001:db8:100:d00::/56,Initech,\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"block-init", []string{"block-init", "198.51.100.0/24", "--from-ipam", "--ipam", "ipam/prefixes.csv"},
			"block-init --from-ipam needs an IPAM export of addresses, but ipam/prefixes.csv is a prefix export"},
		{"block-init, two prefix exports", []string{"block-init", "198.51.100.0/24", "--from-ipam", "--ipam", "ipam/prefixes.csv", "--ipam", "ipam/subnets.csv"},
			"but ipam/prefixes.csv, ipam/subnets.csv are prefix exports"},
		{"diff", []string{"diff", "zones/db.198.51.100", "zones/db.198.51.100", "--ipam", "ipam/prefixes.csv"},
			"diff's audit of the change needs an IPAM export of addresses"},
		{"fcrdns", []string{"fcrdns", "--from-ipam", "--offline", "--ipam", "ipam/subnets.csv"},
			"fcrdns --from-ipam needs an IPAM export of addresses, but ipam/subnets.csv is a prefix export"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, dir, "", append(tt.args, "--config", "rdnsctl.yaml")...)
			if r.code != 2 || !strings.Contains(r.err, tt.want) {
				t.Fatalf("exit %d, want 2 with %q:\n%s", r.code, tt.want, r.err)
			}
		})
	}
	t.Run("with an address export too", func(t *testing.T) {
		r := run(t, dir, "", "block-init", "198.51.100.0/24", "--from-ipam", "--config", "rdnsctl.yaml",
			"--ipam", "ipam/prefixes.csv", "--ipam", "ipam/netbox-export.csv")
		if r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.err)
		}
	})
}

// The config's ipam: is a path (the old form) or a list, relative to the
// config file's directory.
func TestConfigIPAMForms(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	tests := []struct {
		name, yaml string
		env        string
		want       []string
		err        string
	}{
		{"one path", "ipam: ipam/netbox.csv\n", "", []string{filepath.Join(dir, "ipam/netbox.csv")}, ""},
		{"one path is taken whole", "ipam: \"ipam/a,b:c.csv\"\n", "", []string{filepath.Join(dir, "ipam/a,b:c.csv")}, ""},
		{"absolute path", "ipam: /srv/netbox.csv\n", "", []string{"/srv/netbox.csv"}, ""},
		{"list", "ipam: [ipam/netbox.csv, /srv/prefixes.csv]\n", "", []string{filepath.Join(dir, "ipam/netbox.csv"), "/srv/prefixes.csv"}, ""},
		{"block list", "ipam:\n  - a.csv\n  - b.csv\n", "", []string{filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")}, ""},
		{"stdin stays stdin", "ipam: [-, p.csv]\n", "", []string{"-", filepath.Join(dir, "p.csv")}, ""},
		{"empty list", "ipam: []\n", "", nil, ""},
		{"the environment beats the file, relative to the working directory", "ipam: a.csv\n", "x.csv:y.csv", []string{"x.csv", "y.csv"}, ""},
		{"not a path", "ipam: [{file: a.csv}]\n", "", nil, "config ipam[0]: want a path"},
		{"a number", "ipam: 7\n", "", nil, "config ipam: want a path or a list of paths"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("RDNSCTL_IPAM", tt.env)
			}
			file := writeFile(t, dir, "rdnsctl.yaml", tt.yaml)
			c, err := testConfig(t, file)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.IPAM, tt.want) {
				t.Errorf("IPAM = %q, want %q", c.IPAM, tt.want)
			}
		})
	}
	t.Run("unset", func(t *testing.T) {
		c, err := testConfig(t, "")
		if err != nil || len(c.IPAM) != 0 {
			t.Fatalf("IPAM = %q, %v", c.IPAM, err)
		}
	})
}

// The HTML report's summary names every IPAM export read, with its rows.
func TestHTMLInputsEachIPAMExport(t *testing.T) {
	dir := t.TempDir()
	addrs := writeFile(t, dir, "addrs.csv", "address,hostname\n192.0.2.1,a.example.net\n192.0.2.2,b.example.net\n")
	prefixes := writeFile(t, dir, "prefixes.csv", examplePrefixes)
	a := &App{cfg: &Config{IPAM: []string{addrs, prefixes}}, IO: &IOStreams{In: strings.NewReader(""), Out: &strings.Builder{}, ErrOut: &strings.Builder{}}}
	exp, err := a.loadIPAM()
	if err != nil {
		t.Fatal(err)
	}
	in := a.htmlInputs(&htmlRun{exp: exp})
	if len(in) != 2 || in[0].Path != addrs || !strings.HasPrefix(in[0].Detail, "csv, 2 rows, modified ") ||
		in[1].Path != prefixes || !strings.HasPrefix(in[1].Detail, "netbox, 2 prefixes, modified ") {
		t.Errorf("inputs = %+v", in)
	}
}
