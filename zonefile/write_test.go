package zonefile

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestWriteFiles(t *testing.T) {
	t.Run("writes all, keeps the mode, leaves no temporary file", func(t *testing.T) {
		dir := t.TempDir()
		a, b := filepath.Join(dir, "a.zone"), filepath.Join(dir, "sub", "b.zone")
		if err := os.MkdirAll(filepath.Dir(b), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(a, []byte("old a\n"), 0o640); err != nil {
			t.Fatal(err)
		}
		if err := WriteFiles([]FileWrite{{Path: a, Data: []byte("new a\n")}, {Path: b, Data: []byte("new b\n")}}); err != nil {
			t.Fatal(err)
		}
		for path, want := range map[string]string{a: "new a\n", b: "new b\n"} {
			if got, _ := os.ReadFile(path); string(got) != want {
				t.Errorf("%s = %q", path, got)
			}
		}
		if st, _ := os.Stat(a); st.Mode().Perm() != 0o640 {
			t.Errorf("mode %v, want 0640", st.Mode().Perm())
		}
		if st, _ := os.Stat(b); st.Mode().Perm() != 0o644 {
			t.Errorf("new file mode %v, want 0644", st.Mode().Perm())
		}
		assertOnly(t, dir, "a.zone", "sub")
		assertOnly(t, filepath.Dir(b), "b.zone")
	})
	t.Run("a failed write changes nothing", func(t *testing.T) {
		dir := t.TempDir()
		a := filepath.Join(dir, "a.zone")
		if err := os.WriteFile(a, []byte("old a\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		err := WriteFiles([]FileWrite{{Path: a, Data: []byte("new a\n")}, {Path: filepath.Join(dir, "missing", "b.zone"), Data: []byte("b\n")}})
		if err == nil {
			t.Fatal("no error")
		}
		if got, _ := os.ReadFile(a); string(got) != "old a\n" {
			t.Errorf("a.zone changed: %q", got)
		}
		assertOnly(t, dir, "a.zone")
	})
	t.Run("refuses to empty an existing file", func(t *testing.T) {
		dir := t.TempDir()
		a, b := filepath.Join(dir, "a.zone"), filepath.Join(dir, "b.zone")
		os.WriteFile(a, []byte("old a\n"), 0o644)
		os.WriteFile(b, []byte("old b\n"), 0o644)
		err := WriteFiles([]FileWrite{{Path: a, Data: []byte("new a\n")}, {Path: b, Data: nil}})
		if err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Fatalf("error %v", err)
		}
		if got, _ := os.ReadFile(a); string(got) != "old a\n" {
			t.Errorf("a.zone changed: %q", got)
		}
		assertOnly(t, dir, "a.zone", "b.zone")
	})
	t.Run("refuses one path twice", func(t *testing.T) {
		dir := t.TempDir()
		a := filepath.Join(dir, "a.zone")
		if err := WriteFiles([]FileWrite{{Path: a, Data: []byte("1\n")}, {Path: a, Data: []byte("2\n")}}); err == nil {
			t.Fatal("no error")
		}
		assertOnly(t, dir)
	})
	t.Run("refuses a directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := WriteFiles([]FileWrite{{Path: dir, Data: []byte("x\n")}}); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("a patched zone written and read back", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "db.192.0.2")
		data := mustRead(t, filepath.Join("testdata", "patch", "base.zone"))
		os.WriteFile(path, data, 0o644)
		z, err := ParseBytes(data, path, Options{Origin: "2.0.192.in-addr.arpa"})
		if err != nil {
			t.Fatal(err)
		}
		out, err := z.Patch(patchCases()[0].changes, PatchOptions{Now: patchNow})
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteFiles([]FileWrite{{Path: path, Data: out[0]}}); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, out[0]) {
			t.Error("file differs from the patch")
		}
	})
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		if target, ok := spareTarget(filepath.Join(dir, e.Name())); ok && slices.Contains(names, filepath.Base(target)) {
			continue // the spare of a file that is there (see openTemp)
		}
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

// A rename that fails after the commit point puts back the files renamed
// before it, from their spares, with their mode: on a first write (the
// spares made by this write) and on a later one (the spares of the earlier
// write reused as temporary files).
func TestFailedRenamePutsBack(t *testing.T) {
	for _, earlier := range []bool{false, true} {
		t.Run(fmt.Sprintf("earlier=%v", earlier), func(t *testing.T) {
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			os.WriteFile(a, []byte("old a\n"), 0o640)
			os.WriteFile(b, []byte("old b\n"), 0o644)
			if earlier {
				os.WriteFile(a, []byte("older a\n"), 0o640)
				os.WriteFile(b, []byte("older b\n"), 0o644)
				if err := WriteFiles([]FileWrite{{Path: a, Data: []byte("old a\n")}, {Path: b, Data: []byte("old b\n")}}); err != nil {
					t.Fatal(err)
				}
			}
			writes := []FileWrite{{Path: a, Data: []byte("new a\n")}, {Path: b, Data: []byte("new b\n")}}
			beforeRename = func(i int) {
				if i == 1 { // b becomes a directory: the rename onto it fails
					os.Remove(b)
					os.Mkdir(b, 0o755)
					os.WriteFile(filepath.Join(b, "x"), nil, 0o644)
				}
			}
			defer func() { beforeRename = nil }()
			committed, err := Commit(context.Background(), Txn{Writes: writes})
			if committed || err == nil || !strings.Contains(err.Error(), "put back") {
				t.Fatalf("committed %v, err %v", committed, err)
			}
			got, _ := os.ReadFile(a)
			st, _ := os.Stat(a)
			if string(got) != "old a\n" || st.Mode().Perm() != 0o640 {
				t.Errorf("a: %q mode %v, want the old contents, mode 0640", got, st.Mode().Perm())
			}
			assertOnly(t, dir, "a", "b")
		})
	}
}

// The second write of a file writes into the inode the first one replaced
// (its spare) instead of making a new one; a spare that is linked
// elsewhere, is a symlink, or is owned by another is never written into.
func TestSpareReused(t *testing.T) {
	ino := func(p string) uint64 {
		st, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Sys().(*syscall.Stat_t).Ino
	}
	dir := t.TempDir()
	z := filepath.Join(dir, "z")
	os.WriteFile(z, []byte("v1 with a longer first version\n"), 0o640)
	first := ino(z)
	write := func(data string) {
		t.Helper()
		if err := WriteFiles([]FileWrite{{Path: z, Data: []byte(data)}}); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(z); string(got) != data {
			t.Fatalf("z = %q, want %q", got, data)
		}
		if st, _ := os.Stat(z); st.Mode().Perm() != 0o640 {
			t.Fatalf("mode %v", st.Mode().Perm())
		}
	}
	write("v2\n")
	if ino(sparePath(z)) != first {
		t.Fatal("the version replaced is not kept as the spare")
	}
	second := ino(z)
	write("v3\n")
	if ino(z) != first || ino(sparePath(z)) != second {
		t.Errorf("the spare was not reused: z inode %d (want %d), spare %d (want %d)", ino(z), first, ino(sparePath(z)), second)
	}
	assertOnly(t, dir, "z")

	// a spare hard-linked to another file is not written into
	other := filepath.Join(dir, "other")
	os.WriteFile(other, []byte("precious\n"), 0o644)
	os.Remove(sparePath(z))
	os.Link(other, sparePath(z))
	write("v4\n")
	if got, _ := os.ReadFile(other); string(got) != "precious\n" {
		t.Errorf("a linked spare was written into: other = %q", got)
	}
	// a symlinked spare is not followed
	os.Remove(sparePath(z))
	os.Symlink(other, sparePath(z))
	write("v5\n")
	if got, _ := os.ReadFile(other); string(got) != "precious\n" {
		t.Errorf("a symlinked spare was followed: other = %q", got)
	}
	if st, _ := os.Lstat(sparePath(z)); st == nil || !st.Mode().IsRegular() {
		t.Errorf("after the write the spare is the version replaced")
	}
	// Recover keeps the spares of files that exist, removes the others
	orphan := filepath.Join(dir, ".gone"+spareSuffix)
	os.WriteFile(orphan, nil, 0o644)
	if _, err := Recover(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(orphan); err == nil {
		t.Error("Recover kept the spare of a file that is gone")
	}
	if _, err := os.Lstat(sparePath(z)); err != nil {
		t.Error("Recover removed the spare of a file that is there")
	}
}
