package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two files claiming one origin: a write is refused (exit 2) naming both
// files and nothing changes; a read-only command warns and names the file it
// read.
func TestDuplicateOriginBlocksWrites(t *testing.T) {
	dir := copyExamples(t)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	orig := filepath.Join(dir, "zones", "db.198.51.100")
	data, _ := os.ReadFile(orig)
	stale := filepath.Join(dir, "zones", "old", "100.51.198.in-addr.arpa.zone")
	os.MkdirAll(filepath.Dir(stale), 0o755)
	os.WriteFile(stale, data, 0o644)
	before := snapshot(t, dir)
	for _, args := range [][]string{
		{"set", "198.51.100.44", "mail.customer.example.", "--no-validate", "--write"},
		{"set", "192.0.2.50", "shop.customer.example.", "--no-validate", "--write"}, // another zone: still refused
		{"block-init", "198.51.100.0/24", "--write"},
	} {
		r := run(t, "", "", append(args, "--config", cfg)...)
		if r.code != 2 || !strings.Contains(r.err, orig) || !strings.Contains(r.err, stale) {
			t.Fatalf("%v: exit %d, want 2 naming both files\n%s", args, r.code, r.err)
		}
	}
	sameFiles(t, before, snapshot(t, dir))
	// preview: shown, with the reason the write would be refused
	r := run(t, "", "", "set", "198.51.100.44", "mail.customer.example.", "--no-validate", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.err, "refusing to write") {
		t.Fatalf("preview: exit %d\n%s", r.code, r.err)
	}
	r = run(t, "", "", "zones", "--config", cfg, "-o", "json")
	if r.code != 0 || !strings.Contains(r.err, "reading "+orig) {
		t.Fatalf("zones: exit %d\n%s", r.code, r.err)
	}
	var out zonesReport
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Conflicts) != 1 || out.Conflicts[0].Read != orig || len(out.Conflicts[0].Files) != 2 || out.Conflicts[0].Files[1] != stale {
		t.Fatalf("conflicts %+v", out.Conflicts)
	}
}

// Backup files are skipped by default and said on stderr and in -o json.
func TestZonesSkipsBackups(t *testing.T) {
	dir := copyExamples(t)
	zones := filepath.Join(dir, "zones")
	data, _ := os.ReadFile(filepath.Join(zones, "db.198.51.100"))
	for _, n := range []string{"db.198.51.100.bak", "db.198.51.100~", "db.198.51.100.20181126"} {
		os.WriteFile(filepath.Join(zones, n), data, 0o644)
	}
	r := run(t, "", "", "zones", "--zones", zones, "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.err)
	}
	var out zonesReport
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Skipped) != 3 || len(out.Conflicts) != 0 || len(out.Zones) != 5 {
		t.Fatalf("skipped %v conflicts %v zones %d", out.Skipped, out.Conflicts, len(out.Zones))
	}
	if strings.Count(r.err, "skipped ") != 3 {
		t.Fatalf("stderr:\n%s", r.err)
	}
	// a write is not blocked by backups
	r = run(t, "", "", "set", "198.51.100.44", "mail.customer.example.", "--no-validate", "--zones", zones, "--write")
	if r.code != 0 {
		t.Fatalf("set: exit %d\n%s", r.code, r.err)
	}
}

// A zone that cannot be loaded blocks writes into its block (exit 2) and
// leaves the other zones writable; set never creates a second copy.
func TestFailedZoneBlocksWritesInItsSpace(t *testing.T) {
	dir := copyExamples(t)
	zones := filepath.Join(dir, "zones")
	outside := t.TempDir()
	real := filepath.Join(outside, "db.198.51.100")
	os.Rename(filepath.Join(zones, "db.198.51.100"), real)
	if err := os.Symlink(real, filepath.Join(zones, "db.198.51.100")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	r := run(t, "", "", "set", "198.51.100.44", "mail.customer.example.", "--no-validate", "--zones", zones, "--write")
	if r.code != 2 || !strings.Contains(r.err, "100.51.198.in-addr.arpa.") || !strings.Contains(r.err, "outside the zones directories") {
		t.Fatalf("exit %d\n%s", r.code, r.err)
	}
	sameFiles(t, before, snapshot(t, dir))
	r = run(t, "", "", "zones", "--zones", zones)
	if r.code != 0 || !strings.Contains(r.out, "failed") || !strings.Contains(r.err, "outside the zones directories") {
		t.Fatalf("zones: exit %d\n%s%s", r.code, r.out, r.err)
	}
	r = run(t, "", "", "set", "192.0.2.50", "shop.customer.example.", "--no-validate", "--zones", zones, "--write")
	if r.code != 0 {
		t.Fatalf("write elsewhere: exit %d\n%s", r.code, r.err)
	}
}

// sameFiles fails when a file other than rdnsctl's own dot files (the lock)
// was changed, created or removed.
func sameFiles(t *testing.T, before, after map[string]string) {
	t.Helper()
	for _, m := range []map[string]string{before, after} {
		for k := range m {
			if strings.HasPrefix(filepath.Base(k), ".") {
				delete(m, k)
			}
		}
	}
	for k, v := range after {
		if b, ok := before[k]; !ok || b != v {
			t.Fatalf("%s changed or created", k)
		}
	}
	if len(after) != len(before) {
		t.Fatalf("files removed: %d -> %d", len(before), len(after))
	}
}

// A symlinked zone file inside the zones directory is written through: the
// target gets the change, the link stays a link.
func TestSymlinkedZoneWrittenThrough(t *testing.T) {
	dir := copyExamples(t)
	zones := filepath.Join(dir, "zones")
	target := filepath.Join(zones, "real", "db.198.51.100")
	os.MkdirAll(filepath.Dir(target), 0o755)
	os.Rename(filepath.Join(zones, "db.198.51.100"), target)
	link := filepath.Join(zones, "db.198.51.100")
	if err := os.Symlink(filepath.Join("real", "db.198.51.100"), link); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "", "set", "198.51.100.44", "mail.customer.example.", "--no-validate", "--zones", zones, "--write")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", st.Mode(), err)
	}
	b, _ := os.ReadFile(target)
	if !strings.Contains(string(b), "mail.customer.example.") {
		t.Fatalf("target not written:\n%s", b)
	}
	checkZones(t, zones)
	r = run(t, "", "", "zones", "--zones", zones)
	if !strings.Contains(r.out, link+" -> ") || strings.Contains(r.err, "also in") {
		t.Fatalf("zones:\n%s%s", r.out, r.err)
	}
}

// The zones -o json contract with every list filled: a zone read, a
// failed one, a backup skipped, an origin claimed twice.
func TestZonesJSONGolden(t *testing.T) {
	src, _ := os.ReadFile("../examples/zones/db.198.51.100")
	dir := writeTree(t, map[string]string{
		"zones/db.198.51.100":                    string(src),
		"zones/db.198.51.100.bak":                string(src),
		"zones/old/100.51.198.in-addr.arpa.zone": string(src),
	})
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zones", "db.203.0.113")); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "", "zones", "--zones", filepath.Join(dir, "zones"), "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.err)
	}
	goldenFile(t, "zones/dir.json", strings.ReplaceAll(r.out, dir, "$DIR"))
}
