package report

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func sample() (any, Rows) {
	rows := Rows{Header: []string{"category", "ip", "ptr"}}
	rows.Add("missing", "198.51.100.22", "")
	rows.Add("stale", "198.51.100.20", "vpn.oldcorp.example.")
	rows.Add("mismatch", "198.51.100.12", "with,comma and \"quote\"")
	v := struct {
		Findings []map[string]string `json:"findings"`
		Empty    []string            `json:"empty"`
	}{Findings: []map[string]string{{"category": "missing", "ip": "198.51.100.22"}}, Empty: []string{}}
	return v, rows
}

func TestRender(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		tty    bool
	}{
		{"table-tty.golden", Table, true},
		{"table-pipe.golden", Table, false},
		{"csv.golden", CSV, false},
		{"json.golden", JSON, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, rows := sample()
			var b bytes.Buffer
			if err := Render(&b, tt.format, tt.tty, v, rows); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b.Bytes())
		})
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"table", "JSON", "csv", ""} {
		if _, err := ParseFormat(s); err != nil {
			t.Errorf("ParseFormat(%q): %v", s, err)
		}
	}
	if _, err := ParseFormat("yaml"); err == nil {
		t.Error("ParseFormat(yaml) succeeded")
	}
}

func TestUnifiedDiffMatchesGNUDiff(t *testing.T) {
	old := []byte("$ORIGIN 100.51.198.in-addr.arpa.\n@ SOA ns1. h. 2026010100 1 1 1 1\n1 PTR a.\n2 PTR b.\n3 PTR c.\n4 PTR d.\n5 PTR e.\n6 PTR f.\n7 PTR g.\n8 PTR h.\n9 PTR i.\n10 PTR j.\n11 PTR k.\n")
	tests := []struct {
		name string
		new  []byte
	}{
		{"one-line", bytes.Replace(old, []byte("5 PTR e."), []byte("5 PTR e2."), 1)},
		{"two-hunks", bytes.Replace(bytes.Replace(old, []byte("2010"), []byte("2011"), 1), []byte("11 PTR k.\n"), []byte("11 PTR k.\n12 PTR l.\n"), 1)},
		{"delete", bytes.Replace(old, []byte("3 PTR c.\n"), nil, 1)},
		{"no-final-newline", bytes.TrimSuffix(old, []byte("\n"))},
		{"new-file", old},
	}
	diff, err := exec.LookPath("diff")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := old
			if tt.name == "new-file" {
				a = nil
			}
			var got bytes.Buffer
			if err := UnifiedDiff(&got, "a", "b", a, tt.new); err != nil {
				t.Fatal(err)
			}
			golden(t, "diff-"+tt.name+".golden", got.Bytes())
			if err != nil {
				return
			}
			dir := t.TempDir()
			fa, fb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			os.WriteFile(fa, a, 0o644)
			os.WriteFile(fb, tt.new, 0o644)
			out, _ := exec.Command(diff, "-u", "--label", "a", "--label", "b", fa, fb).Output()
			if !bytes.Equal(out, got.Bytes()) {
				t.Fatalf("differs from GNU diff -u:\n--- ours\n%s\n--- diff -u\n%s", got.Bytes(), out)
			}
		})
	}
	var none bytes.Buffer
	UnifiedDiff(&none, "a", "b", old, old)
	if none.Len() != 0 {
		t.Fatal("equal inputs gave a diff")
	}
}
