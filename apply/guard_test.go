package apply

import (
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

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

func del(i int) rdns.Change {
	a := netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})
	return rdns.Change{Action: rdns.Delete, Zone: "100.51.198.in-addr.arpa.", Name: rdns.ReverseName(a), Addr: a, Type: "PTR", Old: "host" + itoa(i) + ".example.net."}
}

func TestGuard(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "db"), []byte(zone(20)), 0o644)
	s := load(t, dir)
	var cs rdns.ChangeSet
	for i := 1; i <= 7; i++ {
		cs.Changes = append(cs.Changes, del(i))
	}
	if err := Guard(s, cs, 0.30, 10); err == nil || !strings.Contains(err.Error(), "7 of 20 PTRs (35%)") {
		t.Fatalf("Guard = %v", err)
	}
	if err := Guard(s, rdns.ChangeSet{Changes: cs.Changes[:6]}, 0.30, 10); err != nil {
		t.Fatalf("6 of 20 refused: %v", err)
	}
	// a PTR moved elsewhere is not lost
	moved := cs
	for _, c := range cs.Changes {
		moved.Changes = append(moved.Changes, rdns.Change{Action: rdns.Add, Zone: "0/26.100.51.198.in-addr.arpa.", Addr: c.Addr, Type: "PTR", New: c.Old})
	}
	if err := Guard(s, moved, 0.30, 10); err != nil {
		t.Fatalf("moved PTRs counted as lost: %v", err)
	}
	// small zones are not guarded
	if err := Guard(s, cs, 0.30, 21); err != nil {
		t.Fatalf("zone under the minimum: %v", err)
	}
}
