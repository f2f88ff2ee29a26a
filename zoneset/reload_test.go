package zoneset

import (
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// A zone set loads from an fs.FS: no temp files, includes read from the FS,
// backups skipped, non-regular files refused, paths are FS paths.
func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"zones/db.198.51.100":     {Data: []byte(zone100 + "$INCLUDE zones/inc/customers\n")},
		"zones/inc/customers":     {Data: []byte("6 PTR six.example.net.\n")},
		"zones/db.192.0.2":        {Data: []byte(zone2)},
		"zones/db.192.0.2.bak":    {Data: []byte(zone2)},
		"zones/db.203.0.113":      {Data: []byte("x"), Mode: os.ModeSymlink},
		"zones/.rdnsctl.lock":     {Data: []byte{}},
		"elsewhere/db.10.20.30":   {Data: []byte(strings.ReplaceAll(zone100, "100.51.198", "30.20.10"))},
		"zones/rdnsctl.yaml":      {Data: []byte("zones: [.]\n")},
		"zones/db.198.51.100.old": {Data: []byte(zone100)},
	}
	s, err := LoadFS(fsys, []Spec{{Path: "zones"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := origins(s); !slices.Equal(got, []string{"2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa."}) {
		t.Fatalf("zones %v, problems %v", got, s.Problems)
	}
	if len(s.Skipped) != 2 || len(s.NotLoaded) != 1 || s.NotLoaded[0].Origin != "113.0.203.in-addr.arpa." {
		t.Fatalf("skipped %v, not loaded %+v", s.Skipped, s.NotLoaded)
	}
	z := s.Zone("100.51.198.in-addr.arpa.")
	if z.Path != "zones/db.198.51.100" || z.ReadOnly != "" || len(z.Files) != 2 {
		t.Fatalf("zone %s %q %d files", z.Path, z.ReadOnly, len(z.Files))
	}
	if l := s.Lookup(netip.MustParseAddr("198.51.100.6")); len(l.PTRs) != 1 {
		t.Fatalf("included PTR: %+v", l)
	}
	// a file named by origin, outside the walked directory
	s, err = LoadFS(fsys, []Spec{{Path: "elsewhere/db.10.20.30", Origin: "30.20.10.in-addr.arpa"}}, Options{})
	if err != nil || len(s.Zones) != 1 {
		t.Fatalf("%v %v", origins(s), err)
	}
	if _, err := LoadFS(fsys, []Spec{{Path: "../x"}}, Options{}); err == nil {
		t.Fatal("a path leaving the FS was accepted")
	}
}

// Changed finds the zones whose main file or include changed; Reload puts
// the new reading in place and leaves the other zones as they were.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "db.198.51.100", zone100+"$INCLUDE inc/customers\n")
	inc := write(t, dir, "inc/customers", "6 PTR six.example.net.\n")
	write(t, dir, "db.192.0.2", zone2)
	s, err := Load([]Spec{{Path: dir}}, Options{IncludeBase: dir})
	if err != nil {
		t.Fatal(err)
	}
	other := s.Zone("2.0.192.in-addr.arpa.")
	if c := s.Changed(); len(c) != 0 {
		t.Fatalf("changed before any change: %v", c)
	}
	a7 := netip.MustParseAddr("198.51.100.7")
	if l := s.Lookup(a7); len(l.PTRs) != 0 {
		t.Fatal("PTR before the change")
	}
	later := time.Now().Add(2 * time.Second)
	// the include changes
	os.WriteFile(inc, []byte("6 PTR six.example.net.\n7 PTR seven.example.net.\n"), 0o644)
	os.Chtimes(inc, later, later)
	got, err := s.ReloadChanged()
	if err != nil || !slices.Equal(got, []string{"100.51.198.in-addr.arpa."}) {
		t.Fatalf("ReloadChanged = %v, %v", got, err)
	}
	if l := s.Lookup(a7); len(l.PTRs) != 1 || l.Zone.Records[l.PTRs[0]].Data != "seven.example.net." {
		t.Fatalf("after reload: %+v", l)
	}
	if s.Zone("2.0.192.in-addr.arpa.") != other {
		t.Fatal("an unchanged zone was reloaded")
	}
	if c := s.Changed(); len(c) != 0 {
		t.Fatalf("changed after reload: %v", c)
	}
	// the main file changes size: found without touching its time
	os.WriteFile(p, []byte(zone100+"$INCLUDE inc/customers\n8 PTR eight.example.net.\n"), 0o644)
	if c := s.Changed(); !slices.Equal(c, []string{"100.51.198.in-addr.arpa."}) {
		t.Fatalf("Changed = %v", c)
	}
	if err := s.Reload("100.51.198.in-addr.arpa."); err != nil {
		t.Fatal(err)
	}
	if l := s.Lookup(netip.MustParseAddr("198.51.100.8")); len(l.PTRs) != 1 {
		t.Fatalf("after the second reload: %+v", l)
	}
	// a file that no longer loads leaves the zone held as it was
	os.WriteFile(p, []byte("$ORIGIN 9.9.9.in-addr.arpa.\n"+zone100[len("$ORIGIN 100.51.198.in-addr.arpa.\n"):]), 0o644)
	if err := s.Reload("100.51.198.in-addr.arpa."); err == nil || !strings.Contains(err.Error(), "now zone") {
		t.Fatalf("origin changed: %v", err)
	}
	if l := s.Lookup(netip.MustParseAddr("198.51.100.8")); len(l.PTRs) != 1 {
		t.Fatal("the zone held was lost")
	}
	os.Remove(p)
	if err := s.Reload("100.51.198.in-addr.arpa."); err == nil {
		t.Fatal("reloaded a removed file")
	}
	if err := s.Reload("7.7.7.in-addr.arpa."); err == nil {
		t.Fatal("reloaded a zone not in the set")
	}
}

// Reload works on a set read from an fs.FS too.
func TestReloadFS(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	fsys := fstest.MapFS{"db.198.51.100": {Data: []byte(zone100), ModTime: t0}}
	s, err := LoadFS(fsys, []Spec{{Path: "."}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fsys["db.198.51.100"] = &fstest.MapFile{Data: []byte(zone100 + "9 PTR nine.example.net.\n"), ModTime: t0.Add(time.Minute)}
	if got, err := s.ReloadChanged(); err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	if l := s.Lookup(netip.MustParseAddr("198.51.100.9")); len(l.PTRs) != 1 {
		t.Fatalf("%+v", l)
	}
}

// The set keeps the classless style it was read with, so that writers use
// it: 0-31 is a /31 under RFC 4183 and a /27 as a range.
func TestStyle(t *testing.T) {
	child := strings.ReplaceAll(zone100, "100.51.198.in-addr.arpa.", "0-31.100.51.198.in-addr.arpa.")
	for _, tt := range []struct {
		style rdns.Style
		block string
	}{{rdns.RFC4183, "198.51.100.0/31"}, {rdns.Range, "198.51.100.0/27"}, {rdns.Slash, "198.51.100.0/27"}} {
		s, err := LoadFS(fstest.MapFS{"child": {Data: []byte(child)}}, []Spec{{Path: "child"}}, Options{Style: tt.style})
		if err != nil {
			t.Fatal(err)
		}
		if s.Style() != tt.style || s.Zones[0].Name.Prefix.String() != tt.block {
			t.Errorf("style %v: Style() %v, block %v", tt.style, s.Style(), s.Zones[0].Name.Prefix)
		}
	}
}
