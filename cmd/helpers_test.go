package cmd

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rdnsctl/rdnsctl/zoneset"
)

// result of one rdnsctl run
type result struct {
	out, err string
	code     int
}

// run executes rdnsctl in dir with buffers for its streams.
func run(t *testing.T, dir string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	app := &App{IO: &IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errb},
		Now: func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) }, Args: append([]string{"rdnsctl"}, args...)}
	wd, _ := os.Getwd()
	if dir != "" {
		if err := os.Chdir(dir); err != nil {
			t.Fatal(err)
		}
		defer os.Chdir(wd)
	}
	code := app.Run(context.Background(), args)
	return result{out.String(), errb.String(), code}
}

// copyExamples copies examples/ into a temp dir and returns it.
func copyExamples(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join("..", "examples")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// snapshot reads every file under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(d.Name(), ".rdnsctl-spare") { // a write's spare (zonefile.openTemp) is no zone content
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			m[rel] = string(b)
		}
		return nil
	})
	return m
}

// checkZones runs named-checkzone on every zone of the set under dir.
func checkZones(t *testing.T, dir string) {
	t.Helper()
	bin, err := exec.LookPath("named-checkzone")
	if err != nil {
		t.Log("named-checkzone not installed (Debian package bind9-utils): zones not checked by BIND")
		return
	}
	s, err := zoneset.Load([]zoneset.Spec{{Path: dir}}, zoneset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range s.Zones {
		cmd := exec.Command(bin, "-q", "-k", "fail", "-i", "local", z.Origin, z.Path)
		cmd.Dir = filepath.Dir(z.Path)
		if out, err := cmd.CombinedOutput(); err != nil {
			b, _ := os.ReadFile(z.Path)
			t.Errorf("named-checkzone %s %s: %v\n%s\n--- file:\n%s", z.Origin, z.Path, err, out, b)
		}
	}
}

// recordSet is every record of the zones under dir as dump lines, without
// the SOA (whose serial changes), sorted.
func recordSet(t *testing.T, dir string) []string {
	t.Helper()
	r := run(t, "", "", "zone", "dump", "--zones", dir)
	if r.code != 0 {
		t.Fatalf("zone dump: %d %s", r.code, r.err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(r.out), "\n") {
		if f := strings.Fields(l); len(f) > 3 && f[3] == "SOA" {
			continue
		}
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

func diffLines(a, b []string) (onlyA, onlyB []string) {
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for k, v := range m {
		for ; v > 0; v-- {
			onlyA = append(onlyA, k)
		}
		for ; v < 0; v++ {
			onlyB = append(onlyB, k)
		}
	}
	sort.Strings(onlyA)
	sort.Strings(onlyB)
	return
}

func lookPath(name string) (string, error) { return exec.LookPath(name) }
