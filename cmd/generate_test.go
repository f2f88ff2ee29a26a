package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/zoneset"
)

// A mass-rename through a $GENERATE line counts, guards and journals every
// PTR it changes (issue: "1 replaced" for 245 PTRs, no guard, no log entry
// per address), while the zone keeps the one line, rewritten.
func TestMassRenameThroughGenerateIsPerAddress(t *testing.T) {
	dir := copyExamples(t)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	zone := filepath.Join(dir, "zones", "db.192.0.2")
	before, _ := os.ReadFile(zone)
	args := []string{"mass-rename", "192.0.2.0/24", "--suffix", "pool1.example.net.", "--to-suffix", "pool2.example.net.", "--config", cfg}

	// the guard counts 245 PTRs, not one line
	r := run(t, "", "", append(args, "--write")...)
	if r.code != 2 || !strings.Contains(r.err, "2.0.192.in-addr.arpa.: 245 of 247 PTRs") {
		t.Fatalf("without --force: exit %d, want 2 naming 245 of 247 PTRs\n%s", r.code, r.err)
	}
	if b, _ := os.ReadFile(zone); string(b) != string(before) {
		t.Fatal("zone written despite the guard")
	}

	// the plan lists one change per address
	r = run(t, "", "", append(args, "--force", "-o", "json")...)
	if r.code != 0 {
		t.Fatalf("preview: exit %d\n%s", r.code, r.err)
	}
	var rep struct {
		Changes []struct {
			Action, IP, Type, Old, New, Generate string
		}
		Summary struct{ Replaced, Added, Deleted int }
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.out)
	}
	if len(rep.Changes) != 245 || rep.Summary.Replaced != 245 || rep.Summary.Added+rep.Summary.Deleted != 0 {
		t.Fatalf("%d changes, summary %+v; want 245 replaced", len(rep.Changes), rep.Summary)
	}
	for _, c := range rep.Changes {
		if c.Type != "PTR" || c.IP == "" || c.Action != "replace" || !strings.HasSuffix(c.New, ".pool2.example.net.") {
			t.Fatalf("change %+v", c)
		}
	}

	r = run(t, "", "", append(args, "--force", "--write")...)
	if r.code != 0 || !strings.Contains(r.err, "245 replaced") {
		t.Fatalf("--force --write: exit %d, want 245 replaced\n%s", r.code, r.err)
	}
	after, _ := os.ReadFile(zone)
	if !strings.Contains(string(after), "\n$GENERATE 10-254 $ PTR 192-0-2-$.pool2.example.net.\n") ||
		strings.Count(string(after), "\n") != strings.Count(string(before), "\n") {
		t.Errorf("the $GENERATE line was not rewritten in place:\n%s", after)
	}
	checkZones(t, filepath.Join(dir, "zones"))

	// the journal holds one line per PTR and finds every address
	j, _ := os.ReadFile(filepath.Join(dir, "rdns-changes.jsonl"))
	if n := strings.Count(string(j), "\n"); n != 245 {
		t.Errorf("%d journal lines, want 245", n)
	}
	for _, ip := range []string{"192.0.2.10", "192.0.2.50", "192.0.2.254"} {
		r = run(t, "", "", "log", ip, "--config", cfg, "-o", "json")
		if r.code != 0 || strings.Count(r.out, "192-0-2-") != 2 || !strings.Contains(r.out, "pool1.example.net.") || !strings.Contains(r.out, "pool2.example.net.") {
			t.Errorf("log %s: exit %d\n%s%s", ip, r.code, r.out, r.err)
		}
	}
	r = run(t, "", "", append(args, "--force", "--write", "--expect-no-changes")...)
	if r.code != 0 {
		t.Errorf("second run: exit %d\n%s", r.code, r.err)
	}
}

// block-init --generate into zones that do not exist yet writes new zones
// with $GENERATE lines (split around a custom PTR in an existing zone),
// counts and journals every address, and a second run changes nothing.
func TestBlockInitGenerateNewZone(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"rdnsctl.yaml":     bulkConfig,
		"zones/db.10.20.0": zoneText("0.20.10.in-addr.arpa.", "7\tIN\tPTR\tmail.customer-a.example."),
	})
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	args := []string{"block-init", "10.20.0.0/23", "--template", "{dashed}.dyn.example.net.", "--generate", "--config", cfg}
	r := run(t, "", "", append(args, "--write")...)
	if r.code != 0 || !strings.Contains(r.err, "511 added") {
		t.Fatalf("exit %d, want 511 added\n%s", r.code, r.err)
	}
	// named in the house style of the directory: db.10.20.0 beside it
	created, err := os.ReadFile(filepath.Join(dir, "zones", "db.10.20.1"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(created), "\n$GENERATE 0-255\t$\tIN\tPTR\t10-20-1-$.dyn.example.net.\n") || strings.Count(string(created), "\n") > 12 {
		t.Errorf("new zone:\n%s", created)
	}
	old, _ := os.ReadFile(filepath.Join(dir, "zones", "db.10.20.0"))
	for _, want := range []string{"\n$GENERATE 0-6\t$\tIN\tPTR\t10-20-0-$.dyn.example.net.\n7\tIN\tPTR\tmail.customer-a.example.\n$GENERATE 8-255\t"} {
		if !strings.Contains(string(old), want) {
			t.Errorf("existing zone lacks %q:\n%s", want, old)
		}
	}
	checkZones(t, filepath.Join(dir, "zones"))
	s, err := zoneset.Load([]zoneset.Spec{{Path: filepath.Join(dir, "zones")}}, zoneset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Zone("1.20.10.in-addr.arpa.").Count() + s.Zone("0.20.10.in-addr.arpa.").Count(); n != 512 {
		t.Errorf("%d PTRs, want 512", n)
	}
	r = run(t, "", "", "log", "10.20.1.77", "--config", cfg, "-o", "json")
	if r.code != 0 || !strings.Contains(r.out, "10-20-1-77.dyn.example.net.") {
		t.Errorf("log 10.20.1.77: exit %d\n%s%s", r.code, r.out, r.err)
	}
	r = run(t, "", "", append(args, "--write", "--expect-no-changes")...)
	if r.code != 0 {
		t.Errorf("second run: exit %d\n%s", r.code, r.err)
	}
}

// Running transfer export again after it was applied changes nothing and
// exits 0 (it exited 2: "holds no PTR"); a block that holds no PTR and was
// never exported is still an error.
func TestTransferExportIdempotent(t *testing.T) {
	for _, cnameTo := range []string{"", "192-27.rev.other.example."} {
		t.Run("cname-to="+cnameTo, func(t *testing.T) {
			dir := copyExamples(t)
			zones, cfg, out := filepath.Join(dir, "zones"), filepath.Join(dir, "rdnsctl.yaml"), filepath.Join(dir, "handover")
			args := []string{"transfer", "export", "198.51.100.192/27", "--out", out, "--config", cfg, "--write"}
			if cnameTo != "" {
				args = append(args, "--cname-to", cnameTo)
			}
			if r := run(t, "", "", args...); r.code != 0 {
				t.Fatalf("export: exit %d\n%s", r.code, r.err)
			}
			mid := recordSet(t, zones)
			files := snapshot(t, out)
			r := run(t, "", "", append(args, "--expect-no-changes")...)
			if r.code != 0 || !strings.Contains(r.err, "already exported") {
				t.Fatalf("second export: exit %d\n%s", r.code, r.err)
			}
			if gone, added := diffLines(mid, recordSet(t, zones)); len(gone)+len(added) > 0 {
				t.Errorf("second export changed the zones: -%v +%v", gone, added)
			}
			for f, b := range snapshot(t, out) {
				if files[f] != b {
					t.Errorf("second export rewrote %s", f)
				}
			}
		})
	}
	dir := copyExamples(t)
	r := run(t, "", "", "transfer", "export", "203.0.113.64/27", "--out", filepath.Join(dir, "h"), "--config", filepath.Join(dir, "rdnsctl.yaml"))
	if r.code != 2 || !strings.Contains(r.err, "nothing to export") {
		t.Errorf("empty block: exit %d\n%s", r.code, r.err)
	}
}

// audit --fix on addresses a $GENERATE line makes: one change per address,
// the line split around them, each journaled under its address, and a
// second audit finds nothing left to fix there.
func TestAuditFixThroughGenerate(t *testing.T) {
	dir := copyExamples(t)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	csv := filepath.Join(dir, "ipam", "netbox-export.csv")
	b, _ := os.ReadFile(csv)
	b = append(b, "192.0.2.50/24,,,active,,mail.customer-x.example,\n192.0.2.51/24,,,active,,www.customer-x.example,\n"...)
	os.WriteFile(csv, b, 0o644)
	r := run(t, "", "", "audit", "--config", cfg, "--fix", "--no-validate", "--write", "--force", "--prefix", "192.0.2.0/24")
	if r.code != 0 && r.code != 1 || !strings.Contains(r.err, "2 replaced") {
		t.Fatalf("exit %d, want 2 replaced\n%s", r.code, r.err)
	}
	zone, _ := os.ReadFile(filepath.Join(dir, "zones", "db.192.0.2"))
	for _, want := range []string{"$GENERATE 10-49 $ PTR 192-0-2-$.pool1.example.net.", "mail.customer-x.example.", "www.customer-x.example.",
		"$GENERATE 52-254 $ PTR 192-0-2-$.pool1.example.net."} {
		if !strings.Contains(string(zone), want) {
			t.Errorf("zone lacks %q:\n%s", want, zone)
		}
	}
	checkZones(t, filepath.Join(dir, "zones"))
	for ip, name := range map[string]string{"192.0.2.50": "mail.customer-x.example.", "192.0.2.51": "www.customer-x.example."} {
		r = run(t, "", "", "log", ip, "--config", cfg, "-o", "json")
		if !strings.Contains(r.out, name) || !strings.Contains(r.out, "pool1.example.net.") {
			t.Errorf("log %s:\n%s%s", ip, r.out, r.err)
		}
	}
	r = run(t, "", "", "audit", "--config", cfg, "--fix", "--no-validate", "--prefix", "192.0.2.0/24", "--expect-no-changes")
	if strings.Contains(r.err, "replaced") && !strings.Contains(r.err, "0 replaced") {
		t.Errorf("second audit --fix plans changes:\n%s", r.err)
	}
}

// transfer export --cname-to out of a zone that writes its CNAMEs with
// $GENERATE writes runs of the new CNAMEs the same way, one change (and
// journal line) per address.
func TestTransferExportCNAMEsAsGenerate(t *testing.T) {
	dir := copyExamples(t)
	zones, cfg := filepath.Join(dir, "zones"), filepath.Join(dir, "rdnsctl.yaml")
	orig := recordSet(t, zones)
	r := run(t, "", "", "transfer", "export", "198.51.100.0/28", "--out", filepath.Join(dir, "out"), "--cname-to", "0-28.rev.other.example.",
		"--config", cfg, "--write", "--force")
	if r.code != 0 || !strings.Contains(r.err, "6 added, 0 replaced, 6 deleted") {
		t.Fatalf("exit %d\n%s", r.code, r.err)
	}
	b, _ := os.ReadFile(filepath.Join(zones, "db.198.51.100"))
	for _, want := range []string{"$GENERATE 1-3\t$\tIN\tCNAME\t$.0-28.rev.other.example.\n", "$GENERATE 10-12\t$\tIN\tCNAME\t$.0-28.rev.other.example.\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("zone lacks %q:\n%s", want, b)
		}
	}
	checkZones(t, zones)
	gone, added := diffLines(orig, recordSet(t, zones))
	if len(gone) != 6 || len(added) != 6 {
		t.Errorf("export changed -%v +%v", gone, added)
	}
	r = run(t, "", "", "log", "198.51.100.11", "--config", cfg, "-o", "json")
	if !strings.Contains(r.out, "11.0-28.rev.other.example.") {
		t.Errorf("log 198.51.100.11:\n%s", r.out)
	}
}

// Re-templating a $GENERATE pool with block-init --overwrite defaults
// rewrites the line in place (245 replaced, journaled per address), keeps
// the custom names, and adds the addresses that had no PTR.
func TestBlockInitRetemplatesGeneratePool(t *testing.T) {
	dir := copyExamples(t)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	zone := filepath.Join(dir, "zones", "db.192.0.2")
	args := []string{"block-init", "192.0.2.0/24", "--template", "{dashed}.pool2.example.net.", "--overwrite", "defaults", "--generate", "--config", cfg, "--force"}
	r := run(t, "", "", append(args, "--write")...)
	if r.code != 0 || !strings.Contains(r.err, "9 added, 245 replaced, 0 deleted") {
		t.Fatalf("exit %d, want 9 added, 245 replaced\n%s", r.code, r.err)
	}
	b, _ := os.ReadFile(zone)
	for _, want := range []string{"\n$GENERATE 10-254 $ PTR 192-0-2-$.pool2.example.net.\n", "gw-pool1.example.net.", "radius1.example.net.",
		"$GENERATE 3-9\t$\tIN\tPTR\t192-0-2-$.pool2.example.net.\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("zone lacks %q:\n%s", want, b)
		}
	}
	if n := strings.Count(string(b), "\n"); n > 14 {
		t.Errorf("the pool was expanded (%d lines):\n%s", n, b)
	}
	checkZones(t, filepath.Join(dir, "zones"))
	r = run(t, "", "", append(args, "--write", "--expect-no-changes")...)
	if r.code != 0 {
		t.Errorf("second run: exit %d\n%s", r.code, r.err)
	}
}
