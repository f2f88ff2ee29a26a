package zonefile

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeManifest(t *testing.T, dir string, m manifest) {
	t.Helper()
	m.Version = manifestVersion
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestName), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A write killed after its manifest: Recover finishes every rename. Without
// a manifest, leftover temporary files are only removed.
func TestRecover(t *testing.T) {
	tests := []struct {
		name     string
		manifest bool
		want     string
	}{
		{"manifest: roll forward", true, "new"},
		{"no manifest: roll back", false, "old"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			os.WriteFile(a, []byte("new"), 0o644) // already renamed before the kill
			os.WriteFile(b, []byte("old"), 0o644)
			tmp := filepath.Join(dir, ".b.rdnsctl-123")
			os.WriteFile(tmp, []byte("new"), 0o644)
			os.WriteFile(filepath.Join(dir, ".a.rdnsctl-9.old"), []byte("old"), 0o644)
			if tt.manifest {
				writeManifest(t, dir, manifest{Renames: []manifestRename{{filepath.Join(dir, ".a.rdnsctl-gone"), a}, {tmp, b}}})
			}
			rec, err := Recover(dir)
			if err != nil || rec.Pending != tt.manifest {
				t.Fatalf("Recover = %+v, %v", rec, err)
			}
			if err := FinishWrite(dir); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(b); string(got) != tt.want {
				t.Fatalf("b = %q, want %q (%+v)", got, tt.want, rec)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 2 {
				t.Fatalf("left behind: %v", entries)
			}
		})
	}
}

// A manifest naming a file outside the zones roots (planted, or stale) is
// refused whole: nothing is renamed, inside or outside.
func TestRecoverRefusesPathsOutsideRoots(t *testing.T) {
	tests := []struct {
		name string
		make func(zones, outside string) manifest
	}{
		{"target outside", func(zones, outside string) manifest {
			return manifest{Renames: []manifestRename{{filepath.Join(outside, ".victim.rdnsctl-1"), filepath.Join(outside, "victim")}}}
		}},
		{"tmp in another directory", func(zones, outside string) manifest {
			return manifest{Renames: []manifestRename{{filepath.Join(outside, ".z.rdnsctl-1"), filepath.Join(zones, "z")}}}
		}},
		{"dot-dot path", func(zones, outside string) manifest {
			return manifest{Renames: []manifestRename{{zones + "/../out/.victim.rdnsctl-1", zones + "/../out/victim"}}}
		}},
		{"retire outside", func(zones, outside string) manifest {
			return manifest{Retires: []Retire{{filepath.Join(outside, "victim"), filepath.Join(outside, "victim.retired")}}}
		}},
		{"retire to another name", func(zones, outside string) manifest {
			return manifest{Retires: []Retire{{filepath.Join(zones, "z"), filepath.Join(zones, "y")}}}
		}},
		{"inside first, outside second", func(zones, outside string) manifest {
			return manifest{Renames: []manifestRename{{filepath.Join(zones, ".z.rdnsctl-1"), filepath.Join(zones, "z")},
				{filepath.Join(outside, ".victim.rdnsctl-1"), filepath.Join(outside, "victim")}}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			zones, outside := filepath.Join(base, "zones"), filepath.Join(base, "out")
			os.Mkdir(zones, 0o755)
			os.Mkdir(outside, 0o755)
			files := map[string]string{
				filepath.Join(outside, "victim"):            "victim",
				filepath.Join(outside, ".victim.rdnsctl-1"): "attacker",
				filepath.Join(outside, ".z.rdnsctl-1"):      "attacker",
				filepath.Join(zones, "z"):                   "zone",
				filepath.Join(zones, ".z.rdnsctl-1"):        "new zone",
			}
			for p, d := range files {
				os.WriteFile(p, []byte(d), 0o644)
			}
			writeManifest(t, zones, tt.make(zones, outside))
			_, err := Recover(zones, zones)
			if err == nil || !strings.Contains(err.Error(), "refusing the whole manifest") {
				t.Fatalf("Recover = %v, want a refusal", err)
			}
			for p, d := range files {
				if got, _ := os.ReadFile(p); string(got) != d {
					t.Errorf("%s = %q, want %q untouched", p, got, d)
				}
			}
		})
	}
	t.Run("symlinked manifest", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(t.TempDir(), "m")
		os.WriteFile(target, []byte(`{"version":1}`), 0o644)
		os.Symlink(target, filepath.Join(dir, ManifestName))
		if _, err := Recover(dir); err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Fatalf("Recover = %v", err)
		}
	})
}

// File names with a newline, a tab or other bytes survive the manifest.
func TestManifestOddNames(t *testing.T) {
	for _, name := range []string{"a\nb.zone", "tab\there", "quote\"and\\slash", "ünï", "\x01ctl"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, name)
			os.WriteFile(p, []byte("old\n"), 0o644)
			if _, err := Commit(context.Background(), Txn{Writes: []FileWrite{{Path: p, Data: []byte("new\n")}}, Dir: dir}); err != nil {
				t.Fatal(err)
			}
			m, ok, err := readManifest(filepath.Join(dir, ManifestName))
			if err != nil || !ok || len(m.Renames) != 1 || m.Renames[0].Path != p {
				t.Fatalf("manifest = %+v, %v, %v", m, ok, err)
			}
			// as if killed right after the commit point: the tmp is back
			tmp := filepath.Join(dir, "."+name+".rdnsctl-7")
			os.WriteFile(tmp, []byte("newer\n"), 0o644)
			writeManifest(t, dir, manifest{Renames: []manifestRename{{tmp, p}}})
			rec, err := Recover(dir)
			if err != nil || len(rec.Renamed) != 1 {
				t.Fatalf("Recover = %+v, %v", rec, err)
			}
			if got, _ := os.ReadFile(p); string(got) != "newer\n" {
				t.Fatalf("%q = %q", p, got)
			}
		})
	}
}

// Retiring is part of the manifest: finished by Recover, never over an
// existing file.
func TestRetire(t *testing.T) {
	t.Run("commit retires to a free name", func(t *testing.T) {
		dir := t.TempDir()
		child := filepath.Join(dir, "child.zone")
		os.WriteFile(child, []byte("child\n"), 0o644)
		os.WriteFile(child+".retired", []byte("older\n"), 0o644)
		to := FreeRetiredName(child)
		if to != child+".retired.2" {
			t.Fatalf("FreeRetiredName = %s", to)
		}
		if _, err := Commit(context.Background(), Txn{Retires: []Retire{{child, to}}, Dir: dir}); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(child + ".retired"); string(got) != "older\n" {
			t.Errorf("older retired file = %q", got)
		}
		if got, _ := os.ReadFile(to); string(got) != "child\n" {
			t.Errorf("retired = %q", got)
		}
	})
	t.Run("commit refuses an existing target before writing", func(t *testing.T) {
		dir := t.TempDir()
		child, parent := filepath.Join(dir, "child.zone"), filepath.Join(dir, "parent.zone")
		os.WriteFile(child, []byte("child\n"), 0o644)
		os.WriteFile(parent, []byte("parent\n"), 0o644)
		os.WriteFile(child+".retired", []byte("older\n"), 0o644)
		_, err := Commit(context.Background(), Txn{Writes: []FileWrite{{Path: parent, Data: []byte("new\n")}}, Retires: []Retire{{child, child + ".retired"}}, Dir: dir})
		if err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
			t.Fatalf("Commit = %v", err)
		}
		if got, _ := os.ReadFile(parent); string(got) != "parent\n" {
			t.Errorf("parent written: %q", got)
		}
	})
	for _, state := range []string{"not started", "linked", "done"} {
		t.Run("recover "+state, func(t *testing.T) {
			dir := t.TempDir()
			child := filepath.Join(dir, "child.zone")
			to := child + ".retired"
			os.WriteFile(child, []byte("child\n"), 0o644)
			switch state {
			case "linked":
				os.Link(child, to)
			case "done":
				os.Rename(child, to)
			}
			writeManifest(t, dir, manifest{Retires: []Retire{{child, to}}})
			if _, err := Recover(dir); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(child); err == nil {
				t.Error("child still there")
			}
			if got, _ := os.ReadFile(to); string(got) != "child\n" {
				t.Errorf("retired = %q", got)
			}
		})
	}
	t.Run("recover never overwrites another file", func(t *testing.T) {
		dir := t.TempDir()
		child := filepath.Join(dir, "child.zone")
		os.WriteFile(child, []byte("child\n"), 0o644)
		os.WriteFile(child+".retired", []byte("other\n"), 0o644)
		writeManifest(t, dir, manifest{Retires: []Retire{{child, child + ".retired"}}})
		if _, err := Recover(dir); err == nil {
			t.Fatal("no error")
		}
		if got, _ := os.ReadFile(child + ".retired"); string(got) != "other\n" {
			t.Errorf("overwritten: %q", got)
		}
	})
}

// A write interrupted before its commit point changes nothing and leaves
// no manifest; a symlinked zone file is refused, the link kept.
func TestCommitContextAndLinks(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.zone")
	os.WriteFile(a, []byte("old\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	committed, err := Commit(ctx, Txn{Writes: []FileWrite{{Path: a, Data: []byte("new\n")}}, Dir: dir})
	if committed || err != context.Canceled {
		t.Fatalf("Commit = %v, %v", committed, err)
	}
	if got, _ := os.ReadFile(a); string(got) != "old\n" {
		t.Fatalf("a = %q", got)
	}
	assertOnly(t, dir, "a.zone")
	link := filepath.Join(dir, "link.zone")
	os.Symlink(a, link)
	if _, err := Commit(context.Background(), Txn{Writes: []FileWrite{{Path: link, Data: []byte("new\n")}}, Dir: dir}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("write through a link: %v", err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced")
	}
}

// A write touching two roots leaves its manifest in both: a writer of a
// zone set with only one of them refuses to go on (the manifest names
// files outside its roots) instead of writing over the interrupted write;
// the writer of the whole set finishes it.
func TestManifestInEveryTouchedRoot(t *testing.T) {
	base := t.TempDir()
	a, b := filepath.Join(base, "a"), filepath.Join(base, "b")
	os.Mkdir(a, 0o755)
	os.Mkdir(b, 0o755)
	za, zb := filepath.Join(a, "z"), filepath.Join(b, "z")
	os.WriteFile(za, []byte("old a\n"), 0o644)
	os.WriteFile(zb, []byte("old b\n"), 0o644)
	if _, err := Commit(context.Background(), Txn{Writes: []FileWrite{{Path: za, Data: []byte("new a\n")}, {Path: zb, Data: []byte("new b\n")}}, Dir: a, Roots: []string{a, b}}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{a, b} {
		if _, err := os.Stat(filepath.Join(d, ManifestName)); err != nil {
			t.Fatalf("no manifest in %s", d)
		}
	}
	if _, err := Recover(b, b); err == nil || !strings.Contains(err.Error(), "more directories") {
		t.Fatalf("a writer of b alone: %v", err)
	}
	for _, d := range []string{a, b} {
		rec, err := Recover(d, a, b)
		if err != nil || !rec.Pending {
			t.Fatalf("Recover(%s) = %+v, %v", d, rec, err)
		}
	}
	for _, d := range []string{a, b} {
		if err := FinishWrite(d); err != nil {
			t.Fatal(err)
		}
		assertOnly(t, d, "z")
	}
}
