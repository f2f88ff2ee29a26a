package zonecheck

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rdnsctl/rdnsctl/zonefile"
)

// FuzzFile checks whatever the reader makes of arbitrary text: the checker
// must not panic, every finding has a known code and a severity, and two
// runs give the same findings.
func FuzzFile(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "examples", "zones", "*"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(head + "5 CNAME a.\n5 PTR b_c.\n@ NS ns.d\nd DNAME x.\nsub NS ns.sub\nb._dns-sd._udp PTR _x.\n$GENERATE 1-9 $ PTR h$.\n3 PTR o.\nx.example. A 1.2.3.4\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		z, err := zonefile.ParseBytes(data, "fuzz.zone", zonefile.Options{Origin: origin, MaxGenerate: 256})
		if err != nil || z == nil {
			return
		}
		a := File(z, Options{})
		for _, x := range a {
			c, ok := codeInfo(x.Code)
			if !ok || x.Severity != c.Severity || x.Message == "" {
				t.Fatalf("finding %+v", x)
			}
		}
		if b := File(z, Options{}); len(a) != len(b) {
			t.Fatalf("two runs: %d and %d findings", len(a), len(b))
		}
	})
}
