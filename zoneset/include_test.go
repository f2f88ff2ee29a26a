package zoneset

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 10: $INCLUDE as BIND resolves it, through Load: relative to the
// include base (named's directory, include_base, else the working
// directory), then the including file's directory; and issue 9: never
// outside the roots, never a non-regular file. A zone whose include is
// refused is loaded read-only with the problem, never silently short.
func TestLoadIncludes(t *testing.T) {
	top := t.TempDir()
	zones := filepath.Join(top, "zones")
	write(t, zones, "db.198.51.100", zone100+"$INCLUDE zones/part.inc\n")
	write(t, zones, "part.inc", "6 PTR six.example.net.\n")
	write(t, zones, "db.192.0.2", zone2+"$INCLUDE zones/evil.inc\n")
	outside := t.TempDir()
	write(t, outside, "secret", "8 PTR secret.example.net.\n")
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(zones, "evil.inc")); err != nil {
		t.Fatal(err)
	}
	s, err := Load([]Spec{{Path: zones}}, Options{IncludeBase: top})
	if err != nil {
		t.Fatal(err)
	}
	z := s.Zone("100.51.198.in-addr.arpa.")
	if z == nil || z.ReadOnly != "" || len(z.Files) != 2 || len(z.At(netip.MustParseAddr("198.51.100.6"))) != 1 {
		t.Fatalf("BIND layout: %+v %v", z, s.Problems)
	}
	if got := z.FilePath(1); got != filepath.Join(zones, "part.inc") {
		t.Errorf("FilePath(1) = %s", got)
	}
	z2 := s.Zone("2.0.192.in-addr.arpa.")
	if z2 == nil || !strings.Contains(z2.ReadOnly, "$INCLUDE") || len(z2.At(netip.MustParseAddr("192.0.2.8"))) != 0 {
		t.Fatalf("escaping symlink: %+v", z2)
	}
	found := false
	for _, p := range s.Problems {
		if strings.Contains(p.Error(), "db.192.0.2:6: $INCLUDE zones/evil.inc:") && strings.Contains(p.Error(), "outside the zones directories") {
			found = true
		}
	}
	if !found {
		t.Errorf("no problem names the refused include: %v", s.Problems)
	}
	// the included file is part of its zone, not a zone of its own
	for _, nl := range s.NotLoaded {
		if strings.HasSuffix(nl.Path, "part.inc") {
			t.Errorf("part.inc reported as a zone that failed: %+v", nl)
		}
	}
}
