package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 9.1: a CIDR with host bits set is refused wherever a CIDR is taken
// (exit 2, saying which network was meant); nothing is written, nothing is
// journaled. deprovision 198.51.100.45/30 used to reset every PTR of the
// masked block and exit 0.
func TestHostBitsRefusedEverywhere(t *testing.T) {
	const msg = "198.51.100.45/24 is not a network: did you mean the address 198.51.100.45 or the network 198.51.100.0/24?"
	const msg30 = "198.51.100.45/30 is not a network: did you mean the address 198.51.100.45 or the network 198.51.100.44/30?"
	tests := []struct {
		name   string
		args   []string
		events string // written to FILE
		config string // replaces the config's first default prefix
		want   string
	}{
		{name: "deprovision", args: []string{"deprovision", "198.51.100.45/30", "--write"}, want: msg30},
		{name: "provision", args: []string{"provision", "198.51.100.45/24", "--customer", "C-1", "--write"}, want: msg},
		{name: "unset", args: []string{"unset", "198.51.100.45/24", "--write"}, want: msg},
		{name: "set", args: []string{"set", "198.51.100.45/24", "mail.customer.example", "--no-validate", "--write"}, want: msg},
		{name: "block-init", args: []string{"block-init", "198.51.100.45/24", "--write"}, want: msg},
		{name: "mass-rename", args: []string{"mass-rename", "198.51.100.45/24", "--from", "customers.example.net.", "--to", "c.example.net.", "--write"}, want: msg},
		{name: "transfer delegate", args: []string{"transfer", "delegate", "198.51.100.45/30", "--write"}, want: msg30},
		{name: "fcrdns", args: []string{"fcrdns", "198.51.100.45/24", "--offline"}, want: msg},
		{name: "log", args: []string{"log", "198.51.100.45/24"}, want: msg},
		{name: "audit --prefix", args: []string{"audit", "--prefix", "198.51.100.45/24", "--fix", "--write"}, want: msg},
		{name: "apply-events JSON", args: []string{"apply-events", "FILE", "--no-validate", "--write"},
			events: `{"event":"deprovision","ip":"198.51.100.45/24"}` + "\n", want: "events:1: deprovision 198.51.100.45/24: " + msg},
		{name: "apply-events CSV, a network", args: []string{"apply-events", "FILE", "--no-validate", "--write"},
			events: "event,ip\ndeprovision,198.51.100.44/30\n", want: "events:2: deprovision 198.51.100.44/30: 198.51.100.44/30 is a block: an event takes one address"},
		{name: "apply-events, a line too long", args: []string{"apply-events", "FILE", "--no-validate", "--write"},
			events: "event,ip\nunset,198.51.100.10\n" + strings.Repeat("x", 2<<20) + "\n", want: "events:3: line too long (limit 1048576 bytes)"},
		{name: "config defaults", args: []string{"unset", "198.51.100.10", "--write"}, config: "198.51.100.45/24", want: "defaults[0]: prefix: " + msg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyExamples(t)
			cfg := filepath.Join(dir, "rdnsctl.yaml")
			if tt.config != "" {
				b, _ := os.ReadFile(cfg)
				s := strings.Replace(string(b), "prefix: 198.51.100.0/24", "prefix: "+tt.config, 1)
				if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := tt.args
			if tt.events != "" {
				path := filepath.Join(dir, "events")
				if err := os.WriteFile(path, []byte(tt.events), 0o644); err != nil {
					t.Fatal(err)
				}
				args = lcReplace(args, "FILE", path)
			}
			before := lcZoneSnapshot(t, dir)
			r := run(t, "", "", append(args, "--config", cfg)...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2\n%s", r.code, r.err)
			}
			if !strings.Contains(r.err, tt.want) {
				t.Errorf("stderr does not say %q:\n%s", tt.want, r.err)
			}
			lcSameFiles(t, tt.name, before, lcZoneSnapshot(t, dir))
			if _, err := os.Stat(filepath.Join(dir, "rdns-changes.jsonl")); err == nil {
				t.Error("something was journaled")
			}
		})
	}
}

// fcrdns - reads addresses from stdin: a CIDR is not an address, and an
// over-long line is named by its line number.
func TestFcrdnsStdinHostile(t *testing.T) {
	tests := []struct{ stdin, want string }{
		{"198.51.100.10\n198.51.100.45/24\n", `stdin:2: "198.51.100.45/24" is a CIDR block, not an address: write the address 198.51.100.45 alone`},
		{"198.51.100.10\n" + strings.Repeat("1", 70000) + "\n", "stdin:2: line too long (limit 65536 bytes)"},
	}
	for _, tt := range tests {
		r := run(t, "", tt.stdin, "fcrdns", "-", "--offline", "--strict", "--config", "../examples/rdnsctl.yaml")
		if r.code != 2 || !strings.Contains(r.err, tt.want) {
			t.Errorf("exit %d, want 2 and %q:\n%.500s", r.code, tt.want, r.err)
		}
	}
}
