package zoneset

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rdnsctl/rdnsctl/rdns"
)

func TestIsBackupName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"db.198.51.100", false},
		{"db.198.51.100.64-26", false},
		{"100.51.198.in-addr.arpa.zone", false},
		{"0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.zone", false},
		{"2001:db8.zone", false},
		{"oriental.example.zone", false},
		{"db.old-customers.example", false},
		{"db.10", false},
		{"db.198.51.100~", true},
		{"#db.198.51.100#", true},
		{"db.198.51.100.bak", true},
		{"db.198.51.100.BAK", true},
		{"db.198.51.100.bak.1", true},
		{"db.198.51.100.orig", true},
		{"33.9.10.in-addr.arpa.db.ori.20181126", true},
		{"db.198.51.100.ori", true},
		{"db.198.51.100.old", true},
		{"db.198.51.100.rej", true},
		{"db.198.51.100.swp", true},
		{"db.198.51.100.retired", true},
		{"db.198.51.100.20181126", true},
		{"db.198.51.100-20181126", true},
		{"db.198.51.100_20181126", true},
		{"db.198.51.100.2018112601", true},
		{"db.198.51.100.rpmsave", true},
		{"db.198.51.100.dpkg-old", true},
		{"db.198.51.100.20181399", false}, // not a date
		{"db.10.12345678", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsBackupName(tt.name); got != tt.want {
				t.Errorf("IsBackupName(%q) = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

const zone100 = `$ORIGIN 100.51.198.in-addr.arpa.
$TTL 3600
@ SOA ns1.example.net. h.example.net. 1 2 3 4 5
@ NS ns1.example.net.
5 PTR five.example.net.
`

const zone2 = `$ORIGIN 2.0.192.in-addr.arpa.
$TTL 3600
@ SOA ns1.example.net. h.example.net. 1 2 3 4 5
@ NS ns1.example.net.
7 PTR seven.example.net.
`

func write(t *testing.T, dir, name, data string) string {
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

func origins(s *Set) []string {
	var o []string
	for _, z := range s.Zones {
		o = append(o, z.Origin)
	}
	return o
}

// Backups and editor leftovers in a zones directory are skipped and listed;
// named explicitly, they are read.
func TestBackupsSkipped(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "db.198.51.100", zone100)
	for _, n := range []string{"db.198.51.100~", "db.198.51.100.bak", "db.198.51.100.20181126", "#db.198.51.100#", "db.198.51.100.ori.20181126", "db.198.51.100.swp"} {
		write(t, dir, n, zone100)
	}
	s, err := Load([]Spec{{Path: dir}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Zones) != 1 || len(s.Conflicts) != 0 || len(s.Problems) != 0 {
		t.Fatalf("zones %v, conflicts %v, problems %v", origins(s), s.Conflicts, s.Problems)
	}
	if len(s.Skipped) != 6 {
		t.Fatalf("skipped %v", s.Skipped)
	}
	for _, sk := range s.Skipped {
		if !IsBackupName(filepath.Base(sk.Path)) || sk.Reason == "" {
			t.Errorf("skipped %+v", sk)
		}
	}
	// named explicitly, a backup is read (here: alone)
	s, err = Load([]Spec{{Path: filepath.Join(dir, "db.198.51.100.bak")}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Zones) != 1 || s.Zones[0].Origin != "100.51.198.in-addr.arpa." {
		t.Fatalf("explicit backup: %v %v", origins(s), s.Problems)
	}
}

// Two files with one origin: a conflict naming both, the first is read, and
// every write is refused naming both files.
func TestConflictBlocksWrites(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "db.198.51.100", zone100)
	b := write(t, dir, "old/100.51.198.in-addr.arpa.zone", strings.Replace(zone100, "five", "stale", 1))
	write(t, dir, "db.192.0.2", zone2)
	s, err := Load([]Spec{{Path: dir}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Conflicts) != 1 || s.Conflicts[0].Origin != "100.51.198.in-addr.arpa." || len(s.Conflicts[0].Files) != 2 {
		t.Fatalf("conflicts %+v", s.Conflicts)
	}
	if got := s.Zone("100.51.198.in-addr.arpa.").Path; got != a {
		t.Fatalf("read %s, want %s", got, a)
	}
	if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Error(), "reading "+a) {
		t.Fatalf("problems %v", s.Problems)
	}
	// even a write into another zone is refused
	cs := rdns.ChangeSet{Changes: []rdns.Change{{Action: rdns.Add, Zone: "2.0.192.in-addr.arpa.", Name: "8.2.0.192.in-addr.arpa.", Addr: netip.MustParseAddr("192.0.2.8"), Type: "PTR", New: "x.example."}}}
	err = s.CheckWrite(cs)
	var we *WriteError
	if !errors.As(err, &we) || !strings.Contains(err.Error(), a) || !strings.Contains(err.Error(), b) {
		t.Fatalf("CheckWrite = %v", err)
	}
}

func change(zone, ip string) rdns.ChangeSet {
	a := netip.MustParseAddr(ip)
	zn, _ := rdns.ParseZoneName(zone, rdns.Slash)
	return rdns.ChangeSet{Changes: []rdns.Change{{Action: rdns.Add, Zone: zone, Name: zn.OwnerName(a), Addr: a, Type: "PTR", New: "x.example."}}}
}

// A zone that fails to load keeps its origin and block on the set, and a
// write into that block is refused while writes elsewhere go on.
func TestFailedZonesBlockTheirSpace(t *testing.T) {
	outside := t.TempDir()
	write(t, outside, "db.203.0.113", strings.ReplaceAll(zone100, "100.51.198", "113.0.203"))
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		origin  string // of the failed zone ("" when unknown)
		blocked string // a write that must be refused: zone, address
		ip      string
		reason  string
	}{
		{"symlink outside the roots", func(t *testing.T, dir string) {
			if err := os.Symlink(filepath.Join(outside, "db.203.0.113"), filepath.Join(dir, "db.203.0.113")); err != nil {
				t.Fatal(err)
			}
		}, "113.0.203.in-addr.arpa.", "113.0.203.in-addr.arpa.", "203.0.113.9", "outside the zones directories"},
		{"dangling symlink", func(t *testing.T, dir string) {
			os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "db.203.0.113"))
		}, "113.0.203.in-addr.arpa.", "113.0.203.in-addr.arpa.", "203.0.113.9", "symlink"},
		{"symlink to a device", func(t *testing.T, dir string) {
			os.Symlink("/dev/zero", filepath.Join(dir, "db.203.0.113"))
		}, "113.0.203.in-addr.arpa.", "113.0.203.in-addr.arpa.", "203.0.113.9", "not a regular file"},
		{"fifo", func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "db.203.0.113"), 0o644); err != nil {
				t.Skip(err)
			}
		}, "113.0.203.in-addr.arpa.", "113.0.203.in-addr.arpa.", "203.0.113.9", "FIFO"},
		{"no origin", func(t *testing.T, dir string) {
			write(t, dir, "customers", "$TTL 3600\n@ SOA ns1.example.net. h.example.net. 1 2 3 4 5\n")
		}, "", "100.51.198.in-addr.arpa.", "198.51.100.9", "origin"},
		{"child zone in a loaded parent", func(t *testing.T, dir string) {
			os.Symlink("/dev/zero", filepath.Join(dir, "64-26.100.51.198.in-addr.arpa.zone"))
		}, "64-26.100.51.198.in-addr.arpa.", "100.51.198.in-addr.arpa.", "198.51.100.65", "not a regular file"},
		{"new zone inside a failed /24", func(t *testing.T, dir string) {
			os.Symlink("/dev/zero", filepath.Join(dir, "db.203.0.113"))
		}, "113.0.203.in-addr.arpa.", "0/26.113.0.203.in-addr.arpa.", "203.0.113.9", "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "db.198.51.100", zone100)
			write(t, dir, "db.192.0.2", zone2)
			tt.setup(t, dir)
			s, err := Load([]Spec{{Path: dir}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(s.NotLoaded) != 1 || s.NotLoaded[0].Origin != tt.origin || !strings.Contains(s.NotLoaded[0].Err.Error(), tt.reason) {
				t.Fatalf("not loaded %+v", s.NotLoaded)
			}
			if len(s.Problems) != 1 {
				t.Fatalf("problems %v", s.Problems)
			}
			if err := s.CheckWrite(change(tt.blocked, tt.ip)); err == nil || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("write into the failed zone's space: %v", err)
			}
			other := s.CheckWrite(change("2.0.192.in-addr.arpa.", "192.0.2.9"))
			if tt.origin == "" {
				if other == nil {
					t.Fatal("a zone of unknown origin must block every write")
				}
			} else if other != nil {
				t.Fatalf("write elsewhere refused: %v", other)
			}
			if _, err := Load([]Spec{{Path: dir}}, Options{Strict: true}); err == nil {
				t.Fatal("strict load passed")
			}
		})
	}
}

// An unreadable zone file fails the load (exit 2 for any command), never a
// warning.
func TestUnreadableZoneFailsTheLoad(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file")
	}
	dir := t.TempDir()
	p := write(t, dir, "db.198.51.100", zone100)
	os.Chmod(p, 0)
	if _, err := Load([]Spec{{Path: dir}}, Options{}); err == nil {
		t.Fatal("unreadable zone loaded")
	}
}

// A symlinked zone file inside the zones directory is read through; writes
// go to the target (Path) and the link is kept (Link).
func TestSymlinkReadThrough(t *testing.T) {
	dir := t.TempDir()
	target := write(t, dir, "real/db.198.51.100", zone100)
	link := filepath.Join(dir, "db.198.51.100")
	if err := os.Symlink(filepath.Join("real", "db.198.51.100"), link); err != nil {
		t.Fatal(err)
	}
	s, err := Load([]Spec{{Path: dir}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// the target is found by the walk too: one zone, no conflict
	if len(s.Zones) != 1 || len(s.Conflicts) != 0 || len(s.NotLoaded) != 0 {
		t.Fatalf("zones %v conflicts %v not loaded %v", origins(s), s.Conflicts, s.NotLoaded)
	}
	z := s.Zones[0]
	realTarget, _ := filepath.EvalSymlinks(target)
	if z.Path != realTarget && z.Path != target {
		t.Fatalf("Path %s, want the target %s", z.Path, target)
	}
	// only the link inside the walk: named explicitly
	s, err = Load([]Spec{{Path: link}}, Options{Style: rdns.Slash})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Zones) != 1 || s.Zones[0].Link != link {
		t.Fatalf("explicit link: %+v %v", s.Zones, s.NotLoaded)
	}
}

// A zone whose $INCLUDE fails is read (with the problem) but never written.
func TestFailedIncludeMakesZoneReadOnly(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "db.198.51.100", zone100+"$INCLUDE inc/a\n")
	write(t, dir, "inc/a", "6 PTR six.example.net.\n$INCLUDE inc/b\n")
	write(t, dir, "inc/b", "7 PTR seven.example.net.\n$INCLUDE inc/a\n")
	write(t, dir, "db.192.0.2", zone2+"$INCLUDE missing\n")
	// BIND reads "inc/b" from named's directory: here the zones directory
	s, err := Load([]Spec{{Path: dir}}, Options{IncludeBase: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"100.51.198.in-addr.arpa.", "2.0.192.in-addr.arpa."} {
		z := s.Zone(o)
		if z == nil || !strings.Contains(z.ReadOnly, "$INCLUDE") {
			t.Fatalf("%s: %+v", o, z)
		}
	}
	if err := s.CheckWrite(change("100.51.198.in-addr.arpa.", "198.51.100.9")); err == nil || !strings.Contains(err.Error(), "include loop") {
		t.Fatalf("CheckWrite = %v", err)
	}
	if err := s.CheckWrite(change("2.0.192.in-addr.arpa.", "192.0.2.9")); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Fatalf("CheckWrite = %v", err)
	}
	// a good include leaves the zone writable
	dir = t.TempDir()
	write(t, dir, "db.198.51.100", zone100+"$INCLUDE inc/a\n")
	write(t, dir, "inc/a", "6 PTR six.example.net.\n")
	s, _ = Load([]Spec{{Path: dir}}, Options{})
	if z := s.Zone("100.51.198.in-addr.arpa."); z == nil || z.ReadOnly != "" {
		t.Fatalf("good include: %+v", z)
	}
}

// Zones named with another type than primary are listed, not read, and
// block writes; dynamic primaries are read but not written.
func TestSecondaryAndDynamic(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "db.198.51.100", zone100)
	q := write(t, dir, "db.192.0.2", zone2)
	s, err := Load([]Spec{
		{Path: p, Origin: "100.51.198.in-addr.arpa", Type: "slave", Source: "named.conf:3"},
		{Path: q, Origin: "2.0.192.in-addr.arpa", ReadOnly: "dynamic zone (update-policy): change it with RFC 2136 updates", Dynamic: true},
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Zones) != 1 || !s.Zones[0].Dynamic || len(s.NotLoaded) != 1 || s.NotLoaded[0].Type != "secondary" {
		t.Fatalf("zones %v, not loaded %+v", origins(s), s.NotLoaded)
	}
	if err := s.CheckWrite(change("100.51.198.in-addr.arpa.", "198.51.100.9")); err == nil || !strings.Contains(err.Error(), "secondary") {
		t.Fatalf("secondary: %v", err)
	}
	if err := s.CheckWrite(change("2.0.192.in-addr.arpa.", "192.0.2.9")); err == nil || !strings.Contains(err.Error(), "dynamic") {
		t.Fatalf("dynamic: %v", err)
	}
}

// A less specific zone that is not loaded (a secondary /8, a forward zone)
// does not block a loaded, more specific primary.
func TestLessSpecificNotLoadedDoesNotBlock(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "db.198.51.100", zone100)
	s, err := Load([]Spec{
		{Path: p},
		{Origin: "198.in-addr.arpa", Type: "secondary"},
		{Origin: ".", Type: "hint"},
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckWrite(change("100.51.198.in-addr.arpa.", "198.51.100.9")); err != nil {
		t.Fatalf("refused: %v", err)
	}
	// a new zone inside the secondary's space is refused
	if err := s.CheckWrite(change("7.51.198.in-addr.arpa.", "198.51.7.9")); err == nil {
		t.Fatal("new zone inside a secondary accepted")
	}
}

// A zone named.conf names whose file is missing fails the load, saying
// where named.conf names it.
func TestMissingNamedFile(t *testing.T) {
	_, err := Load([]Spec{{Path: filepath.Join(t.TempDir(), "db.x"), Origin: "100.51.198.in-addr.arpa", Source: "named.conf:7"}}, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "named.conf:7: zone 100.51.198.in-addr.arpa.: ") {
		t.Fatalf("error %v", err)
	}
}
