package plan

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

func load(t *testing.T, dir string) *zoneset.Set {
	t.Helper()
	s, err := zoneset.Load([]zoneset.Spec{{Path: dir}}, zoneset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func zone(n int) string {
	var b strings.Builder
	b.WriteString("$ORIGIN 100.51.198.in-addr.arpa.\n$TTL 1h\n@ SOA ns1.example.net. h.example.net. 2026010100 2 3 4 5\n@ NS ns1.example.net.\n")
	for i := 1; i <= n; i++ {
		b.WriteString(itoa(i) + " PTR host" + itoa(i) + ".example.net.\n")
	}
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }

// Build touches nothing; Write is all or nothing.
func TestBuildAndWriteAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "db"), []byte(zone(3)), 0o644)
	s := load(t, dir)
	a := netip.MustParseAddr("198.51.100.9")
	b := netip.MustParseAddr("203.0.113.9")
	newFile := filepath.Join(dir, "sub", "113.0.203.in-addr.arpa.zone")
	cs := rdns.ChangeSet{Changes: []rdns.Change{
		{Action: rdns.Add, Zone: "100.51.198.in-addr.arpa.", File: filepath.Join(dir, "db"), Name: rdns.ReverseName(a), Addr: a, Type: "PTR", New: "nine.example.net."},
		{Action: rdns.Add, Zone: "113.0.203.in-addr.arpa.", File: newFile, Name: rdns.ReverseName(b), Addr: b, Type: "PTR", New: "b.example.net."},
	}}
	p, err := Build(s, cs, Options{Now: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 2 || !p.Files[1].Created {
		t.Fatalf("files %+v", p.Files)
	}
	if !strings.Contains(string(p.Files[1].New), "$ORIGIN 113.0.203.in-addr.arpa.") || !strings.Contains(string(p.Files[1].New), "ns1.example.net.") {
		t.Fatalf("new zone:\n%s", p.Files[1].New)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "db"))
	// the new zone's directory does not exist: the write fails and the
	// existing zone is left as it was
	if _, err := p.Write(context.Background()); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
	after, _ := os.ReadFile(filepath.Join(dir, "db"))
	if string(after) != string(before) {
		t.Fatal("a failed write changed the other zone")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temp files left behind: %v", entries)
	}
	os.MkdirAll(filepath.Dir(newFile), 0o755)
	if _, err := p.Write(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "db")); !strings.Contains(string(b), "nine.example.net.") || !strings.Contains(string(b), "2026112500") {
		t.Fatalf("zone not written:\n%s", b)
	}
}
