package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExitCodesAndHelp(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"version", []string{"version"}, 0},
		{"completion bash", []string{"completion", "bash"}, 0},
		{"completion zsh", []string{"completion", "zsh"}, 0},
		{"completion bad", []string{"completion", "tcsh"}, 2},
		{"unknown flag", []string{"zones", "--nope"}, 2},
		{"unknown command", []string{"frobnicate"}, 2},
		{"no zones", []string{"zones", "--config", "/dev/null/none.yaml"}, 2},
		{"bad output", []string{"zones", "--zones", "../examples/zones", "-o", "yaml"}, 2},
		{"missing zones dir", []string{"zone", "check", "--zones", "/nonexistent"}, 2},
		{"clean zone check", []string{"zone", "check", "--zones", "../examples/zones"}, 0},
		{"bad block", []string{"block-init", "300.1.2.0/24", "--zones", "../examples/zones"}, 2},
		{"audit findings", []string{"audit", "--config", "../examples/rdnsctl.yaml"}, 1},
		{"audit fail-on info only", []string{"audit", "--config", "../examples/rdnsctl.yaml", "--fail-on", "delegated"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "", "", tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.out, r.err)
			}
		})
	}
}

// Every command's --help has an example.
func TestEveryCommandHasExample(t *testing.T) {
	app := &App{IO: &IOStreams{}}
	root := app.NewRootCmd()
	var walk func(c interface {
		HasExample() bool
		CommandPath() string
	})
	_ = walk
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" {
			continue
		}
		if !c.HasExample() {
			t.Errorf("%s has no example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			if !sub.HasExample() && sub.Name() != "help" {
				t.Errorf("%s has no example", sub.CommandPath())
			}
		}
	}
}

func TestZonesJSON(t *testing.T) {
	r := run(t, "", "", "zones", "--config", "../examples/rdnsctl.yaml", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	var out struct {
		Zones []struct {
			Origin, Prefix, File string
			PTRs                 int `json:"ptrs"`
		} `json:"zones"`
	}
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, z := range out.Zones {
		got[z.Origin] = z.Prefix
	}
	want := map[string]string{
		"100.51.198.in-addr.arpa.":          "198.51.100.0/24",
		"64/26.100.51.198.in-addr.arpa.":    "198.51.100.64/26",
		"113.0.203.in-addr.arpa.":           "203.0.113.0/24",
		"2.0.192.in-addr.arpa.":             "192.0.2.0/24",
		"0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.": "2001:db8:100::/48",
	}
	for o, p := range want {
		if got[o] != p {
			t.Errorf("zone %s: prefix %q, want %q (all: %v)", o, got[o], p, got)
		}
	}
}

func TestAuditExamples(t *testing.T) {
	for _, showInfo := range []bool{false, true} {
		args := []string{"audit", "--config", "../examples/rdnsctl.yaml", "-o", "json"}
		if showInfo {
			args = append(args, "--show-info")
		}
		r := run(t, "", "", args...)
		var out struct {
			Findings []struct {
				Category, IP, Expected string
				PTR                    []string
				Line                   *int
			} `json:"findings"`
			Summary map[string]int `json:"summary"`
		}
		if err := json.Unmarshal([]byte(r.out), &out); err != nil {
			t.Fatalf("%v\n%s\n%s", err, r.out, r.err)
		}
		got := map[string]string{}
		for _, f := range out.Findings {
			got[f.IP] = f.Category
			if f.Category == "missing" && (f.Line != nil || f.PTR == nil || len(f.PTR) != 0) {
				t.Errorf("missing %s: line %v, ptr %#v; want null and []", f.IP, f.Line, f.PTR)
			}
			if f.Category == "stale" && (f.Line == nil || len(f.PTR) != 1) {
				t.Errorf("stale %s: line %v, ptr %q; want its line and PTR", f.IP, f.Line, f.PTR)
			}
		}
		want := map[string]string{
			"198.51.100.12": "mismatch",
			"198.51.100.20": "stale",
			"198.51.100.22": "missing",
		}
		if showInfo {
			want["198.51.100.70"] = "default-on-assigned" // info: hosting customer, no name in IPAM
		}
		for ip, c := range want {
			if got[ip] != c {
				t.Errorf("--show-info=%v: %s: %q, want %q", showInfo, ip, got[ip], c)
			}
		}
		if len(got) != len(want) {
			t.Errorf("--show-info=%v: findings %v, want exactly %v", showInfo, got, want)
		}
		// info findings are counted either way, and do not fail the run
		if out.Summary["default-on-assigned"] != 1 || out.Summary["mismatch"] != 1 || r.code != 1 {
			t.Errorf("--show-info=%v: exit %d, summary %v", showInfo, r.code, out.Summary)
		}
	}
}

func TestAuditFixIsComplete(t *testing.T) {
	dir := copyExamples(t)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	r := run(t, "", "", "audit", "--config", cfg, "--fix", "--write", "--no-validate")
	if r.code != 0 {
		t.Fatalf("fix: exit %d\n%s\n%s", r.code, r.out, r.err)
	}
	checkZones(t, filepath.Join(dir, "zones"))
	r = run(t, "", "", "audit", "--config", cfg, "-o", "json")
	var out struct {
		Findings []struct {
			Category string
			Fixable  bool
		} `json:"findings"`
	}
	json.Unmarshal([]byte(r.out), &out)
	for _, f := range out.Findings {
		if f.Fixable {
			t.Errorf("fixable finding left after --fix --write: %+v", f)
		}
	}
	if r.code != 0 {
		t.Errorf("audit after fix: exit %d\n%s", r.code, r.out)
	}
	// the journal recorded the three fixes
	b, err := os.ReadFile(filepath.Join(dir, "rdns-changes.jsonl"))
	if err != nil || strings.Count(string(b), "\n") != 3 {
		t.Errorf("journal: %v\n%s", err, b)
	}
}

func TestBlockInitIdempotent(t *testing.T) {
	dir := copyExamples(t)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	before := snapshot(t, dir)
	r := run(t, "", "", "block-init", "198.51.100.0/24", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.err, "Nothing written") {
		t.Fatalf("preview: exit %d\n%s", r.code, r.err)
	}
	if after := snapshot(t, dir); len(after) != len(before) || after["zones/db.198.51.100"] != before["zones/db.198.51.100"] {
		t.Fatal("preview wrote files")
	}
	r = run(t, "", "", "block-init", "198.51.100.0/24", "--config", cfg, "--write")
	if r.code != 0 {
		t.Fatalf("write: exit %d\n%s", r.code, r.err)
	}
	checkZones(t, filepath.Join(dir, "zones"))
	mid := snapshot(t, dir)
	r = run(t, "", "", "block-init", "198.51.100.0/24", "--config", cfg, "--write", "--expect-no-changes")
	if r.code != 0 {
		t.Fatalf("second run: exit %d\n%s\n%s", r.code, r.out, r.err)
	}
	if after := snapshot(t, dir); after["zones/db.198.51.100"] != mid["zones/db.198.51.100"] {
		t.Fatal("second run changed the zone")
	}
}

// Flags override RDNSCTL_* variables, which override the config file.
func TestConfigPrecedence(t *testing.T) {
	t.Setenv("RDNSCTL_OUTPUT", "json")
	r := run(t, "", "", "zones", "--config", "../examples/rdnsctl.yaml")
	if r.code != 0 || !strings.HasPrefix(r.out, "{") {
		t.Fatalf("RDNSCTL_OUTPUT=json: exit %d\n%s", r.code, r.out)
	}
	r = run(t, "", "", "zones", "--config", "../examples/rdnsctl.yaml", "-o", "csv")
	if r.code != 0 || !strings.HasPrefix(r.out, "origin,prefix,type,ptrs,file\n") {
		t.Fatalf("flag over env: %s", r.out)
	}
	t.Setenv("RDNSCTL_OUTPUT", "")
	t.Setenv("RDNSCTL_ZONES", "../examples/zones/db.192.0.2")
	r = run(t, "", "", "zones", "-o", "csv")
	if r.code != 0 || strings.Count(r.out, "\n") != 2 {
		t.Fatalf("RDNSCTL_ZONES: exit %d\n%s%s", r.code, r.out, r.err)
	}
	// a config found in $XDG_CONFIG_HOME; its paths are relative to it
	xdg := t.TempDir()
	os.MkdirAll(filepath.Join(xdg, "rdnsctl"), 0o755)
	abs, _ := filepath.Abs("../examples/zones")
	os.WriteFile(filepath.Join(xdg, "rdnsctl", "rdnsctl.yaml"), []byte("zones: ["+abs+"]\noutput: csv\n"), 0o644)
	t.Setenv("RDNSCTL_ZONES", "")
	t.Setenv("XDG_CONFIG_HOME", xdg)
	r = run(t, "", "", "zones")
	if r.code != 0 || strings.Count(r.out, "\n") != 6 {
		t.Fatalf("XDG config: exit %d\n%s%s", r.code, r.out, r.err)
	}
}
