package journal

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func batchOf(t *testing.T, path string, names ...string) []byte {
	t.Helper()
	es := make([]Entry, len(names))
	for i, n := range names {
		es[i] = Entry{Time: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), Operator: "op", Action: "add", IP: "198.51.100.1", Type: "PTR", New: n}
	}
	if err := WriteBatch(path, len(es), func(i int) *Entry { return &es[i] }); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	return b
}

// AppendBatch appends a batch exactly once, whatever an interrupted
// earlier attempt left in the journal.
func TestAppendBatchExactlyOnce(t *testing.T) {
	const prior = `{"new":"earlier"}` + "\n"
	tests := []struct {
		name string
		// journal is what the journal holds before this attempt, given
		// the batch's bytes; mark is the mark's size (-1: no mark)
		journal func(b []byte) string
		mark    int
		want    int // lines appended now
	}{
		{"first attempt", func(b []byte) string { return prior }, -1, 3},
		{"first attempt after a torn foreign line", func(b []byte) string { return prior + `{"new":"to` }, -1, 3},
		{"killed before the first byte", func(b []byte) string { return prior }, len(prior), 3},
		{"killed inside line 2", func(b []byte) string { return prior + string(b[:len(b)/2]) }, len(prior), 2},
		{"killed after a whole line", func(b []byte) string { return prior + string(b[:strings.IndexByte(string(b), '\n')+1]) }, len(prior), 2},
		{"killed after the last byte", func(b []byte) string { return prior + string(b) }, len(prior), 0},
		{"another writer appended after the kill", func(b []byte) string {
			first := string(b[:strings.IndexByte(string(b), '\n')+1])
			return prior + first + `{"new":"other writer"}` + "\n"
		}, len(prior), 2},
		{"journal cut below the mark", func(b []byte) string { return "" }, len(prior), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bpath, jpath := filepath.Join(dir, "batch"), filepath.Join(dir, "journal")
			b := batchOf(t, bpath, "one.", "two.", "three.")
			os.WriteFile(jpath, []byte(tt.journal(b)), 0o644)
			if tt.mark >= 0 {
				if err := writeMark(MarkPath(bpath), mark{Size: int64(tt.mark)}); err != nil {
					t.Fatal(err)
				}
			}
			n, err := AppendBatch(jpath, bpath)
			if err != nil || n != tt.want {
				t.Fatalf("AppendBatch = %d, %v; want %d", n, err, tt.want)
			}
			// and again: nothing more
			if n, err := AppendBatch(jpath, bpath); err != nil || n != 0 {
				t.Fatalf("again: %d, %v", n, err)
			}
			es, _, err := ReadFile(jpath, Filter{})
			if err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			for _, e := range es {
				count[e.New]++
			}
			for _, name := range []string{"one.", "two.", "three."} {
				if count[name] != 1 {
					t.Errorf("%s journaled %d times: %v", name, count[name], count)
				}
			}
			data, _ := os.ReadFile(jpath)
			if !strings.HasSuffix(string(data), "\n") {
				t.Errorf("journal ends torn: %q", data)
			}
		})
	}
}

// A batch file is new each time: a hard link or a symlink planted at its
// name is replaced, never written through.
func TestWriteBatchNeverWritesThrough(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("keep\n"), 0o644)
	for _, plant := range []func(string) error{func(p string) error { return os.Link(victim, p) }, func(p string) error { return os.Symlink(victim, p) }} {
		bpath := filepath.Join(dir, "batch")
		os.Remove(bpath)
		if err := plant(bpath); err != nil {
			t.Fatal(err)
		}
		batchOf(t, bpath, "x.")
		if got, _ := os.ReadFile(victim); string(got) != "keep\n" {
			t.Fatalf("victim = %q", got)
		}
	}
}

// A root where no lock file can be created (read-only) is one this process
// cannot write in either: the other roots' locks are taken; with none
// left, the error is returned.
func TestAcquireAllSkipsReadOnlyRoots(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting needs root")
	}
	ro := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", ro).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a read-only tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", ro).Run() })
	rw := filepath.Join(t.TempDir(), "lock")
	l, err := AcquireAll(context.Background(), []string{filepath.Join(ro, "lock"), rw}, time.Second)
	if err != nil || len(l.files) != 1 {
		t.Fatalf("AcquireAll = %v, %v", l, err)
	}
	l.Release()
	if _, err := AcquireAll(context.Background(), []string{filepath.Join(ro, "lock")}, time.Second); err == nil {
		t.Fatal("no lock at all, and no error")
	}
}
