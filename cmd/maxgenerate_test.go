package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 9: a $GENERATE range over max_generate (default 1,048,576 records a
// line) is refused with file:line, by the config key and by default.
func TestMaxGenerate(t *testing.T) {
	dir := t.TempDir()
	zone := "$ORIGIN 100.51.198.in-addr.arpa.\n$TTL 3600\n@ SOA ns1.example.net. h.example.net. 1 2 3 4 5\n@ NS ns1.example.net.\n" +
		"$GENERATE 0-255 $ PTR h$.example.net.\n$GENERATE 0-16777215 x$ TXT big\n"
	if err := os.MkdirAll(filepath.Join(dir, "zones"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "zones", "db.198.51.100")
	if err := os.WriteFile(file, []byte(zone), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		config, want string
	}{
		{"zones: [zones]\n", file + "\t6\terror\tparse-error\t$GENERATE: range '0-16777215' gives 16777216 records, more than the limit of 1048576"},
		{"zones: [zones]\nmax_generate: 100\n", file + "\t5\terror\tparse-error\t$GENERATE: range '0-255' gives 256 records, more than the limit of 100"},
	} {
		cfg := filepath.Join(dir, "rdnsctl.yaml")
		if err := os.WriteFile(cfg, []byte(tt.config), 0o644); err != nil {
			t.Fatal(err)
		}
		r := run(t, "", "", "zone", "check", "--config", cfg)
		if r.code == 0 || !strings.Contains(r.out, tt.want) {
			t.Errorf("%q: exit %d, want %q:\n%s\n%s", tt.config, r.code, tt.want, r.out, r.err)
		}
	}
}
