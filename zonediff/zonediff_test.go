package zonediff

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/zoneset"
)

func set(t *testing.T, body string) *zoneset.Set {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "db"), []byte("$ORIGIN 100.51.198.in-addr.arpa.\n$TTL 1h\n@ SOA ns1.example.net. h.example.net. 1 2 3 4 5\n@ NS ns1.example.net.\n"+body), 0o644)
	s, err := zoneset.Load([]zoneset.Spec{{Path: dir}}, zoneset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDiff(t *testing.T) {
	old := set(t, "1 PTR a.example.\n2 PTR b.example.\n3 PTR c.example.\n$GENERATE 10-20 $ PTR h$.example.\n")
	new := set(t, "1 PTR a.example.\n2 PTR B.example.\n3 PTR c2.example.\n4 PTR d.example.\n$GENERATE 10-19 $ PTR h$.example.\n15 PTR x.example.\n")
	got := Diff(old, new)
	var lines []string
	for _, c := range got {
		lines = append(lines, c.Addr.String()+" "+string(c.Kind)+" "+strings.Join(c.Old, ",")+">"+strings.Join(c.New, ","))
	}
	want := []string{
		"198.51.100.3 changed c.example.>c2.example.",
		"198.51.100.4 added >d.example.",
		"198.51.100.15 changed h15.example.>h15.example.,x.example.",
		"198.51.100.20 removed h20.example.>",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}
