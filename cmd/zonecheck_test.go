package cmd

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenFile compares got with testdata/NAME (rewritten with -update).
func goldenFile(t *testing.T, name string, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Fatalf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

const checkZone = "testdata/zonecheck/db.203.0.113"

func TestZoneCheckJSONGolden(t *testing.T) {
	r := run(t, "", "", "zone", "check", "--origin", "113.0.203.in-addr.arpa", checkZone, "-o", "json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.err)
	}
	goldenFile(t, "zonecheck/check.json", r.out)
}

func TestZoneCheckTableGolden(t *testing.T) {
	r := run(t, "", "", "zone", "check", "--origin", "113.0.203.in-addr.arpa", checkZone)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.err)
	}
	if !strings.HasPrefix(r.out, "FILE\tLINE\tSEVERITY\tCODE\tMESSAGE\n") {
		t.Fatalf("table header: %q", strings.SplitN(r.out, "\n", 2)[0])
	}
	goldenFile(t, "zonecheck/check.tsv", r.out)
}

// Severities per code, from --severity and from the config's checks, decide
// the exit status: 1 only while an error remains, warnings only with --strict.
func TestZoneCheckSeverity(t *testing.T) {
	dir := t.TempDir()
	zone := filepath.Join(dir, "db.198.51.100")
	os.WriteFile(zone, []byte(`$ORIGIN 100.51.198.in-addr.arpa.
$TTL 3600
@ SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 3600
@ NS ns1.example.net.
5 PTR a.example.net.
5 PTR b.example.net.
`), 0o644)
	cfg := func(body string) string {
		p := filepath.Join(t.TempDir(), "rdnsctl.yaml")
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	none := cfg("")
	tests := []struct {
		name string
		args []string
		code int
		err  string // in stderr
	}{
		{"default is an error", nil, 1, "1 errors, 0 warnings"},
		{"flag warning", []string{"--severity", "multiple-ptr=warning"}, 0, "0 errors, 1 warnings"},
		{"warning under --strict", []string{"--severity", "multiple-ptr=warning", "--strict"}, 1, "0 errors, 1 warnings"},
		{"info under --strict", []string{"--severity", "multiple-ptr=info", "--strict"}, 0, "0 errors, 0 warnings, 1 info"},
		{"off", []string{"--severity", "multiple-ptr=off"}, 0, "0 errors, 0 warnings, 0 info"},
		{"config warning", []string{"--config", cfg("checks:\n  multiple-ptr: warning\n")}, 0, "0 errors, 1 warnings"},
		{"config off", []string{"--config", cfg("checks:\n  multiple-ptr: off\n")}, 0, "0 errors, 0 warnings"},
		{"flag over config", []string{"--config", cfg("checks:\n  multiple-ptr: warning\n"), "--severity", "multiple-ptr=error"}, 1, "1 errors"},
		{"unknown code flag", []string{"--severity", "multi-ptr=warning"}, 2, `unknown check code "multi-ptr" (valid codes: parse-error, missing-soa,`},
		{"unknown code config", []string{"--config", cfg("checks:\n  multi-ptr: warning\n")}, 2, `checks: unknown check code "multi-ptr" (valid codes:`},
		{"bad severity config", []string{"--config", cfg("checks:\n  multiple-ptr: loud\n")}, 2, `multiple-ptr: severity "loud"`},
		{"check-names warn", []string{"--check-names", "warn"}, 1, "1 errors, 0 warnings"},
		{"bad check-names", []string{"--check-names", "loud"}, 2, `--check-names "loud": want fail, warn or ignore`},
		{"bad severity flag", []string{"--severity", "multiple-ptr"}, 2, "want CODE=SEVERITY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"zone", "check", "--config", none, "--origin", "100.51.198.in-addr.arpa", zone}, tt.args...)
			r := run(t, "", "", args...)
			if r.code != tt.code || !strings.Contains(r.err, tt.err) {
				t.Fatalf("exit %d (want %d), stderr %q (want it to contain %q)", r.code, tt.code, r.err, tt.err)
			}
		})
	}
}

// --check-names is named-checkzone's -k: with each mode, zone check exits 1
// exactly when named-checkzone -i local -k MODE refuses the zone.
func TestZoneCheckCheckNamesAsBIND(t *testing.T) {
	if _, err := exec.LookPath("named-checkzone"); err != nil {
		t.Skip("named-checkzone not installed (Debian package bind9-utils)")
	}
	dir := t.TempDir()
	zones := map[string]string{
		"ptr-target": "5 PTR a_b.example.net.\n",
		"a-owner":    "a_b A 192.0.2.1\n",
		"dns-sd":     "b._dns-sd._udp PTR a_b.example.net.\n",
		"clean":      "5 PTR a.example.net.\n",
	}
	none := filepath.Join(dir, "none.yaml")
	os.WriteFile(none, nil, 0o644)
	for name, body := range zones {
		file := filepath.Join(dir, name)
		os.WriteFile(file, []byte("$ORIGIN 100.51.198.in-addr.arpa.\n$TTL 3600\n@ SOA ns1.example.net. h.example.net. 1 2 3 4 5\n@ NS ns1.example.net.\n"+body), 0o644)
		for _, k := range []string{"fail", "warn", "ignore"} {
			bind := exec.Command("named-checkzone", "-i", "local", "-k", k, "100.51.198.in-addr.arpa", file).Run() == nil
			r := run(t, "", "", "zone", "check", "--config", none, "--check-names", k, "--origin", "100.51.198.in-addr.arpa", file)
			if (r.code == 0) != bind || r.code > 1 {
				t.Errorf("%s -k %s: BIND loads=%v, zone check exit %d\n%s%s", name, k, bind, r.code, r.out, r.err)
			}
		}
	}
}
