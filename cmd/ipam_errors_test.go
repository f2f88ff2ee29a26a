package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 9.2: a NetBox description `"HQ" uplink` must not swallow the rows
// after it, and an export read with errors must not drive a --fix --write
// (the row it lost looks like a customer who left: its PTR would be reset).
func TestAuditIPAMWithErrors(t *testing.T) {
	dir := copyExamples(t)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	export := filepath.Join(dir, "ipam", "netbox-export.csv")
	b, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(b), `"Acme Widgets, mail"`, `"HQ" uplink`, 1)
	if bad == string(b) {
		t.Fatal("the example export changed: no row to break")
	}
	if err := os.WriteFile(export, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	snap := lcZoneSnapshot(t, dir)
	where := export + ":5:"

	// the audit names the line and still reads every row after it
	r := run(t, "", "", "audit", "--config", cfg, "-o", "json")
	if !strings.Contains(r.err, where) {
		t.Errorf("audit does not name the bad line %s:\n%s", where, r.err)
	}
	var out struct {
		Findings []struct{ Category, IP string } `json:"findings"`
	}
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.out)
	}
	for _, f := range out.Findings {
		// rows after the broken one: never stale
		if f.Category == "stale" && f.IP != "198.51.100.20" && f.IP != "198.51.100.10" {
			t.Errorf("%s is stale: a row after the bad line was lost", f.IP)
		}
	}

	// --strict: exit 2 naming the line
	r = run(t, "", "", "audit", "--config", cfg, "--strict")
	if r.code != 2 || !strings.Contains(r.err, where) {
		t.Errorf("--strict: exit %d, want 2 naming %s:\n%s", r.code, where, r.err)
	}

	// the preview shows the plan and says the write would be refused
	r = run(t, "", "", "audit", "--config", cfg, "--fix", "--no-validate")
	if r.code != 0 || !strings.Contains(r.err, "--write would be refused") {
		t.Errorf("--fix preview: exit %d:\n%s", r.code, r.err)
	}

	// --fix --write refuses, and writes nothing
	r = run(t, "", "", "audit", "--config", cfg, "--fix", "--write", "--no-validate")
	if r.code != 2 || !strings.Contains(r.err, "refusing to write") || !strings.Contains(r.err, "--force") {
		t.Errorf("--fix --write: exit %d, want 2 and a refusal:\n%s", r.code, r.err)
	}
	lcSameFiles(t, "refused fix", snap, lcZoneSnapshot(t, dir))

	// --force: the user has looked
	r = run(t, "", "", "audit", "--config", cfg, "--fix", "--write", "--force", "--no-validate")
	if r.code != 0 || !strings.Contains(r.err, "wrote ") {
		t.Errorf("--fix --write --force: exit %d:\n%s", r.code, r.err)
	}
}
